#include "p2pgossip/runtime/runtime.hpp"

#include <asio.hpp>
#include <atomic>
#include <future>
#include <iterator>
#include <map>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>

#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/metrics/exposition.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "runtime/event_queue.hpp"
#include "runtime/metrics_http.hpp"
#include "runtime/node.hpp"
#include "runtime/publish_queue.hpp"

namespace p2pgossip::runtime {

namespace {

struct IoThread {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
};

// Application-layer drops of one node, counted from any thread.
struct AppDropCounts {
  std::mutex mu;
  AppDrops drops;

  AppDrops copy() {
    std::lock_guard lock(mu);
    return drops;
  }
};

// What a caller thread needs to know of a node without touching it.
struct NodeEntry {
  std::shared_ptr<Node> node;
  IoThread* io;
  crypto::IdentityPtr identity;
  host::Publisher publisher;
  std::string label;  // the peer id, as metrics label it
  std::shared_ptr<AppDropCounts> app_drops = std::make_shared<AppDropCounts>();
  std::shared_ptr<PublishQueue> publishing = std::make_shared<PublishQueue>();
};

}  // namespace

struct Runtime::Impl {
  RuntimeConfig config;
  EventQueue events;
  crypto::VerifyCache verify_cache;
  host::SharedBudget outbound_budget;
  DeliveryLog deliveries;
  host::MessagePool messages;
  Shared shared{events, verify_cache, config.log_level, outbound_budget, deliveries, messages};
  std::vector<std::unique_ptr<IoThread>> io;
  std::mutex mu;  // nodes, started, stopped
  std::unordered_map<NodeId, NodeEntry> nodes;
  bool started = false, stopped = false;
  NodeId next_node = 0;
  std::atomic<RequestId> next_request{1};
  std::atomic<std::size_t> pending_publishes{0};  // signed, not yet taken by a router
  std::map<std::uint64_t, std::shared_ptr<MetricsHttp>> endpoints;  // under mu
  std::uint64_t next_endpoint = 1;

  explicit Impl(RuntimeConfig c)
      : config(c),
        events(c.max_events),
        verify_cache(c.verify_cache_capacity),
        outbound_budget(c.outbound_queue_bytes) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, c.threads); ++i)
      io.push_back(std::make_unique<IoThread>());
  }

  template <class F>
  auto ask(NodeId node, F fn) -> std::optional<decltype(fn(std::declval<Node&>()))>;

  // Reports a command that could not even be queued.
  RequestId fail_now(std::string error) {
    const RequestId r = next_request++;
    std::vector<Event> batch{CommandDone{r, std::move(error)}};
    events.push(batch);
    return r;
  }

  // Runs `fn(node)` on the node's I/O thread. False for an unknown (or closed) node.
  template <class Fn>
  bool post(NodeId id, Fn fn) {
    std::lock_guard lock(mu);
    auto it = nodes.find(id);
    if (it == nodes.end() || stopped) return false;
    asio::post(it->second.io->io, [n = it->second.node, fn = std::move(fn)]() mutable {
      fn(*n);
      n->settle();
    });
    return true;
  }

  // Posts the drain a PublishQueue claimed (PublishQueue::push or flush).
  bool post_publishes(NodeId id, const std::shared_ptr<PublishQueue>& queue) {
    const bool posted = post(id, [queue](Node& x) {
      for (PublishQueue::Entry& e : queue->take())
        x.publish(e.topic, e.publications, e.tally.get(), e.request);
    });
    if (!posted) queue->take();  // the node is gone: nobody will route these
    return posted;
  }

  template <class Fn>
  RequestId command(NodeId id, Fn fn) {
    const RequestId r = next_request++;
    if (!post(id, [r, fn = std::move(fn)](Node& n) mutable { fn(n, r); })) {
      std::vector<Event> batch{CommandDone{r, "unknown node " + std::to_string(id)}};
      events.push(batch);
    }
    return r;
  }
};

