#include "bindings.hpp"

namespace p2pgossip::bindings {

void bind_crypto(py::module_& m) {}

}  // namespace p2pgossip::bindings
