#include "bindings.hpp"

namespace p2pgossip::bindings {

void bind_router(py::module_& m) {}

}  // namespace p2pgossip::bindings