Runtime::Runtime(RuntimeConfig config) : impl_(std::make_unique<Impl>(config)) {}

Runtime::~Runtime() {
  stop();
  join();
  // Nodes own sockets: they go before the io_contexts they were made on.
  std::lock_guard lock(impl_->mu);
  impl_->endpoints.clear();
  impl_->nodes.clear();
}

void Runtime::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  for (auto& t : impl_->io) t->thread = std::thread([io = t.get()] { io->io.run(); });
}

void Runtime::stop() {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& [id, e] : impl_->endpoints) e->close();
  // Each thread closes its nodes, then stops: pending handlers of closed sockets are
  // destroyed with the io_context rather than run.
  for (auto& t : impl_->io) {
    std::vector<std::shared_ptr<Node>> mine;
    for (auto& [id, e] : impl_->nodes)
      if (e.io == t.get()) mine.push_back(e.node);
    asio::post(t->io, [io = t.get(), mine = std::move(mine)] {
      for (auto& n : mine) n->shutdown();
      io->io.stop();
    });
    t->work.reset();
  }
}

void Runtime::join() {
  for (auto& t : impl_->io)
    if (t->thread.joinable() && t->thread.get_id() != std::this_thread::get_id()) t->thread.join();
}

bool Runtime::running() const {
  std::lock_guard lock(impl_->mu);
  return impl_->started && !impl_->stopped;
}

int Runtime::fd() const { return impl_->events.fd(); }
std::vector<Event> Runtime::drain() { return impl_->events.drain(); }
std::uint64_t Runtime::dropped_events() const { return impl_->events.dropped(); }
const crypto::VerifyCache& Runtime::verify_cache() const { return impl_->verify_cache; }

NodeId Runtime::add_node(NodeConfig config, RequestId* request) {
  const RequestId r = impl_->next_request++;
  if (request) *request = r;
  std::lock_guard lock(impl_->mu);
  const NodeId id = impl_->next_node++;
  if (!config.identity || impl_->stopped) {
    std::vector<Event> batch{
        CommandDone{r, config.identity ? "runtime stopped" : "node config: identity missing"}};
    impl_->events.push(batch);
    return id;
  }
  IoThread* io = impl_->io[id % impl_->io.size()].get();
  NodeEntry e{nullptr, io, config.identity, config.publisher(),
              config.identity->peer_id().to_string()};
  auto listen = config.listen;
  e.node = std::make_shared<Node>(id, std::move(config), io->io, impl_->shared);
  impl_->nodes.emplace(id, e);
  asio::post(io->io, [n = e.node, listen = std::move(listen), r] {
    n->listen(listen, r);
    n->start_peers();
    n->settle();
  });
  return id;
}

RequestId Runtime::listen(NodeId node, std::string addr) {
  return impl_->command(node,
                        [addr = std::move(addr)](Node& n, RequestId r) { n.listen({addr}, r); });
}

RequestId Runtime::close_node(NodeId node) {
  const RequestId r = impl_->next_request++;
  std::shared_ptr<Node> n;
  IoThread* io = nullptr;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it != impl_->nodes.end() && !impl_->stopped) {
      n = it->second.node;
      io = it->second.io;
      impl_->nodes.erase(it);
    }
  }
  if (!n) {
    std::vector<Event> batch{CommandDone{r, "unknown node " + std::to_string(node)}};
    impl_->events.push(batch);
    return r;
  }
  asio::post(io->io, [n, r] {
    n->close(r);
    n->settle();
  });
  return r;
}

RequestId Runtime::connect(NodeId node, std::string addr) {
  return impl_->command(node,
                        [addr = std::move(addr)](Node& n, RequestId r) { n.connect(addr, r); });
}

RequestId Runtime::disconnect(NodeId node, Bytes peer_id) {
  return impl_->command(node,
                        [p = std::move(peer_id)](Node& n, RequestId r) { n.disconnect(p, r); });
}

