// libFuzzer harness for the pubsub RPC decoder. Whatever decodes must re-encode to bytes of
// exactly encoded_rpc_size, and those bytes must decode to an equal RPC (the codec's fixed
// point); a violation aborts so the fuzzer keeps the input.
#include <cstdint>
#include <cstdlib>

#include "p2pgossip/wire/rpc_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace p2pgossip;
  // Small limits reach every "too many" and "too large" branch with small inputs.
  wire::DecodeLimits small;
  small.max_rpc_size = 4096;
  small.max_data_size = 64;
  small.max_topic_length = 16;
  small.max_subscriptions = small.max_publish = small.max_control_entries = 4;
  small.max_ihave_length = small.max_prune_peers = 4;
  small.max_message_id_size = 8;
  small.max_signed_peer_record_size = 32;

  const ByteView in(data, size);
  for (const auto& limits : {wire::DecodeLimits{}, small}) {
    auto rpc = wire::decode_rpc(in, limits);
    if (!rpc) {
      if (rpc.error().what.empty()) std::abort();
      continue;
    }
    Bytes out;
    wire::encode_rpc(*rpc, out);
    if (out.size() != wire::encoded_rpc_size(*rpc)) std::abort();
    auto again = wire::decode_rpc(out, limits);
    if (!again || !(*again == *rpc)) std::abort();
  }
  (void)wire::decode_message(in);
  return 0;
}
