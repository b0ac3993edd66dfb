// Bans with expiry, of a peer id or of a remote IP: what the peer manager refuses at accept
// (IP) and at dial (peer or IP), and closes when an upgrade authenticates a banned peer.
// Sans-I/O: expiry is against the caller's `now`; the persisted form uses Unix seconds,
// which the shell supplies, so a ban outlives a restart without outliving its term.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::net {

// Why a ban was made; each counted apart.
enum class BanReason : std::uint8_t {
  kManual,           // the application's ban() (block() is a ban without expiry)
  kGraylisted,       // the router dropped the peer for a score below graylist_threshold
  kInvalidMessages,  // ban_invalid_messages invalid messages (bad signature, rejected)
  kCount
};
constexpr std::size_t kBanReasonCount = static_cast<std::size_t>(BanReason::kCount);
std::string_view ban_reason_name(BanReason r);

// A peer id (its bytes) or an IP (4 or 16 bytes), as the peer manager keys them.
struct BanTarget {
  enum class Kind : std::uint8_t { kPeer, kIp } kind;
  Bytes key;
  auto operator<=>(const BanTarget&) const = default;
  // base58btc for a peer, dotted or colon text for an IP.
  std::string to_string() const;
  // A peer id (base58btc) or an IPv4/IPv6 address in text.
  static Result<BanTarget> parse(std::string_view text);
};

struct Ban {
  BanTarget target;
  std::optional<Instant> until;  // nullopt: until unbanned
  BanReason reason = BanReason::kManual;
  std::string note;  // the application's words, bounded to kMaxNote bytes
};

// A ban as reported to the application: the time it has left rather than an instant of
// the shell's clock.
struct BanEntry {
  BanTarget target;
  std::optional<Duration> remaining;  // nullopt: until unbanned
  BanReason reason;
  std::string note;
};

struct BanCounters {
  std::array<std::uint64_t, kBanReasonCount> made{};  // by reason
  // Refused: inbound connections from a banned IP, dials of a banned peer or IP, upgrades
  // that authenticated a banned peer (closed).
  std::uint64_t refused_inbound = 0, refused_dials = 0, closed_connections = 0;
  std::uint64_t expired = 0, unbanned = 0;
  // Bans dropped for a new one when max_bans were held (the one expiring first goes).
  std::uint64_t evicted = 0;
};

class BanList {
 public:
  static constexpr std::size_t kMaxNote = 256;
  static constexpr std::string_view kFileHeader = "p2pgossip-bans 1";

  // The largest bans file load() takes for `max_bans` bans.
  static std::size_t max_file_bytes(std::size_t max_bans) {
    return kFileHeader.size() + 1 + max_bans * (kMaxNote + 128);
  }
  explicit BanList(std::size_t max_bans) : max_bans_(max_bans) {}

  // Bans (or re-bans, replacing term and reason) `target`; false when max_bans is zero.
  bool ban(const BanTarget& target, std::optional<Instant> until, BanReason reason,
           std::string_view note, Instant now);
  bool unban(const BanTarget& target);
  // The ban in force on `target` at `now`, if any.
  const Ban* find(const BanTarget& target, Instant now);
  bool empty() const { return bans_.empty(); }
  std::vector<Ban> list(Instant now);
  void expire(Instant now);
  std::optional<Instant> next_expiry() const;

  // One line per ban: "<target> <unix expiry s or -> <reason> <note...>"; `now_unix` is the
  // shell's wall clock at `now`.
  std::string save(Instant now, std::int64_t now_unix);
  // Strict and bounded like the known-peers file: refused whole (naming the line) unless
  // every line parses; bans already expired are skipped. Returns how many were loaded.
  Result<std::size_t> load(std::string_view text, Instant now, std::int64_t now_unix);

  // The refusals are counted by whoever enforces the bans (the peer manager).
  BanCounters& counters() { return counters_; }
  const BanCounters& counters() const { return counters_; }

 private:
  void make_room();

  std::size_t max_bans_;
  BanCounters counters_;
  std::map<BanTarget, Ban> bans_;
};

}  // namespace p2pgossip::net
