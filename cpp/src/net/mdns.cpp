#include "p2pgossip/net/mdns.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "p2pgossip/net/multiaddr.hpp"

namespace p2pgossip::net::mdns {

namespace {

constexpr std::size_t kMaxLabel = 63, kMaxName = 255, kMaxCharString = 255;
constexpr std::uint16_t kTopBit = 0x8000;

void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}

Status put_name(Bytes& out, std::string_view name, const std::string& where) {
  std::size_t total = 1;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty()) return Error{where + ": empty label"};
    if (label.size() > kMaxLabel)
      return Error{where + ": label of " + std::to_string(label.size()) + " bytes exceeds 63"};
    total += label.size() + 1;
    if (total > kMaxName) return Error{where + ": name exceeds 255 bytes"};
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
  return Ok{};
}

Status put_record(Bytes& out, const Record& r, const std::string& where) {
  if (auto st = put_name(out, r.name, where + ".name"); !st) return st;
  put16(out, r.type);
  put16(out, static_cast<std::uint16_t>((r.rclass & ~kTopBit) | (r.cache_flush ? kTopBit : 0)));
  put32(out, r.ttl);
  Bytes rdata;
  switch (r.type) {
    case type::kPtr:
      if (auto st = put_name(rdata, r.target, where + ".target"); !st) return st;
      break;
    case type::kSrv:
      put16(rdata, r.priority);
      put16(rdata, r.weight);
      put16(rdata, r.port);
      if (auto st = put_name(rdata, r.target, where + ".target"); !st) return st;
      break;
    case type::kTxt:
      for (const auto& s : r.txt) {
        if (s.size() > kMaxCharString)
          return Error{where + ".txt: string of " + std::to_string(s.size()) +
                       " bytes exceeds 255"};
        rdata.push_back(static_cast<std::uint8_t>(s.size()));
        rdata.insert(rdata.end(), s.begin(), s.end());
      }
      break;
    case type::kA:
    case type::kAaaa:
      if (r.data.size() != (r.type == type::kA ? 4u : 16u))
        return Error{where + ".data: " + std::to_string(r.data.size()) + " bytes for an " +
                     (r.type == type::kA ? "A" : "AAAA") + " record"};
      rdata = r.data;
      break;
    default:
      rdata = r.data;
  }
  if (rdata.size() > 0xffff) return Error{where + ": rdata exceeds 65535 bytes"};
  put16(out, static_cast<std::uint16_t>(rdata.size()));
  out.insert(out.end(), rdata.begin(), rdata.end());
  return Ok{};
}

class Parser {
 public:
  Parser(ByteView msg, const Limits& limits) : msg_(msg), limits_(limits) {}

  std::size_t pos = 0;

  Result<std::uint16_t> u16(const std::string& where) {
    if (msg_.size() - pos < 2) return Error{where + ": truncated"};
    const std::uint16_t v = static_cast<std::uint16_t>(msg_[pos] << 8 | msg_[pos + 1]);
    pos += 2;
    return v;
  }

  Result<std::uint32_t> u32(const std::string& where) {
    auto hi = u16(where);
    if (!hi) return hi.error();
    auto lo = u16(where);
    if (!lo) return lo.error();
    return static_cast<std::uint32_t>(*hi) << 16 | *lo;
  }

