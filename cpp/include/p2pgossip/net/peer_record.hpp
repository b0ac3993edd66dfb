// Peer records (libp2p/specs RFC 0003): a peer's addresses, signed by the peer itself in a
// signed envelope (crypto/signed_envelope.hpp), so they can travel through third parties
// (PRUNE peer exchange, identify) and still be trusted.
//   message PeerRecord { bytes peer_id = 1; uint64 seq = 2; repeated AddressInfo addresses = 3;
//                        message AddressInfo { bytes multiaddr = 1; } }
// Two (domain, payload type) pairs are in use. go-, js- and py-libp2p (and go-libp2p-pubsub's
// PX) sign with domain "libp2p-peer-record" and payload type 0x03 0x01 (the multicodec
// 0x0301 written as two big-endian bytes, not as its varint); the RFC text and rust-libp2p use
// "libp2p-routing-state" with "/libp2p/routing-state-record". We sign as go does and open
// both: the payload type says which domain the signature must verify for.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net {

constexpr std::string_view kPeerRecordDomain = "libp2p-peer-record";
constexpr std::array<std::uint8_t, 2> kPeerRecordPayloadType = {0x03, 0x01};
constexpr std::string_view kRoutingStateDomain = "libp2p-routing-state";
constexpr std::string_view kRoutingStatePayloadType = "/libp2p/routing-state-record";

namespace peer_record_field {
constexpr std::uint32_t kPeerId = 1, kSeq = 2, kAddresses = 3, kMultiaddr = 1;
}

// As many addresses as identify admits (identify::Limits::max_listen_addrs).
constexpr std::size_t kMaxPeerRecordAddrs = 64;

struct PeerRecord {
  crypto::PeerId peer_id;
  // Orders one peer's records in time: a newer record has a greater seq.
  std::uint64_t seq = 0;
  std::vector<Multiaddr> addrs;

  bool operator==(const PeerRecord&) const = default;
};

Bytes encode_peer_record(const PeerRecord& record);
// Bounded: at most kMaxPeerRecordAddrs addresses of at most kMaxMultiaddrBytes each, a
// required valid peer id, no duplicate peer_id or seq. An address that does not parse as a
// Multiaddr we support (quic, ws, ... of other stacks) is skipped, as go-libp2p skips what its
// parser refuses, so a record listing a /quic-v1 address beside a /tcp one still yields the
// /tcp one.
Result<PeerRecord> decode_peer_record(ByteView payload);

// A peer record and the envelope that proves it, as it was received (forwarded unchanged in
// PRUNE peer exchange) or as we sealed it. Only seal() and open() make one, so holding one
// means the record is signed by the key of its own peer id.
class SignedPeerRecord {
 public:
  // Our own record: peer id of `identity`, signed by it. `seq` must grow with every new
  // record (the runtime uses wall-clock nanoseconds, as go-libp2p does).
  static SignedPeerRecord seal(const crypto::Identity& identity, std::uint64_t seq,
                               std::vector<Multiaddr> addrs);
  // Decodes and verifies an encoded envelope. Each refusal names its rule: a malformed or
  // oversized envelope, a key that is not Ed25519, a payload type that is not a peer record,
  // a signature that does not verify for the payload type's domain, a malformed record, or a
  // record whose peer id is not the signer's.
  static Result<SignedPeerRecord> open(ByteView envelope);

  const PeerRecord& record() const { return record_; }
  const Bytes& envelope() const { return envelope_; }

 private:
  SignedPeerRecord(PeerRecord record, Bytes envelope)
      : record_(std::move(record)), envelope_(std::move(envelope)) {}
  PeerRecord record_;
  Bytes envelope_;
};

}  // namespace p2pgossip::net
