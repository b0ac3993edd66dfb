// Declarations shared by bind_crypto.cpp and bind_message.cpp.
#pragma once

#include <memory>
#include <stdexcept>
#include <vector>

#include "bindings.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::bindings {

// Raised to Python as p2pgossip.InvalidKeyError (a ValueError): a seed, key or key file
// that is not a valid Ed25519 key, with the rule that failed.
class InvalidKeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The Messages of a Python iterable (TypeError naming the first that is not one).
std::vector<std::shared_ptr<Message>> messages_of(const py::iterable& items);

}  // namespace p2pgossip::bindings
