// Time as every sans-I/O machine sees it: `now` comes in from the driver (the runtime's
// steady clock or the simulator's virtual clock), nanoseconds since an arbitrary epoch.
#pragma once

#include <chrono>

namespace p2pgossip {

using Instant = std::chrono::nanoseconds;
using Duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

}  // namespace p2pgossip
