#include "p2pgossip/net/peer_record.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "p2pgossip/crypto/signed_envelope.hpp"
#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::net {

namespace {

Error fail(std::string_view field, const std::string& rule) {
  return Error{"PeerRecord." + std::string(field) + ": " + rule};
}

// The multiaddr of one AddressInfo; nullopt when it has none or it does not parse (skipped).
Result<std::optional<Multiaddr>> decode_address_info(ByteView info, std::size_t index) {
  const std::string name = "addresses[" + std::to_string(index) + "]";
  std::optional<ByteView> bytes;
  wire::Reader r(info);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return fail(name, f.error().what);
    if (f->number != peer_record_field::kMultiaddr) continue;
    if (f->type != wire::WireType::kLen) return fail(name + ".multiaddr", "is not bytes");
    if (f->bytes.size() > kMaxMultiaddrBytes)
      return fail(name + ".multiaddr", std::to_string(f->bytes.size()) + " bytes exceeds " +
                                           std::to_string(kMaxMultiaddrBytes));
    bytes = f->bytes;
  }
  if (!bytes) return std::optional<Multiaddr>{};
  auto addr = Multiaddr::from_bytes(*bytes);
  if (!addr) return std::optional<Multiaddr>{};
  return std::optional<Multiaddr>(std::move(addr).value());
}

// Which domain a payload type's signature is made for; nullopt when it is no peer record.
std::optional<std::string_view> domain_of(ByteView payload_type) {
  if (std::ranges::equal(payload_type, kPeerRecordPayloadType)) return kPeerRecordDomain;
  if (std::ranges::equal(payload_type, as_bytes(kRoutingStatePayloadType)))
    return kRoutingStateDomain;
  return std::nullopt;
}

std::string hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t c : b.first(std::min<std::size_t>(b.size(), 32))) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

// proto3 as go- and py-libp2p write it (a zero seq is left out), so equal records are equal
// bytes across implementations.
Bytes encode_peer_record(const PeerRecord& record) {
  Bytes out;
  wire::put_len_field(out, peer_record_field::kPeerId, record.peer_id.bytes());
  if (record.seq != 0) wire::put_varint_field(out, peer_record_field::kSeq, record.seq);
  Bytes info;
  for (const auto& a : record.addrs) {
    info.clear();
    wire::put_len_field(info, peer_record_field::kMultiaddr, a.to_bytes());
    wire::put_len_field(out, peer_record_field::kAddresses, info);
  }
  return out;
}

Result<PeerRecord> decode_peer_record(ByteView payload) {
  std::optional<crypto::PeerId> peer_id;
  std::optional<std::uint64_t> seq;
  std::vector<Multiaddr> addrs;
  std::size_t count = 0;
  wire::Reader r(payload);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"PeerRecord: " + f.error().what};
    switch (f->number) {
      case peer_record_field::kPeerId: {
        if (f->type != wire::WireType::kLen) return fail("peer_id", "is not bytes");
        if (peer_id) return fail("peer_id", "appears twice");
        auto id = crypto::PeerId::from_bytes(f->bytes);
        if (!id) return fail("peer_id", id.error().what);
        peer_id = std::move(id).value();
        break;
      }
      case peer_record_field::kSeq:
        if (f->type != wire::WireType::kVarint) return fail("seq", "is not a varint");
        if (seq) return fail("seq", "appears twice");
        seq = f->varint;
        break;
      case peer_record_field::kAddresses: {
        if (f->type != wire::WireType::kLen) return fail("addresses", "is not a message");
        if (count == kMaxPeerRecordAddrs)
          return fail("addresses", "more than " + std::to_string(kMaxPeerRecordAddrs));
        auto addr = decode_address_info(f->bytes, count++);
        if (!addr) return addr.error();
        if (*addr) addrs.push_back(std::move(**addr));
        break;
      }
      default:
        break;  // unknown fields are skipped (protobuf rules)
    }
  }
  if (!peer_id) return fail("peer_id", "missing");
  return PeerRecord{std::move(*peer_id), seq.value_or(0), std::move(addrs)};
}

SignedPeerRecord SignedPeerRecord::seal(const crypto::Identity& identity, std::uint64_t seq,
                                        std::vector<Multiaddr> addrs) {
  PeerRecord record{identity.peer_id(), seq, std::move(addrs)};
  const Bytes payload = encode_peer_record(record);
  Bytes envelope = crypto::encode_envelope(
      crypto::seal_envelope(identity, kPeerRecordDomain, kPeerRecordPayloadType, payload));
  return SignedPeerRecord(std::move(record), std::move(envelope));
}

Result<SignedPeerRecord> SignedPeerRecord::open(ByteView data) {
  auto envelope = crypto::decode_envelope(data);
  if (!envelope) return envelope.error();
  auto domain = domain_of(envelope->payload_type);
  if (!domain)
    return Error{"Envelope.payload_type: 0x" + hex(envelope->payload_type) +
                 " is not a peer record (0x0301 or \"" + std::string(kRoutingStatePayloadType) +
                 "\")"};
  // The signature first: the RFC forbids reading a payload it does not cover.
  if (auto st = crypto::verify_envelope(*envelope, *domain); !st) return st.error();
  auto record = decode_peer_record(envelope->payload);
  if (!record) return record.error();
  const auto signer = crypto::PeerId::from_public_key(envelope->public_key);
  if (record->peer_id != signer)
    return fail("peer_id",
                record->peer_id.to_string() + " is not the signer's peer id " + signer.to_string());
  return SignedPeerRecord(std::move(record).value(), to_bytes(data));
}

}  // namespace p2pgossip::net
