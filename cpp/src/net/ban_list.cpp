#include "p2pgossip/net/ban_list.hpp"

#include <algorithm>
#include <charconv>

#include "line_file.hpp"
#include "p2pgossip/net/multiaddr.hpp"

namespace p2pgossip::net {

namespace {

constexpr std::string_view kReasonNames[] = {"manual", "graylisted", "invalid_messages"};
static_assert(std::size(kReasonNames) == kBanReasonCount);

std::optional<BanReason> reason_of(std::string_view name) {
  for (std::size_t i = 0; i < kBanReasonCount; ++i)
    if (kReasonNames[i] == name) return static_cast<BanReason>(i);
  return std::nullopt;
}

std::int64_t seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

std::string_view ban_reason_name(BanReason r) { return kReasonNames[static_cast<std::size_t>(r)]; }

std::string BanTarget::to_string() const {
  if (kind == Kind::kPeer) {
    auto id = crypto::PeerId::from_bytes(key);
    return id ? id->to_string() : std::string("<invalid peer id>");
  }
  // The multiaddr text of the IP, less its /ip4/ or /ip6/ prefix.
  auto parsed = Multiaddr::from_bytes([&] {
    Bytes b{static_cast<std::uint8_t>(key.size() == 4 ? 0x04 : 0x29)};
    b.insert(b.end(), key.begin(), key.end());
    return b;
  }());
  if (!parsed) return "<invalid ip>";
  const std::string text = parsed->to_string();
  return text.substr(5);
}

Result<BanTarget> BanTarget::parse(std::string_view text) {
  for (std::string_view proto : {"/ip4/", "/ip6/"}) {
    if (auto a = Multiaddr::parse(std::string(proto) + std::string(text)))
      return BanTarget{Kind::kIp, a->components().front().value};
  }
  if (auto id = crypto::PeerId::parse(text)) return BanTarget{Kind::kPeer, to_bytes(id->bytes())};
  return Error{"not a peer id or an IP address: " + std::string(text.substr(0, 64))};
}

bool BanList::ban(const BanTarget& target, std::optional<Instant> until, BanReason reason,
                  std::string_view note, Instant now) {
  if (max_bans_ == 0) return false;
  expire(now);
  if (!bans_.count(target)) make_room();
  bans_[target] = Ban{target, until, reason, std::string(note.substr(0, kMaxNote))};
  ++counters_.made[static_cast<std::size_t>(reason)];
  return true;
}

void BanList::make_room() {
  if (bans_.size() < max_bans_) return;
  // The one expiring first goes; bans without expiry only when every ban has none.
  auto victim = std::min_element(bans_.begin(), bans_.end(), [](const auto& a, const auto& b) {
    if (!a.second.until) return false;
    return !b.second.until || *a.second.until < *b.second.until;
  });
  bans_.erase(victim);
  ++counters_.evicted;
}

bool BanList::unban(const BanTarget& target) {
  if (!bans_.erase(target)) return false;
  ++counters_.unbanned;
  return true;
}

const Ban* BanList::find(const BanTarget& target, Instant now) {
  auto it = bans_.find(target);
  if (it == bans_.end()) return nullptr;
  if (it->second.until && *it->second.until <= now) {
    bans_.erase(it);
    ++counters_.expired;
    return nullptr;
  }
  return &it->second;
}

void BanList::expire(Instant now) {
  counters_.expired += std::erase_if(
      bans_, [now](const auto& kv) { return kv.second.until && *kv.second.until <= now; });
}

std::vector<Ban> BanList::list(Instant now) {
  expire(now);
  std::vector<Ban> out;
  out.reserve(bans_.size());
  for (const auto& kv : bans_) out.push_back(kv.second);
  return out;
}

std::optional<Instant> BanList::next_expiry() const {
  std::optional<Instant> first;
  for (const auto& kv : bans_)
    if (kv.second.until && (!first || *kv.second.until < *first)) first = kv.second.until;
  return first;
}

std::string BanList::save(Instant now, std::int64_t now_unix) {
  expire(now);
  std::string out(kFileHeader);
  out += '\n';
  for (const auto& [target, b] : bans_) {
    out += target.to_string();
    out += b.until ? " " + std::to_string(now_unix + seconds(*b.until - now) + 1) : " -";
    out += ' ';
    out += ban_reason_name(b.reason);
    std::string note = b.note;
    std::replace(note.begin(), note.end(), '\n', ' ');
    if (!note.empty()) out += ' ' + note;
    out += '\n';
  }
  return out;
}

Result<std::size_t> BanList::load(std::string_view text, Instant now, std::int64_t now_unix) {
  std::vector<Ban> parsed;
  Status read =
      read_line_file(text, "bans", kFileHeader, max_file_bytes(max_bans_),
                     [&](std::size_t, std::string_view line) -> Status {
                       if (parsed.size() == max_bans_)
                         return Error{"more than " + std::to_string(max_bans_) + " bans"};
                       auto field = [&line]() {
                         std::size_t sp = line.find(' ');
                         std::string_view f = line.substr(0, sp);
                         line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
                         return f;
                       };
                       auto target = BanTarget::parse(field());
                       if (!target) return target.error();
                       Ban b{std::move(target).value(), std::nullopt, BanReason::kManual, {}};
                       if (std::string_view t = field(); t != "-") {
                         std::int64_t at = 0;
                         auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), at);
                         if (ec != std::errc{} || p != t.data() + t.size())
                           return Error{"expiry is not Unix seconds or -"};
                         if (at <= now_unix) return Ok{};  // expired while we were down
                         b.until = now + std::chrono::seconds(at - now_unix);
                       }
                       auto reason = reason_of(field());
                       if (!reason) return Error{"unknown reason"};
                       b.reason = *reason;
                       if (line.size() > kMaxNote)
                         return Error{"note longer than " + std::to_string(kMaxNote) + " bytes"};
                       b.note = std::string(line);
                       parsed.push_back(std::move(b));
                       return Ok{};
                     });
  if (!read) return read.error();
  if (max_bans_ == 0) return std::size_t{0};
  expire(now);
  for (auto& b : parsed) {
    if (!bans_.count(b.target)) make_room();
    bans_[b.target] = std::move(b);
  }
  return parsed.size();
}

}  // namespace p2pgossip::net