void Runtime::serve(NodeId node, std::string protocol, bool on) {
  impl_->post(node, [p = std::move(protocol), on](Node& n) { n.serve(p, on); });
}

RequestId Runtime::request(NodeId node, Bytes peer_id, std::string protocol, Bytes data,
                           Duration timeout, std::size_t max_response) {
  return impl_->command(node, [p = std::move(peer_id), proto = std::move(protocol),
                               d = std::move(data), timeout, max_response](Node& n, RequestId r) {
    n.request(p, proto, d, timeout, max_response, r);
  });
}

void Runtime::respond(NodeId node, std::uint64_t token, std::optional<Bytes> response) {
  impl_->post(
      node, [token, r = std::move(response)](Node& n) mutable { n.respond(token, std::move(r)); });
}

RequestId Runtime::dht(NodeId node, host::DhtOp op, Bytes key, Bytes value, std::size_t quorum) {
  return impl_->command(node, [op, k = std::move(key), v = std::move(value), quorum](
                                  Node& n, RequestId r) { n.dht_lookup(op, k, v, quorum, r); });
}

void Runtime::dht_check_namespaces(NodeId node, std::vector<std::string> namespaces) {
  impl_->post(node, [ns = std::move(namespaces)](Node& n) mutable {
    n.dht_check_namespaces(std::move(ns));
  });
}

void Runtime::dht_checked(NodeId node, std::uint64_t token, bool valid) {
  impl_->post(node, [token, valid](Node& n) { n.dht_checked(token, valid); });
}

void Runtime::dht_select_namespaces(NodeId node, std::vector<std::string> namespaces) {
  impl_->post(node, [ns = std::move(namespaces)](Node& n) mutable {
    n.dht_select_namespaces(std::move(ns));
  });
}

void Runtime::dht_selected(NodeId node, std::uint64_t token, std::size_t index) {
  impl_->post(node, [token, index](Node& n) { n.dht_selected(token, index); });
}

Result<RequestId> Runtime::publish(NodeId node, MessagePtr message) {
  SignaturePolicy policy;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it == impl_->nodes.end()) return Error{"unknown node " + std::to_string(node)};
    policy = it->second.publisher.policy();
  }
  if (auto ok = host::check_signature_policy(*message, policy); !ok)
    return Error{"publish: " + ok.error().what};
  if (policy == SignaturePolicy::kStrictSign &&
      !host::verify_message(*message, &impl_->verify_cache))
    return Error{
        "publish: the message's signature does not verify (sending forgeries is "
        "p2pgossip.adversary's)"};
  return publish_unverified(node, std::move(message));
}

RequestId Runtime::publish_unverified(NodeId node, MessagePtr message) {
  return impl_->command(node, [m = std::move(message)](Node& n, RequestId r) { n.publish(m, r); });
}

namespace {

// What signing on a caller's thread needs of a node, copied under the runtime's lock.
struct Signer {
  crypto::IdentityPtr identity;
  host::Publisher publisher;
  std::shared_ptr<PublishQueue> queue;
};

// Signs a publication of `data` without building its Message (publish_batch leaves that
// to the node's I/O thread).
host::Publication sign_publication(const Signer& s, std::string_view topic, Bytes data,
                                   MessageId* id) {
  const std::uint64_t seqno = s.publisher.signs() ? s.identity->next_seqno() : 0;
  return s.publisher.sign(*s.identity, topic, std::move(data), seqno, id);
}

Result<Signer> signer_of(const std::unordered_map<NodeId, NodeEntry>& nodes, NodeId node) {
  auto it = nodes.find(node);
  if (it == nodes.end()) return Error{"unknown node " + std::to_string(node)};
  const NodeEntry& e = it->second;
  return Signer{e.identity, e.publisher, e.publishing};
}

}  // namespace