  // A name at `pos` (advanced past it, not past what its pointers reach).
  Result<std::string> name(const std::string& where) {
    std::string out;
    std::size_t p = pos, total = 1, jumps = 0;
    bool jumped = false;
    for (;;) {
      if (p >= msg_.size()) return Error{where + ": truncated name"};
      const std::uint8_t len = msg_[p];
      if ((len & 0xc0) == 0xc0) {
        if (p + 1 >= msg_.size()) return Error{where + ": truncated name"};
        const std::size_t target = static_cast<std::size_t>(len & 0x3f) << 8 | msg_[p + 1];
        if (!jumped) pos = p + 2;
        jumped = true;
        if (++jumps > limits_.max_pointer_jumps) return Error{where + ": compression loop"};
        if (target >= msg_.size()) return Error{where + ": pointer past the end"};
        p = target;
        continue;
      }
      if (len & 0xc0) return Error{where + ": reserved label type"};
      if (len == 0) {
        if (!jumped) pos = p + 1;
        return out;
      }
      if (msg_.size() - p - 1 < len) return Error{where + ": truncated name"};
      total += len + 1u;
      if (total > kMaxName) return Error{where + ": name exceeds 255 bytes"};
      const std::string_view label(reinterpret_cast<const char*>(msg_.data() + p + 1), len);
      if (label.find('.') != std::string_view::npos) return Error{where + ": label holds a dot"};
      if (!out.empty()) out += '.';
      out += label;
      p += 1 + len;
    }
  }

  Result<Question> question(const std::string& where) {
    Question q;
    auto n = name(where + ".name");
    if (!n) return n.error();
    q.name = std::move(*n);
    auto t = u16(where);
    if (!t) return t.error();
    auto c = u16(where);
    if (!c) return c.error();
    q.type = *t;
    q.unicast_response = *c & kTopBit;
    q.qclass = *c & ~kTopBit;
    return q;
  }

  Result<Record> record(const std::string& where) {
    Record r;
    auto n = name(where + ".name");
    if (!n) return n.error();
    r.name = std::move(*n);
    auto t = u16(where);
    if (!t) return t.error();
    auto c = u16(where);
    if (!c) return c.error();
    auto ttl = u32(where);
    if (!ttl) return ttl.error();
    auto len = u16(where);
    if (!len) return len.error();
    r.type = *t;
    r.cache_flush = *c & kTopBit;
    r.rclass = *c & ~kTopBit;
    r.ttl = *ttl;
    if (msg_.size() - pos < *len) return Error{where + ": rdata past the end"};
    const std::size_t start = pos, end = pos + *len;
    auto overrun = [&] { return Error{where + ": rdata overruns its length"}; };
    switch (r.type) {
      case type::kPtr: {
        auto target = name(where + ".target");
        if (!target) return target.error();
        if (pos > end) return overrun();
        r.target = std::move(*target);
        break;
      }
      case type::kSrv: {
        if (*len < 7) return Error{where + ": SRV rdata too short"};
        auto pr = u16(where), w = u16(where), port = u16(where);
        r.priority = *pr;
        r.weight = *w;
        r.port = *port;
        auto target = name(where + ".target");
        if (!target) return target.error();
        if (pos > end) return overrun();
        r.target = std::move(*target);
        break;
      }
      case type::kTxt:
        while (pos < end) {
          const std::size_t n = msg_[pos];
          if (end - pos - 1 < n) return overrun();
          r.txt.emplace_back(reinterpret_cast<const char*>(msg_.data() + pos + 1), n);
          pos += 1 + n;
        }
        break;
      case type::kA:
      case type::kAaaa:
        if (*len != (r.type == type::kA ? 4u : 16u))
          return Error{where + ": " + std::to_string(*len) + " bytes for an " +
                       (r.type == type::kA ? "A" : "AAAA") + " record"};
        [[fallthrough]];
      default:
        r.data.assign(msg_.begin() + static_cast<std::ptrdiff_t>(start),
                      msg_.begin() + static_cast<std::ptrdiff_t>(end));
    }
    pos = end;
    return r;
  }

 private:
  ByteView msg_;
  const Limits& limits_;
};

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

bool names_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

