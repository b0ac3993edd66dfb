"""The per-peer outbox (host/outbox): priorities, merging within the receiver's limits,
IDONTWANT cancels, byte budgets."""

import random
from itertools import pairwise

import p2pgossip as pg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from p2pgossip._core.host import OutboundBudget, Outbox
from p2pgossip._core.wire import DecodeLimits

ME = pg.Identity.generate()
LIMITS = DecodeLimits(max_rpc_size=4096, max_publish=3, max_control_entries=4)
ENTRY = Outbox.FORWARD_ENTRY_BYTES  # what a queued forward costs besides its message's body


def msg(i: int, size: int = 100) -> pg.Message:
    return pg.Message.create(ME, "t", i.to_bytes(4, "big") * (size // 4), seqno=i + 1)


def drain(box: Outbox, limits: DecodeLimits = LIMITS) -> list[pg.Rpc]:
    out = []
    while (wire := box.pop()) is not None:
        out.append(pg.Rpc.decode(wire, limits))  # the receiver's limits: never refused
    assert box.empty and box.bytes == 0
    return out


# A push is ("msg", size) or ("graft", n grafts) or ("sub", topic).
pushes = st.lists(
    st.one_of(
        st.tuples(st.just("msg"), st.integers(1, 1500)),
        st.tuples(st.just("graft"), st.integers(1, 4)),
        st.tuples(st.just("sub"), st.text(min_size=1, max_size=8)),
    ),
    max_size=40,
)


@given(pushes)
def test_everything_queued_comes_out_in_order_within_the_limits_control_first(ops):
    budget = OutboundBudget(1 << 30)
    box = Outbox(budget, decode=LIMITS, merged_rpc_bytes=2048)
    sent_msgs, sent_grafts, sent_subs = [], [], []
    for i, (kind, arg) in enumerate(ops):
        if kind == "msg":
            m = msg(i, arg)
            assert box.push_message(m) == (0, 0, None)
            sent_msgs.append(m)
        elif kind == "graft":
            grafts = [f"g{i}.{j}" for j in range(arg)]
            assert box.push(pg.Rpc(graft=grafts)) == (0, 0, None)
            sent_grafts += grafts
        else:
            assert box.push(pg.Rpc(subscriptions=[(True, arg)])) == (0, 0, None)
            sent_subs.append((True, arg))
    assert budget.used == box.bytes + box.messages * ENTRY  # distinct messages: each body once
    rpcs = drain(box)
    assert budget.used == 0
    assert [m for r in rpcs for m in r.publish] == sent_msgs
    assert [g for r in rpcs for g in r.graft] == sent_grafts
    assert [s for r in rpcs for s in r.subscriptions] == sent_subs
    # Control never waits behind a forward: once an RPC carries messages, none after it
    # carries control.
    first_forward = next((i for i, r in enumerate(rpcs) if r.publish), len(rpcs))
    assert not any(r.graft or r.subscriptions for r in rpcs[first_forward + 1 :])
    # Merged: no two consecutive forward-only RPCs that would have fitted in one.
    for a, b in zip(rpcs, rpcs[1:], strict=False):
        if a.publish and b.publish and not b.graft:
            assert (
                len(a.publish) == LIMITS.max_publish
                or len(a.encode()) + len(b.publish[0].encode()) + 4 > 2048
            )


def test_a_burst_rides_in_few_rpcs():
    box = Outbox(OutboundBudget(1 << 30))
    for i in range(1000):
        box.push_message(msg(i, 256))
    rpcs = drain(box, DecodeLimits())
    assert sum(len(r.publish) for r in rpcs) == 1000
    assert len(rpcs) < 10  # 64 KiB RPCs of ~400-byte messages


@given(st.lists(st.integers(1, 3000), max_size=30), st.integers(0, 20_000), st.integers(0, 20_000))
def test_bounded_by_its_bytes_and_the_shared_budget(sizes, peer_max, node_max):
    budget = OutboundBudget(node_max)
    a = Outbox(budget, max_bytes=peer_max)
    b = Outbox(budget, max_bytes=peer_max)
    refused = 0
    for i, size in enumerate(sizes):
        box = a if i % 2 else b
        n, _, reason = box.push_message(msg(i, size))
        refused += n
        assert (n == 0) == (reason is None)
        assert reason in (None, "outbound_queue_full", "node_outbound_budget")
        assert a.bytes <= peer_max and b.bytes <= peer_max
        assert budget.used == a.bytes + b.bytes + (a.messages + b.messages) * ENTRY <= node_max
    assert a.messages + b.messages + refused == len(sizes)
    a.clear()
    b.clear()
    assert budget.used == 0


def test_a_message_queued_for_many_peers_is_charged_once():
    # A forward to D peers queues one shared object D times: the node's memory holds its
    # body once. Charged per copy, these 8 copies of 2 KB would pass a 10 KB budget.
    budget = OutboundBudget(10_000)
    boxes = [Outbox(budget) for _ in range(8)]
    m = msg(1, 2000)
    assert [box.push_message(m) for box in boxes] == [(0, 0, None)] * 8
    assert budget.used == boxes[0].bytes + 8 * ENTRY and budget.bodies == 1
    # An equal message that is another object is another body.
    assert boxes[0].push_message(msg(1, 2000)) == (0, 0, None)
    assert budget.bodies == 2
    for box in boxes:
        drain(box, DecodeLimits())
    assert budget.used == 0 and budget.bodies == 0


# An op on one of three outboxes sharing a budget: push one of five message objects, pop,
# cancel one, or clear.
shared_ops = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.one_of(
            st.tuples(st.just("push"), st.integers(0, 4)),
            st.tuples(st.just("cancel"), st.integers(0, 4)),
            st.tuples(st.just("pop"), st.just(0)),
            st.tuples(st.just("clear"), st.just(0)),
        ),
    ),
    max_size=60,
)


