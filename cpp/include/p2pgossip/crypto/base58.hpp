// base58btc (the Bitcoin alphabet): the canonical text form of libp2p peer ids.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::crypto {

// Decoding is quadratic in the length, so inputs are bounded (peer ids are <= 64 chars).
constexpr std::size_t kMaxBase58Chars = 128;

std::string base58_encode(ByteView data);
Result<Bytes> base58_decode(std::string_view text);

}  // namespace p2pgossip::crypto
