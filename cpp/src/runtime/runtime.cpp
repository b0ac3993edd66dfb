#include "p2pgossip/runtime/runtime.hpp"

#include <asio.hpp>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "p2pgossip/crypto/message_id.hpp"
#include "p2pgossip/crypto/message_signing.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "runtime/event_queue.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

namespace {

struct IoThread {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
};

// What a caller thread needs to know of a node without touching it.
struct NodeEntry {
  std::shared_ptr<Node> node;
  IoThread* io;
  crypto::IdentityPtr identity;
  router::GossipConfig gossip;
  MessageIdFn message_id;
};

}  // namespace

struct Runtime::Impl {
  RuntimeConfig config;
  EventQueue events;
  crypto::VerifyCache verify_cache;
  Shared shared{events, verify_cache, config.log_level};
  std::vector<std::unique_ptr<IoThread>> io;
  std::mutex mu;  // nodes, started, stopped
  std::unordered_map<NodeId, NodeEntry> nodes;
  bool started = false, stopped = false;
  NodeId next_node = 0;
  std::atomic<RequestId> next_request{1};

  explicit Impl(RuntimeConfig c)
      : config(c), events(c.max_events), verify_cache(c.verify_cache_capacity) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, c.threads); ++i)
      io.push_back(std::make_unique<IoThread>());
  }

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
  NodeEntry e{nullptr, io, config.identity, config.gossip, config.message_id};
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

RequestId Runtime::publish(NodeId node, MessagePtr message) {
  return impl_->command(node, [m = std::move(message)](Node& n, RequestId r) { n.publish(m, r); });
}

Result<Published> Runtime::publish_data(NodeId node, std::string topic, Bytes data) {
  crypto::IdentityPtr identity;
  router::GossipConfig gossip;
  MessageIdFn id_fn;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it == impl_->nodes.end()) return Error{"unknown node " + std::to_string(node)};
    identity = it->second.identity;
    id_fn = it->second.message_id;
    if (data.size() > it->second.gossip.max_message_size)
      return Error{"publish: " + std::to_string(data.size()) + " bytes of data exceed " +
                   "max_message_size " + std::to_string(it->second.gossip.max_message_size)};
    gossip.signature_policy = it->second.gossip.signature_policy;
  }
  auto m = std::make_shared<Message>();
  m->topic = std::move(topic);
  m->data = std::move(data);
  if (gossip.signature_policy == crypto::SignaturePolicy::kStrictSign) {
    m->seqno = crypto::seqno_bytes(identity->next_seqno());
    crypto::sign_message(*identity, *m);
  }
  MessageId id;
  if (id_fn == MessageIdFn::kXxh3) {
    id = crypto::message_id_xxh3(*m);
  } else {
    auto r = crypto::message_id_from_seqno(*m);
    if (!r) return r.error();
    id = *r;
  }
  MessagePtr msg = m;
  const RequestId req = publish(node, msg);
  return Published{req, msg, id};
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

void Runtime::unblock(NodeId node, std::vector<Bytes> peer_ids) {
  impl_->post(node, [p = std::move(peer_ids)](Node& n) { n.unblock(p); });
}

std::optional<NodeMetrics> Runtime::metrics(NodeId node) {
  std::shared_ptr<Node> n;
  bool on_thread;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->nodes.find(node);
    if (it == impl_->nodes.end()) return std::nullopt;
    n = it->second.node;
    on_thread = impl_->started && !impl_->stopped;
  }
  if (!on_thread) {
    // No I/O thread runs this node's handlers before start(); after stop(), only once
    // joined. Until then the snapshot is not safe to take.
    bool joined = true;
    for (auto& t : impl_->io) joined = joined && !t->thread.joinable();
    if (!joined) return std::nullopt;
    return n->snapshot();
  }
  auto promise = std::make_shared<std::promise<NodeMetrics>>();
  auto future = promise->get_future();
  if (!impl_->post(node, [promise](Node& x) { promise->set_value(x.snapshot()); }))
    return std::nullopt;
  // stop() may race with the request and drop the handler; never wait past it.
  while (future.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return std::nullopt;
  }
  return future.get();
}

}  // namespace p2pgossip::runtime