@given(shared_ops, st.integers(0, 30_000))
def test_the_budget_holds_each_queued_body_once_whatever_leaves_first(ops, limit):
    budget = OutboundBudget(limit)
    boxes = [Outbox(budget, decode=DecodeLimits()) for _ in range(3)]
    pool = [msg(i, 500 * (i + 1)) for i in range(5)]
    body = []  # each message's encoded entry: what a lone copy in an empty box is owed
    for m in pool:
        probe = Outbox(OutboundBudget(1 << 30))
        probe.push_message(m)
        body.append(probe.bytes)
    queued: list[list[int]] = [[], [], []]  # pool indices, in queue order
    for b, (op, i) in ops:
        box = boxes[b]
        if op == "push":
            n, _, reason = box.push_message(pool[i])
            if n == 0:
                queued[b].append(i)
            else:
                assert reason == "node_outbound_budget"
        elif op == "cancel":
            assert box.cancel(pool[i]) == queued[b].count(i)
            queued[b] = [j for j in queued[b] if j != i]
        elif op == "pop":
            wire = box.pop()
            sent = pg.Rpc.decode(wire, DecodeLimits()).publish if wire else []
            assert sent == [pool[j] for j in queued[b][: len(sent)]]
            queued[b] = queued[b][len(sent) :]
        else:
            box.clear()
            queued[b] = []
        held = {j for q in queued for j in q}
        assert budget.bodies == len(held)
        assert budget.used == sum(map(len, queued)) * ENTRY + sum(body[j] for j in held) <= limit
    for box in boxes:
        box.clear()
    assert budget.used == 0 and budget.bodies == 0


MANY = [msg(i, 40) for i in range(3000)]  # enough distinct objects to grow the table often


@settings(max_examples=15)  # each example queues up to 6,000 copies one by one from Python
@given(st.randoms(use_true_random=False), st.integers(1, 3000))
@example(random.Random(0), 3000)  # past 2,048 distinct bodies: the table grows to 8,192
def test_the_bodies_table_counts_exactly_through_growth_and_removal_in_any_order(rnd, n):
    # Open addressing by address: growth, deletions that shift runs back, and the shrink
    # once empty must keep every holder count (a lost one frees a body still queued).
    budget = OutboundBudget(1 << 30)
    boxes = [Outbox(budget, decode=DecodeLimits()) for _ in range(2)]
    held = {}
    for m in MANY[:n]:
        for box in rnd.sample(boxes, rnd.randint(1, 2)):
            box.push_message(m)
            held[id(m)] = held.get(id(m), 0) + 1
    assert budget.bodies == len(held)
    order = MANY[:n]
    rnd.shuffle(order)
    for k, m in enumerate(order):
        for box in boxes:
            held[id(m)] -= box.cancel(m)
        assert held[id(m)] == 0
        if k % 97 == 0:
            assert budget.bodies == n - k - 1
    assert budget.used == 0 and budget.bodies == 0
    # Used again after shrinking.
    boxes[0].push_message(MANY[0])
    assert budget.bodies == 1