Result<Bytes> encode(const Message& m) {
  Bytes out;
  put16(out, m.id);
  put16(out, m.flags);
  for (std::size_t n :
       {m.questions.size(), m.answers.size(), m.authorities.size(), m.additionals.size()}) {
    if (n > 0xffff) return Error{"mDNS: more than 65535 entries in a section"};
    put16(out, static_cast<std::uint16_t>(n));
  }
  for (std::size_t i = 0; i < m.questions.size(); ++i) {
    const Question& q = m.questions[i];
    if (auto st = put_name(out, q.name, "questions[" + std::to_string(i) + "].name"); !st)
      return st.error();
    put16(out, q.type);
    put16(out,
          static_cast<std::uint16_t>((q.qclass & ~kTopBit) | (q.unicast_response ? kTopBit : 0)));
  }
  const std::pair<const char*, const std::vector<Record>*> sections[] = {
      {"answers", &m.answers}, {"authorities", &m.authorities}, {"additionals", &m.additionals}};
  for (const auto& [name, list] : sections)
    for (std::size_t i = 0; i < list->size(); ++i)
      if (auto st = put_record(out, (*list)[i], std::string(name) + "[" + std::to_string(i) + "]");
          !st)
        return st.error();
  return out;
}

Result<Message> decode(ByteView packet, const Limits& limits) {
  if (packet.size() > limits.max_message_bytes)
    return Error{"mDNS: " + std::to_string(packet.size()) + " bytes exceeds " +
                 std::to_string(limits.max_message_bytes)};
  Parser p(packet, limits);
  Message m;
  auto id = p.u16("mDNS header");
  if (!id) return id.error();
  auto flags = p.u16("mDNS header");
  if (!flags) return flags.error();
  m.id = *id;
  m.flags = *flags;
  std::uint16_t counts[4];
  for (auto& c : counts) {
    auto v = p.u16("mDNS header");
    if (!v) return v.error();
    c = *v;
  }
  if (counts[0] > limits.max_questions)
    return Error{"mDNS questions: " + std::to_string(counts[0]) + " exceed " +
                 std::to_string(limits.max_questions)};
  const char* names[] = {"answers", "authorities", "additionals"};
  for (int s = 0; s < 3; ++s)
    if (counts[s + 1] > limits.max_records)
      return Error{std::string("mDNS ") + names[s] + ": " + std::to_string(counts[s + 1]) +
                   " exceed " + std::to_string(limits.max_records)};
  for (std::size_t i = 0; i < counts[0]; ++i) {
    auto q = p.question("questions[" + std::to_string(i) + "]");
    if (!q) return q.error();
    m.questions.push_back(std::move(*q));
  }
  std::vector<Record>* lists[] = {&m.answers, &m.authorities, &m.additionals};
  for (int s = 0; s < 3; ++s)
    for (std::size_t i = 0; i < counts[s + 1]; ++i) {
      auto r = p.record(std::string(names[s]) + "[" + std::to_string(i) + "]");
      if (!r) return r.error();
      lists[s]->push_back(std::move(*r));
    }
  return m;
}

Message peer_query() {
  Message m;
  m.questions.push_back(Question{std::string(kServiceName), type::kPtr, kClassIn, false});
  return m;
}

namespace {

// A query with a PTR (or ANY) question for `name`.
bool asks_ptr(const Message& m, std::string_view name) {
  if (m.is_response()) return false;
  return std::any_of(m.questions.begin(), m.questions.end(), [&](const Question& q) {
    return (q.type == type::kPtr || q.type == type::kAny) && names_equal(q.name, name);
  });
}

// An authoritative response whose answer is `name PTR target`.
Message ptr_response(std::string_view name, std::string target, std::uint32_t ttl) {
  Message m;
  m.flags = kFlagResponse | kFlagAuthoritative;
  Record ptr;
  ptr.name = std::string(name);
  ptr.type = type::kPtr;
  ptr.ttl = ttl;
  ptr.target = std::move(target);
  m.answers.push_back(std::move(ptr));
  return m;
}

}  // namespace

bool is_peer_query(const Message& m) { return asks_ptr(m, kServiceName); }

bool is_query_for(const Message& m, std::string_view peer_name) {
  if (is_peer_query(m)) return true;
  if (m.is_response()) return false;
  const std::string instance = std::string(peer_name) + "." + std::string(kServiceName);
  const std::string host = host_name(peer_name);
  return std::any_of(m.questions.begin(), m.questions.end(), [&](const Question& q) {
    return names_equal(q.name, instance) || names_equal(q.name, host);
  });
}