Result<Published> Runtime::publish_data(NodeId node, std::string topic, Bytes data) {
  Result<Signer> s = Error{};
  {
    std::lock_guard lock(impl_->mu);
    s = signer_of(impl_->nodes, node);
  }
  if (!s) return s.error();
  if (auto ok = s->publisher.check_size(topic, data.size()); !ok) return ok.error();
  MessageId id;
  host::Publication p = sign_publication(*s, topic, std::move(data), &id);
  MessagePtr msg = s->publisher.build(*s->identity, topic, p);
  const RequestId req = publish_unverified(node, msg);  // signed just now
  return Published{req, msg, id};
}

Result<RequestId> Runtime::publish_batch(NodeId node, std::string_view topic, std::span<Bytes> data,
                                         std::span<MessageId> ids, bool notify, bool defer) {
  Result<Signer> s = Error{};
  {
    std::lock_guard lock(impl_->mu);
    s = signer_of(impl_->nodes, node);
  }
  if (!s) return s.error();
  for (const Bytes& d : data)
    if (auto ok = s->publisher.check_size(topic, d.size()); !ok) return ok.error();
  const std::size_t n = data.size();
  PendingSlots slots(impl_->pending_publishes, n);
  if (slots.total() > kMaxPendingPublishes)
    return Error{"publish: more than " + std::to_string(kMaxPendingPublishes) +
                 " messages waiting for the router"};
  const RequestId request = notify ? impl_->next_request++ : 0;
  auto tally = notify ? std::make_shared<PublishTally>() : nullptr;
  PublishQueue& queue = *s->queue;
  // The chunk being signed; reused from call to call (push moves the publications out).
  thread_local std::vector<host::Publication> chunk;
  chunk.clear();
  for (std::size_t i = 0; i < n; ++i) {
    chunk.push_back(sign_publication(*s, topic, std::move(data[i]), &ids[i]));
    const std::size_t signed_ = i + 1;
    const bool last = signed_ == n;
    if (!last && chunk.size() < kPublishChunk && signed_ + kPublishTail != n) continue;
    const bool post = queue.push(topic, chunk, tally, last ? request : 0, slots.split(chunk.size()),
                                 !last || !defer);
    chunk.clear();
    if (post && !impl_->post_publishes(node, s->queue))
      return Error{"unknown node " + std::to_string(node)};
  }
  if (n == 0 && notify) {  // nothing to route: still one answer, in order with the rest
    if (queue.push(topic, {}, tally, request, std::move(slots), !defer) &&
        !impl_->post_publishes(node, s->queue))
      return Error{"unknown node " + std::to_string(node)};
  }
  return request;
}

void Runtime::flush_publishes(NodeId node) {
  std::shared_ptr<PublishQueue> queue;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it == impl_->nodes.end()) return;
    queue = it->second.publishing;
  }
  if (queue->flush()) impl_->post_publishes(node, queue);
}

RequestId Runtime::subscribe(NodeId node, std::string topic) {
  return impl_->command(node, [t = std::move(topic)](Node& n, RequestId r) { n.subscribe(t, r); });
}

RequestId Runtime::unsubscribe(NodeId node, std::string topic) {
  return impl_->command(node,
                        [t = std::move(topic)](Node& n, RequestId r) { n.unsubscribe(t, r); });
}

void Runtime::set_validator(NodeId node, std::string topic, bool registered) {
  impl_->post(node,
              [t = std::move(topic), registered](Node& n) { n.set_validator(t, registered); });
}

void Runtime::validation_result(NodeId node, ValidationToken token,
                                router::ValidationResult result) {
  impl_->post(node, [token, result](Node& n) { n.validation_result(token, result); });
}

void Runtime::set_app_score(NodeId node, Bytes peer_id, double value) {
  impl_->post(node, [p = std::move(peer_id), value](Node& n) { n.set_app_score(p, value); });
}