def test_idontwant_cancels_the_queued_copy_of_that_message_object():
    budget = OutboundBudget(1 << 30)
    box = Outbox(budget)
    big, other = msg(1, 2000), msg(2, 2000)
    for m in (big, other):
        box.push_message(m)
    assert box.cancel(msg(1, 2000)) == 0  # an equal message, not the one queued
    assert box.cancel(big) == 1
    assert box.cancel(big) == 0
    assert budget.used == box.bytes + box.messages * ENTRY
    assert [m for r in drain(box, DecodeLimits()) for m in r.publish] == [other]


def test_control_merges_when_queued_so_a_slow_peer_holds_few_entries():
    box = Outbox(OutboundBudget(1 << 30), max_control=2)
    for i in range(100):
        assert box.push(pg.Rpc(graft=[f"g{i}"])) == (0, 0, None)
    rpcs = drain(box, DecodeLimits())
    assert len(rpcs) == 1
    assert [g for r in rpcs for g in r.graft] == [f"g{i}" for i in range(100)]


@given(st.lists(st.integers(1, 15), min_size=1, max_size=30), st.integers(1, 12))
def test_merging_never_puts_more_idontwant_ids_in_one_rpc_than_the_receiver_reads(batches, per_rpc):
    box = Outbox(OutboundBudget(1 << 30), max_idontwant_ids=per_rpc)
    ids = iter(range(1 << 20))
    sent = []
    for n in batches:
        batch = [next(ids).to_bytes(16, "big") for _ in range(min(n, per_rpc))]
        sent += batch
        assert box.push(pg.Rpc(idontwant=[batch])) == (0, 0, None)
    rpcs = drain(box, DecodeLimits())
    assert all(sum(len(e) for e in r.idontwant) <= per_rpc for r in rpcs)
    assert [i for r in rpcs for e in r.idontwant for i in e] == sent
    # Merged where they fit: fewer RPCs than pushes whenever two batches fit in one.
    if any(a + b <= per_rpc for a, b in pairwise(batches)):
        assert len(rpcs) < len(batches)


def test_hop_counts_travel_with_their_messages():
    box = Outbox(OutboundBudget(1 << 30), decode=LIMITS)
    box.push(pg.Rpc(publish=[msg(1), msg(2)], publish_hops=[3, 4]))
    box.push_message(msg(5), hops=7)
    rpcs = drain(box)
    assert [h for r in rpcs for h in r.publish_hops] == [3, 4, 7]
    assert all(len(r.publish_hops) == len(r.publish) for r in rpcs)


def test_control_is_bounded_in_count_too():
    # Each GRAFT list fills an RPC the receiver decodes (max_control_entries 4): no merging.
    box = Outbox(OutboundBudget(1 << 30), max_control=2, decode=LIMITS)
    full = ["a", "b", "c", "d"]
    assert box.push(pg.Rpc(graft=full)) == (0, 0, None)
    assert box.push(pg.Rpc(graft=full)) == (0, 0, None)
    assert box.push(pg.Rpc(graft=full)) == (0, 1, "outbound_queue_full")


@pytest.mark.parametrize("max_publish", [1, 2, 1000])
def test_no_rpc_holds_more_messages_than_the_receiver_decodes(max_publish):
    limits = DecodeLimits(max_publish=max_publish)
    box = Outbox(OutboundBudget(1 << 30), decode=limits)
    box.push(pg.Rpc(publish=[msg(i, 64) for i in range(7)]))
    rpcs = drain(box, limits)
    assert sum(len(r.publish) for r in rpcs) == 7