bool is_meta_query(const Message& m) { return asks_ptr(m, kMetaQueryName); }

Message meta_response(std::uint32_t ttl) {
  return ptr_response(kMetaQueryName, std::string(kServiceName), ttl);
}

std::string host_name(std::string_view peer_name) { return std::string(peer_name) + ".local"; }

namespace {

// The IP records and the SRV port of our addresses (text multiaddrs; unparsable ones add
// nothing: they still go out in the TXT, for readers that know them).
void add_dns_sd_records(Message& m, const std::string& instance, const std::string& host,
                        std::span<const std::string> multiaddrs, std::uint32_t ttl) {
  std::optional<std::uint16_t> port;
  std::vector<Bytes> ips;
  for (const auto& text : multiaddrs) {
    auto addr = Multiaddr::parse(text);
    if (!addr) continue;
    const auto& cs = addr->components();
    if (cs.size() < 2 || (cs[0].protocol != Protocol::kIp4 && cs[0].protocol != Protocol::kIp6))
      continue;
    const Bytes& ip = cs[0].value;
    if (std::all_of(ip.begin(), ip.end(), [](std::uint8_t b) { return b == 0; })) continue;
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
    if (!port && cs[1].protocol == Protocol::kTcp && cs[1].value.size() == 2)
      port = static_cast<std::uint16_t>(cs[1].value[0] << 8 | cs[1].value[1]);
  }
  if (!port || ips.empty()) return;
  Record srv;
  srv.name = instance;
  srv.type = type::kSrv;
  srv.ttl = ttl;
  srv.port = *port;
  srv.target = host;
  m.additionals.push_back(std::move(srv));
  for (auto& ip : ips) {
    Record r;
    r.name = host;
    r.type = ip.size() == 4 ? type::kA : type::kAaaa;
    r.ttl = ttl;
    r.data = std::move(ip);
    m.additionals.push_back(std::move(r));
  }
}

}  // namespace

Message peer_response(std::string_view peer_name, std::span<const std::string> multiaddrs,
                      std::uint32_t ttl) {
  const std::string instance = std::string(peer_name) + "." + std::string(kServiceName);
  Message m = ptr_response(kServiceName, instance, ttl);
  Record txt;
  txt.name = instance;
  txt.type = type::kTxt;
  txt.ttl = ttl;
  for (const auto& a : multiaddrs) txt.txt.push_back(std::string(kDnsaddrPrefix) + a);
  m.additionals.push_back(std::move(txt));
  add_dns_sd_records(m, instance, host_name(peer_name), multiaddrs, ttl);
  return m;
}

std::vector<DiscoveredPeer> discovered_peers(const Message& m) {
  std::vector<DiscoveredPeer> out;
  if (!m.is_response()) return out;
  for (const Record& ptr : m.answers) {
    if (ptr.type != type::kPtr || !names_equal(ptr.name, kServiceName)) continue;
    const std::string_view target = ptr.target;
    const std::size_t dot = target.find('.');
    if (dot == std::string_view::npos || !names_equal(target.substr(dot + 1), kServiceName))
      continue;
    DiscoveredPeer peer{std::string(target.substr(0, dot)), {}, ptr.ttl};
    for (const auto* list : {&m.answers, &m.additionals})
      for (const Record& r : *list) {
        if (r.type != type::kTxt || !names_equal(r.name, target)) continue;
        for (const auto& s : r.txt)
          if (s.size() > kDnsaddrPrefix.size() &&
              names_equal(std::string_view(s).substr(0, kDnsaddrPrefix.size()), kDnsaddrPrefix))
            peer.addrs.push_back(s.substr(kDnsaddrPrefix.size()));
      }
    out.push_back(std::move(peer));
  }
  return out;
}

std::string random_peer_name(Random& rng) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const std::size_t n = 32 + rng.below(32);
  std::string out(n, 'a');
  for (auto& c : out) c = kAlphabet[rng.below(kAlphabet.size())];
  return out;
}

}  // namespace p2pgossip::net::mdns