void Runtime::set_link(NodeId node, Bytes peer_id, LinkShaping shaping) {
  impl_->post(node, [p = std::move(peer_id), shaping](Node& n) { n.set_link(p, shaping); });
}

void Runtime::block(NodeId node, std::vector<Bytes> peer_ids) {
  impl_->post(node, [p = std::move(peer_ids)](Node& n) { n.block(p); });
}

void Runtime::set_role(NodeId node, host::Role role) {
  impl_->post(node, [r = std::move(role)](Node& n) { n.set_role(r); });
}

void Runtime::unblock(NodeId node, std::vector<Bytes> peer_ids) {
  impl_->post(node, [p = std::move(peer_ids)](Node& n) { n.unblock(p); });
}

// Runs `fn` on the node's I/O thread and waits for its result; nullopt for an unknown node,
// or when the runtime stops meanwhile.
template <class F>
auto Runtime::Impl::ask(NodeId node, F fn) -> std::optional<decltype(fn(std::declval<Node&>()))> {
  using T = decltype(fn(std::declval<Node&>()));
  std::shared_ptr<Node> n;
  bool on_thread;
  {
    std::lock_guard lock(mu);
    auto it = nodes.find(node);
    if (it == nodes.end()) return std::nullopt;
    n = it->second.node;
    on_thread = started && !stopped;
  }
  if (!on_thread) {
    // No I/O thread runs this node's handlers before start(); after stop(), only once
    // joined. Until then the node is not safe to read.
    bool joined = true;
    for (auto& t : io) joined = joined && !t->thread.joinable();
    if (!joined) return std::nullopt;
    return fn(*n);
  }
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  if (!post(node, [promise, fn](Node& x) { promise->set_value(fn(x)); })) return std::nullopt;
  // stop() may race with the request and drop the handler; never wait past it.
  while (future.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    std::lock_guard lock(mu);
    if (stopped) return std::nullopt;
  }
  return future.get();
}

void Runtime::ban(NodeId node, net::BanTarget target, std::optional<Duration> duration,
                  std::string note) {
  impl_->post(node, [t = std::move(target), duration, n = std::move(note)](Node& x) {
    x.ban(t, duration, n);
  });
}

void Runtime::unban(NodeId node, net::BanTarget target) {
  impl_->post(node, [t = std::move(target)](Node& x) { x.unban(t); });
}

std::optional<std::vector<net::BanEntry>> Runtime::bans(NodeId node) {
  return impl_->ask(node, [](Node& x) { return x.bans(); });
}

std::optional<NodeMetrics> Runtime::metrics(NodeId node) {
  return impl_->ask(node, [](Node& x) { return x.snapshot(); });
}

std::optional<router::ScoreBreakdown> Runtime::score_breakdown(NodeId node, Bytes peer_id) {
  auto b =
      impl_->ask(node, [peer = std::move(peer_id)](Node& x) { return x.score_breakdown(peer); });
  return b ? *b : std::nullopt;
}

void Runtime::set_delivery_events(NodeId node, std::optional<std::string> topic, bool on) {
  impl_->post(node, [t = std::move(topic), on](Node& n) { n.routes().set_events(t, on); });
}

std::shared_ptr<Mailbox> Runtime::open_mailbox(NodeId node, std::string topic, std::size_t maxsize,
                                               bool drop_newest) {
  const std::uint64_t token = impl_->next_request++;
  auto count = [this, node, reason = "subscription:" + topic] { count_app_drop(node, reason, 1); };
  auto m = std::make_shared<Mailbox>(token, maxsize, drop_newest, std::move(count));
  impl_->post(node, [t = std::move(topic), m](Node& n) { n.routes().attach(t, m); });
  return m;
}

void Runtime::close_mailbox(NodeId node, std::shared_ptr<Mailbox> mailbox) {
  impl_->post(node, [m = std::move(mailbox)](Node& n) { n.routes().detach(m); });
}