def test_a_full_queue_drops_forwards_never_control():
    """What a full queue loses is what gossip recovers: control takes the room of the newest
    queued forwards, which are counted as refused; the oldest stay."""
    budget = OutboundBudget(1 << 30)
    box = Outbox(budget, max_bytes=2000, decode=LIMITS)
    queued = []
    for i in range(10):
        n, _, _ = box.push_message(msg(i, 300))
        if n == 0:
            queued.append(msg(i, 300))
    assert 0 < len(queued) < 10 and box.messages == len(queued)
    big = ["a" * 300, "b" * 300]  # more than the room left
    dropped, control, reason = box.push(pg.Rpc(graft=big, iwant=[[b"x" * 16]]))
    assert control == 0 and dropped >= 1 and reason == "outbound_queue_full"
    assert box.messages == len(queued) - dropped
    rpcs = drain(box)
    assert [g for r in rpcs for g in r.graft] == big
    assert [m for r in rpcs for m in r.publish] == queued[: len(queued) - dropped]
    assert budget.used == 0


def test_the_node_budget_too_is_made_room_for_control():
    budget = OutboundBudget(1500)
    box = Outbox(budget)
    while box.push_message(msg(box.messages, 300))[0] == 0:
        pass
    dropped, control, reason = box.push(pg.Rpc(graft=["a" * 400]))
    assert (dropped, control, reason) == (1, 0, "node_outbound_budget")


def test_control_that_cannot_fit_drops_nothing_in_vain():
    budget = OutboundBudget(1 << 30)
    box = Outbox(budget, max_bytes=500)
    assert box.push_message(msg(1, 300)) == (0, 0, None)
    assert box.push(pg.Rpc(graft=["g" * 600])) == (0, 1, "outbound_queue_full")
    assert box.messages == 1


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("msg"), st.integers(1, 1500)),
            st.tuples(st.just("graft"), st.integers(1, 4)),
        ),
        max_size=60,
    ),
    st.integers(4000, 8000),
)
def test_control_is_never_refused_while_forwards_could_make_room(ops, peer_max):
    # All the control pushed here (at most 60 small GRAFT lists) fits in 4000 bytes.
    budget = OutboundBudget(1 << 30)
    box = Outbox(budget, max_bytes=peer_max, max_control=1 << 20)
    kept, grafts = [], []
    for i, (kind, arg) in enumerate(ops):
        if kind == "msg":
            m = msg(i, arg)
            if box.push_message(m)[0] == 0:
                kept.append(m)
        else:
            names = [f"g{i}.{j}" for j in range(arg)]
            n, control, _ = box.push(pg.Rpc(graft=names))
            assert control == 0
            grafts += names
            del kept[len(kept) - n :]  # the newest forwards made room
        assert box.bytes <= peer_max and budget.used == box.bytes + box.messages * ENTRY
        assert box.messages == len(kept)
    rpcs = drain(box, DecodeLimits())
    assert [g for r in rpcs for g in r.graft] == grafts
    assert [m for r in rpcs for m in r.publish] == kept


def test_a_queue_full_of_idontwant_still_takes_a_prune_and_an_ihave():
    # A burst of large messages to a slow peer: an IDONTWANT for each, at most 10 ids an RPC
    # (the receiver's limit), filled the control queue, and a heartbeat's PRUNE and IHAVE
    # behind them were refused (a hub's mesh out of step with its peer's; ids never offered).
    box = Outbox(OutboundBudget(1 << 30), max_control=4, max_idontwant_ids=10)
    batches = [[bytes([b, i]) * 8 for i in range(10)] for b in range(4)]
    for batch in batches:
        assert box.push(pg.Rpc(idontwant=[batch])) == (0, 0, None)
    heartbeat = pg.Rpc(
        prune=[("t", [], 60)], ihave=[("t", [b"h" * 16] * 5000)]
    )  # 80 KB: merges with nothing
    assert box.push(heartbeat) == (0, 0, None)
    assert box.idontwant_shed == 10  # the oldest batch went
    rpcs = drain(box, DecodeLimits())
    assert [p[0] for r in rpcs for p in r.prune] == ["t"]
    assert [i for r in rpcs for e in r.idontwant for i in e] == [i for b in batches[1:] for i in b]


