// The package version, from pyproject.toml through CMake (P2PGOSSIP_VERSION is defined for this
// file only, so a version bump recompiles one file).
#include <string_view>

#ifndef P2PGOSSIP_VERSION
#error "P2PGOSSIP_VERSION is set by CMakeLists.txt from pyproject.toml"
#endif

namespace p2pgossip {

// Declared in p2pgossip/protocol.hpp; constant-initialised, so usable during static init.
extern const std::string_view kAgentVersion = "p2pgossip/" P2PGOSSIP_VERSION;

}  // namespace p2pgossip