void Runtime::log_deliveries() { impl_->deliveries.enable(); }
DeliveryLog::Rows Runtime::take_deliveries() { return impl_->deliveries.take(); }
bool Runtime::notify_deliveries_at(std::size_t rows) { return impl_->deliveries.notify_at(rows); }

void Runtime::count_app_drop(NodeId node, const std::string& reason, std::uint64_t n) {
  std::shared_ptr<AppDropCounts> counts;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it == impl_->nodes.end()) return;
    counts = it->second.app_drops;
  }
  std::lock_guard lock(counts->mu);
  auto it = counts->drops.find(reason);
  if (it == counts->drops.end() && counts->drops.size() >= kMaxAppDropReasons)
    it = counts->drops.try_emplace("other", 0).first;
  else if (it == counts->drops.end())
    it = counts->drops.emplace(reason, 0).first;
  it->second += n;
}

std::optional<std::vector<metrics::FamilySnapshot>> Runtime::metric_families(NodeId node) {
  std::string label;
  std::shared_ptr<AppDropCounts> counts;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it == impl_->nodes.end()) return std::nullopt;
    label = it->second.label;
    counts = it->second.app_drops;
  }
  auto m = metrics(node);
  if (!m) return std::nullopt;
  return node_families(*m, label, counts->copy());
}

namespace {

// One scrape: each node's snapshot is taken on its own I/O thread; the last one renders.
struct Scrape {
  std::mutex mu;
  std::vector<std::vector<metrics::FamilySnapshot>> parts;
  std::size_t left;
  MetricsHttp::Reply reply;

  void done(std::size_t i, std::vector<metrics::FamilySnapshot> families) {
    std::lock_guard lock(mu);
    parts[i] = std::move(families);
    if (--left == 0) render();
  }
  void render() {
    std::vector<metrics::FamilySnapshot> all;
    for (auto& p : parts)
      for (auto& f : p) all.push_back(std::move(f));
    std::string body;
    if (auto ok = metrics::write_text(body, all); !ok) body = "# " + ok.error().what + "\n";
    reply(std::move(body));
  }
};

}  // namespace

Result<std::pair<std::uint64_t, std::uint16_t>> Runtime::serve_metrics(
    std::vector<NodeId> nodes, const std::string& host, std::uint16_t port,
    std::chrono::milliseconds timeout) {
  Impl* impl = impl_.get();
  auto render = [impl, nodes](MetricsHttp::Reply reply) {
    std::vector<NodeEntry> entries;
    {
      std::lock_guard lock(impl->mu);
      for (NodeId id : nodes)
        if (auto it = impl->nodes.find(id); it != impl->nodes.end() && !impl->stopped)
          entries.push_back(it->second);
    }
    auto scrape = std::make_shared<Scrape>();
    scrape->parts.resize(entries.size());
    scrape->left = entries.size();
    scrape->reply = std::move(reply);
    if (entries.empty()) return scrape->render();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const NodeEntry& e = entries[i];
      asio::post(e.io->io, [scrape, i, n = e.node, label = e.label, counts = e.app_drops] {
        scrape->done(i, node_families(n->snapshot(), label, counts->copy()));
      });
    }
  };
  MetricsHttpLimits limits;
  limits.timeout = timeout;
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return Error{"runtime stopped"};
  auto server = MetricsHttp::open(impl_->io.front()->io, host, port, std::move(render), limits);
  if (!server) return server.error();
  const std::uint64_t id = impl_->next_endpoint++;
  impl_->endpoints.emplace(id, *server);
  return std::pair<std::uint64_t, std::uint16_t>{id, (*server)->port()};
}

void Runtime::stop_metrics(std::uint64_t endpoint) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->endpoints.find(endpoint);
  if (it == impl_->endpoints.end()) return;
  it->second->close();
  impl_->endpoints.erase(it);
}

}  // namespace p2pgossip::runtime