@given(
    st.lists(
        st.one_of(st.tuples(st.just("idw"), st.integers(1, 10)), st.just(("graft", 4))),
        max_size=50,
    ),
    st.integers(1, 6),
)
def test_idontwant_never_crowds_out_other_control(ops, max_control):
    # GRAFT lists of 4 fill an RPC (LIMITS.max_control_entries), so each takes a queue entry
    # of its own; IDONTWANT batches merge into whatever has room. With at most max_control
    # GRAFT lists queued, one entry is always IDONTWANT alone when the queue is full.
    if sum(kind == "graft" for kind, _ in ops) > max_control:
        ops = ops[: [i for i, (kind, _) in enumerate(ops) if kind == "graft"][max_control]]
    box = Outbox(OutboundBudget(1 << 30), max_control=max_control, decode=LIMITS)
    ids = iter(range(1 << 20))
    grafts, pushed, refused = [], [], 0
    for kind, n in ops:
        if kind == "graft":
            names = [f"g{next(ids)}" for _ in range(n)]
            assert box.push(pg.Rpc(graft=names)) == (0, 0, None)
            grafts += names
        else:
            batch = [next(ids).to_bytes(16, "big") for _ in range(n)]
            pushed += batch
            refused += n * box.push(pg.Rpc(idontwant=[batch]))[1]
    rpcs = drain(box)
    assert [g for r in rpcs for g in r.graft] == grafts
    sent = [i for r in rpcs for e in r.idontwant for i in e]
    assert len(sent) + box.idontwant_shed + refused == len(pushed)
    assert sent == [i for i in pushed if i in set(sent)]  # in the order pushed


def test_an_ihave_waits_for_the_forwards_queued_before_it():
    # Offered ahead of them, ids whose messages were already on their way drew IWANTs, and
    # the peer got both copies (a "repeated duplicate" from an honest peer). GRAFT and the
    # rest of the control still go first.
    box = Outbox(OutboundBudget(1 << 30), decode=DecodeLimits(max_publish=2))
    early = [msg(i) for i in range(3)]
    for m in early:
        box.push_message(m)
    assert box.push(pg.Rpc(graft=["t"], ihave=[("t", [b"i" * 16])])) == (0, 0, None)
    late = msg(9)
    box.push_message(late)
    rpcs = drain(box)
    assert [(r.graft, list(r.publish), bool(r.ihave)) for r in rpcs] == [
        (["t"], early[:2], False),
        ([], [early[2], late], False),  # a merged RPC may take later forwards too
        ([], [], True),
    ]


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("msg"), st.integers(1, 1500)),
            st.tuples(st.just("ihave"), st.integers(1, 3)),
            st.tuples(st.just("graft"), st.integers(1, 4)),
        ),
        max_size=40,
    )
)
def test_no_ihave_overtakes_a_forward_queued_before_it(ops):
    box = Outbox(OutboundBudget(1 << 30), decode=LIMITS, merged_rpc_bytes=2048)
    pushed_before = {}  # ihave id -> forwards pushed before it
    forwards, ids = [], []
    for i, (kind, n) in enumerate(ops):
        if kind == "msg":
            forwards.append(msg(i, n))
            box.push_message(forwards[-1])
        elif kind == "ihave":
            batch = [bytes([i, k]) * 8 for k in range(n)]
            ids += batch
            pushed_before.update({x: len(forwards) for x in batch})
            box.push(pg.Rpc(ihave=[("t", batch)]))
        else:
            box.push(pg.Rpc(graft=[f"g{i}.{k}" for k in range(n)]))
    rpcs = drain(box)
    sent = [m for r in rpcs for m in r.publish]
    assert sent == forwards
    rpc_of_forward = [k for k, r in enumerate(rpcs) for _ in r.publish]
    rpc_of_id = {x: k for k, r in enumerate(rpcs) for _, batch in r.ihave for x in batch}
    assert sorted(rpc_of_id) == sorted(ids)
    for x, before in pushed_before.items():
        if before:
            assert rpc_of_id[x] > rpc_of_forward[before - 1]
