// Adversary roles, written once against the host so that the simulator and the runtime run
// the same attacker. A role is a set of behaviours; the host consults its node's Adversary
// at its decision points: what the router hands out (forwards, IWANT answers, IHAVE) passes
// through filter(), and tick() adds what an honest node would never send (spam, forged
// messages, fake IHAVEs, GRAFTs in backoff, replays). Before `start` the node is honest.
//
// The router below stays honest and unaware: an adversary is the honest router plus a
// policy on its inputs and outputs, as the GossipSub v1.1 evaluation's attackers were
// go-libp2p-pubsub plus a changed handler.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/host/publisher.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::host {

// The leading bytes of a payload an adversary marks as one the application rejects
// (Spammer with invalid_payloads). The simulator's application validator refuses these; a
// real application decides for itself.
// Its length is given: the leading NUL (which no honest text payload starts with) would end
// a plain literal's string_view.
inline constexpr std::string_view kInvalidPayloadMarker("\x00p2pgossip:invalid-payload", 26);
bool marked_invalid(const Message& m);

struct Role {
  std::string name = "honest";  // what result tables call it
  Duration start{0};            // honest until this long after the role is set

  // Spammer: `spam_rate` messages a second on `spam_topic` (empty: each subscribed topic in
  // turn), signed as the policy asks unless `invalid_signatures` (one bit of the signature
  // flipped), payloads marked invalid with `invalid_payloads`. Invalid ones go straight to
  // every peer of the topic; valid ones through the router like any publish.
  double spam_rate = 0;
  std::string spam_topic;
  bool invalid_signatures = false;
  bool invalid_payloads = false;

  // Censor (black hole): stays in meshes and answers GRAFTs (the router does), but forwards
  // nothing, answers no IWANT and advertises nothing by IHAVE, for messages authored by one
  // of `censored_origins` (peer ids; empty: every message but its own). With
  // `censor_fraction` below 1 only that share of those messages (chosen per message, the
  // same one at every decision point, by a hash salted with the node's seed): the
  // evaluation's degradation attack, whose sybils drop a share and forward the rest.
  bool censor = false;
  std::vector<Bytes> censored_origins;
  double censor_fraction = 1.0;

  // GRAFT spam: at every heartbeat, GRAFT every peer of each subscribed topic not in our
  // mesh, inside its PRUNE backoff too (each such GRAFT is a P7 penalty, and refreshes it).
  bool graft_spam = false;
  // Sybil eagerness: GRAFT every peer of each subscribed topic as soon as it may (at once,
  // and when the backoff of a PRUNE it got ends), to hold as many mesh places as it can
  // without the penalties of grafting in backoff (the evaluation's sybils' regraft).
  bool graft_eagerly = false;

  // IHAVE spam: at every heartbeat, `ihave_spam_ids` ids it never delivers to every peer of
  // each subscribed topic (broken promises, P7).
  int ihave_spam_ids = 0;

  // Replayer: every message it receives is sent again to every peer of its topic
  // `replay_after` later (after the seen cache forgot it, a replay is delivered again).
  Duration replay_after{0};

  // Slow: every message it forwards (or answers an IWANT with) leaves `forward_delay` late.
  Duration forward_delay{0};

  // No behaviour at all: the node is honest, whatever its name.
  bool honest() const {
    return spam_rate <= 0 && !censor && !graft_spam && !graft_eagerly && ihave_spam_ids <= 0 &&
           replay_after <= Duration::zero() && forward_delay <= Duration::zero();
  }
};

struct HeldSend {
  Instant due;
  router::Action action;
};

// One node's role and what it holds: sends held back (Slow), messages to replay, the spam
// schedule.
class Adversary {
 public:
  // `heartbeat`: the node's heartbeat interval, the pace of GRAFT and IHAVE spam.
  Adversary(Role role, Duration heartbeat, Instant now, std::uint64_t seed);

  const Role& role() const { return role_; }
  bool active(Instant now) const { return now >= active_from_; }

  // The router's actions from index `first` of `out` pass through the role: some are
  // dropped (censor), held (slow) or remembered (replay); due ones are appended.
  void filter(std::vector<router::Action>& out, std::size_t first, const router::Router& router,
              ByteView own_peer_id, Instant now);
  // Due work: spam, fake IHAVEs, GRAFTs, replays. Valid spam is published through
  // `publish`; the rest is queued for the next filter().
  void tick(router::Router& router, const crypto::Identity& identity, const Publisher& publisher,
            Instant now);
  std::optional<Instant> next_deadline() const;
  // An RPC from `peer` before the router takes it: the PRUNEs an eager sybil times its next
  // GRAFT by.
  void received(router::PeerIndex peer, const Rpc& rpc, Duration prune_backoff, Instant now);

 private:
  bool censored(const Message& m, ByteView own_peer_id) const;
  bool in_censored_share(const Message& m) const;
  void censor(std::vector<router::Action>& out, std::size_t first, const router::Router& router,
              ByteView own_peer_id);
  void hold_forwards(std::vector<router::Action>& out, std::size_t first, Instant now);
  void remember(const std::vector<router::Action>& out, std::size_t first, Instant now);
  static void release(std::deque<HeldSend>& queue, std::vector<router::Action>& out, Instant now);
  void spam(router::Router& router, const crypto::Identity& identity, const Publisher& publisher,
            Instant now);
  void heartbeat(const router::Router& router, Instant now);
  bool on_heartbeat() const {
    return role_.graft_spam || role_.graft_eagerly || role_.ihave_spam_ids > 0;
  }
  bool grafts(router::PeerIndex peer, const std::string& topic, Instant now);
  void to_topic_peers(const router::Router& router, const std::string& topic, MessagePtr m);

  Role role_;
  Duration heartbeat_;
  Instant active_from_;
  Random rng_;
  std::uint64_t salt_;  // which share a partial censor drops
  // Each in due order, since each has one delay.
  std::deque<HeldSend> slow_;          // forwards held back
  std::deque<HeldSend> replays_;       // messages to send again
  std::vector<router::Action> ready_;  // made at tick, handed out at the next filter
  // Eager sybil: per (peer, topic) GRAFTed, when it may GRAFT again (Instant::max(): not
  // until a PRUNE says when).
  std::map<std::pair<router::PeerIndex, std::string>, Instant> regraft_at_;
  Instant next_spam_;
  Instant next_heartbeat_;
  std::uint64_t spam_count_ = 0;
  std::uint64_t seqno_ = 0;
};

}  // namespace p2pgossip::host
