#include "p2pgossip/rpc.hpp"

#include <algorithm>

namespace p2pgossip {

bool operator==(const Rpc& a, const Rpc& b) {
  auto same = [](const MessagePtr& x, const MessagePtr& y) {
    return x == y || (x && y && *x == *y);
  };
  return a.subscriptions == b.subscriptions && a.control == b.control &&
         a.publish_hops == b.publish_hops &&
         std::equal(a.publish.begin(), a.publish.end(), b.publish.begin(), b.publish.end(), same);
}

}  // namespace p2pgossip
