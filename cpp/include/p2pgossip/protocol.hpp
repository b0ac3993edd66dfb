// Every libp2p protocol id the node speaks, and what each pubsub protocol supports: the one
// place a protocol string is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace p2pgossip {

// Identify's agentVersion, "p2pgossip/<version>": defined in cpp/src/version.cpp from the one
// version in pyproject.toml.
extern const std::string_view kAgentVersion;

namespace protocol {
constexpr std::string_view kNoise = "/noise";
constexpr std::string_view kYamux = "/yamux/1.0.0";
constexpr std::string_view kMeshsub12 = "/meshsub/1.2.0";
constexpr std::string_view kMeshsub11 = "/meshsub/1.1.0";
constexpr std::string_view kFloodsub = "/floodsub/1.0.0";
constexpr std::string_view kPing = "/ipfs/ping/1.0.0";
constexpr std::string_view kIdentify = "/ipfs/id/1.0.0";
constexpr std::string_view kKad = "/ipfs/kad/1.0.0";
}  // namespace protocol

// The pubsub protocol a peer speaks on its stream, newest first.
enum class PubsubProtocol : std::uint8_t { kMeshsub12, kMeshsub11, kFloodsub };

constexpr std::string_view protocol_id(PubsubProtocol p) {
  switch (p) {
    case PubsubProtocol::kMeshsub12:
      return protocol::kMeshsub12;
    case PubsubProtocol::kMeshsub11:
      return protocol::kMeshsub11;
    case PubsubProtocol::kFloodsub:
      return protocol::kFloodsub;
  }
  return protocol::kMeshsub12;
}

constexpr std::optional<PubsubProtocol> pubsub_protocol_of(std::string_view id) {
  if (id == protocol::kMeshsub12) return PubsubProtocol::kMeshsub12;
  if (id == protocol::kMeshsub11) return PubsubProtocol::kMeshsub11;
  if (id == protocol::kFloodsub) return PubsubProtocol::kFloodsub;
  return std::nullopt;
}

// Feature tests: what the peer's protocol lets us send it.
constexpr bool speaks_gossipsub(PubsubProtocol p) { return p != PubsubProtocol::kFloodsub; }
constexpr bool supports_idontwant(PubsubProtocol p) { return p == PubsubProtocol::kMeshsub12; }

}  // namespace p2pgossip
