"""Request/response in the full-stack simulator: the exchanges are the connection machines'
(the runtime's own, over the links' byte streams), so the errors, limits and round trips are
those of real nodes, in virtual time."""

from __future__ import annotations

import logging

import p2pgossip as pg
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

P = "/test/echo/1.0.0"
RING = [(0, 1), (1, 2), (2, 3), (3, 0)]  # 0 and 2 are not neighbours
ONE_WAY_MS = 10.0


def ring(**kw) -> pg.Simulation:
    return pg.Simulation(
        RING, seed=3, full_stack=True, latency=pg.Latency.constant(ONE_WAY_MS), **kw
    )


def reverse(node, peer, request: bytes) -> bytes:
    return request[::-1]


def none_if_na(x):
    return None if pd.isna(x) else x


def row(sim: pg.Simulation, rid: int):
    return sim.requests().loc[rid]


def test_a_request_is_answered_by_the_handler_in_two_round_trips() -> None:
    sim = ring()
    seen = []
    sim.set_handler(P, lambda node, peer, req: seen.append((node, peer, sim.now)) or req[::-1])
    rid = sim.request(0, 1, P, b"hello", at_s=1.0)
    sim.run(2)
    r = row(sim, rid)
    assert r.ok and r.response == b"olleh" and pd.isna(sim.requests().error[rid])
    assert (r.request_bytes, r.response_bytes) == (5, 5)
    # The stream's multistream negotiation, then the request: two round trips, as on sockets
    # (the request waits for the protocol to be accepted).
    assert r.t_sent == 1.0 and r.latency == pytest.approx(4 * ONE_WAY_MS / 1000)
    assert seen == [(1, 0, pytest.approx(1.0 + 3 * ONE_WAY_MS / 1000))]


def test_each_error_kind_is_the_machines() -> None:
    sim = ring()
    sim.set_handler(P, reverse, nodes=[1, 3])
    sim.set_handler("/test/refuse/1", lambda node, peer, req: None, nodes=[1])
    sim.set_handler("/test/broken/1", lambda node, peer, req: 1 / 0, nodes=[1])
    sim.set_handler("/test/wrong/1", lambda node, peer, req: "a str", nodes=[1])
    rids = {
        "ok": sim.request(0, 1, P, b"x" * 100, at_s=1),
        "unsupported_protocol": sim.request(0, 1, "/test/nobody/1", b"x", at_s=1),
        "not_connected": sim.request(0, 2, P, b"x", at_s=1),
        "response_too_large": sim.request(0, 1, P, b"x" * 100, at_s=1, max_response_size=99),
        "reset": sim.request(0, 1, "/test/refuse/1", b"x", at_s=1),
        "reset_raised": sim.request(0, 1, "/test/broken/1", b"x", at_s=1),
        "reset_not_bytes": sim.request(0, 1, "/test/wrong/1", b"x", at_s=1),
    }
    sim.run(3)
    df = sim.requests()
    got = {name: none_if_na(df.error[rid]) for name, rid in rids.items()}
    assert got == {
        "ok": None,
        "unsupported_protocol": "unsupported_protocol",
        "not_connected": "not_connected",
        "response_too_large": "response_too_large",
        "reset": "reset",
        "reset_raised": "reset",
        "reset_not_bytes": "reset",
    }
    assert df.loc[rids["not_connected"]].t_end == 1.0  # at once: no link to try
    assert sim.request_handler_errors == 2


def test_a_request_outliving_its_timeout_fails_at_the_deadline() -> None:
    sim = ring()
    sim.set_handler(P, reverse)
    sim.run(1)
    sim.set_link(0, 1, latency=pg.Latency.constant(3000.0))  # 3 s each way from now
    rid = sim.request(0, 1, P, b"slow", timeout=2.0)
    fast = sim.request(0, 3, P, b"fast", timeout=2.0)
    sim.run(20)
    r = row(sim, rid)
    assert r.error == "timeout" and r.t_end == pytest.approx(3.0)
    assert row(sim, fast).ok


def test_a_connection_closing_under_a_request_fails_it() -> None:
    sim = ring()
    sim.set_handler(P, reverse)
    rid = sim.request(0, 1, P, b"x", at_s=1.0)
    sim.crash(1, at_s=1.015)  # the stream is being negotiated
    gone = sim.request(0, 3, P, b"x", at_s=1.0)
    sim.partition([[0], [1, 2, 3]], at_s=1.02)
    sim.run(5)
    assert (row(sim, rid).error, row(sim, rid).t_end) == ("connection_closed", 1.015)
    assert (row(sim, gone).error, row(sim, gone).t_end) == ("connection_closed", 1.02)
    assert sim.requests().t_end.notna().all()


def test_serving_starts_and_stops_at_its_time() -> None:
    sim = ring()
    sim.set_handler(P, reverse, nodes=[1], at_s=2.0)
    sim.set_handler(P, None, nodes=[1], at_s=4.0)
    early = sim.request(0, 1, P, b"x", at_s=1.0)
    served = sim.request(0, 1, P, b"x", at_s=3.0)
    late = sim.request(0, 1, P, b"x", at_s=5.0)
    sim.run(6)
    assert row(sim, early).error == "unsupported_protocol"
    assert row(sim, served).ok
    assert row(sim, late).error == "unsupported_protocol"


def test_an_oversized_request_is_reset_by_the_server_and_counted() -> None:
    sim = ring()
    sim.set_handler(P, reverse)
    rid = sim.request(0, 1, P, b"x" * ((1 << 20) + 1), at_s=1.0)
    ok = sim.request(0, 1, P, b"x" * (1 << 20), at_s=1.0)
    sim.run(10)
    assert row(sim, rid).error == "reset"
    assert row(sim, ok).ok and row(sim, ok).response_bytes == 1 << 20
    assert sim.drops().loc[1, "request_too_large"] == 1
    assert sim.drops().loc[0, "request_too_large"] == 0


def header_first_sync(seed: int) -> tuple[pg.Simulation, list[bytes]]:
    """Node 0 syncs node 1's chain: headers in pages of 8, then the bodies in ranges of 4,
    each request sent from the previous one's callback (the chain logic is the script's)."""
    chain = [f"block {i}".encode() * 20 for i in range(30)]
    sim = pg.Simulation(
        RING, seed=seed, full_stack=True, latency=pg.Latency.lognormal(median_ms=20, sigma=0.4)
    )

    def serve(node, peer, req: bytes) -> bytes:
        kind, start, count = req[0], req[1], req[2]
        if kind == 0:
            return bytes(min(count, len(chain) - start))  # that many headers
        return b"|".join(chain[start : start + count])

    sim.set_handler("/chain/sync/1", serve, nodes=[1])
    got: list[bytes] = []
    headers = [0]

    def ask_headers(rid=None, response=None, error=None) -> None:
        assert error is None
        if response is not None:
            headers[0] += len(response)
            if not response:
                return ask_bodies()
        sim.request(0, 1, "/chain/sync/1", bytes([0, headers[0], 8]), on_response=ask_headers)

    def ask_bodies(rid=None, response=None, error=None) -> None:
        assert error is None
        if response is not None:
            got.extend(response.split(b"|"))
        if len(got) < headers[0]:
            sim.request(0, 1, "/chain/sync/1", bytes([1, len(got), 4]), on_response=ask_bodies)

    sim.run(1)
    ask_headers()
    sim.run(30)
    return sim, got


def test_requests_chained_from_callbacks_sync_a_chain_deterministically() -> None:
    sim, got = header_first_sync(seed=7)
    chain = [f"block {i}".encode() * 20 for i in range(30)]
    assert got == chain
    df = sim.requests()
    assert len(df) == 4 + 1 + 8  # 4 full header pages, the empty one, 8 body ranges
    assert df.ok.all()
    # Each request left when the one before it ended, never earlier.
    assert (df.t_sent.iloc[1:].to_numpy() == df.t_end.iloc[:-1].to_numpy()).all()
    again, _ = header_first_sync(seed=7)
    assert again.trace_digest() == sim.trace_digest()
    assert again.requests().t_end.tolist() == df.t_end.tolist()


def test_a_callback_schedules_in_the_future_and_never_in_the_past() -> None:
    sim = ring()
    sim.set_handler(P, reverse)
    later: list[int] = []

    def on(rid, response, error) -> None:
        if not later:
            later.append(sim.request(0, 1, P, b"later", at_s=sim.now + 0.5))
            later.append(sim.request(0, 1, P, b"past", at_s=0.0))
            sim.publish(0, "t", b"from a callback")

    sim.subscribe(topic="t")
    first = sim.request(0, 1, P, b"x", at_s=1.0, on_response=on)
    sim.run(3)
    ended = row(sim, first).t_end
    assert row(sim, later[0]).t_sent == pytest.approx(ended + 0.5)
    assert row(sim, later[1]).t_sent == pytest.approx(ended)  # not before the callback
    assert row(sim, later[1]).ok
    d = sim.deliveries()
    assert d.t_publish.min() == pytest.approx(ended) and d.node.nunique() == 4


def test_an_on_response_exception_is_raised_by_run() -> None:
    sim = ring()
    sim.set_handler(P, reverse)
    sim.request(0, 1, P, b"x", at_s=1.0, on_response=lambda *a: 1 / 0)
    ok = sim.request(0, 3, P, b"x", at_s=1.5)
    with pytest.raises(RuntimeError, match="on_response") as info:
        sim.run(3)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert row(sim, ok).ok  # the run went on to its end


def test_requests_need_the_full_stack_and_sane_arguments() -> None:
    fast = pg.Simulation(RING, seed=1)
    with pytest.raises(ValueError, match="full_stack=True"):
        fast.request(0, 1, P, b"x")
    with pytest.raises(ValueError, match="full_stack=True"):
        fast.set_handler(P, reverse)
    sim = ring()
    with pytest.raises(ValueError, match="protocol"):
        sim.request(0, 1, "no-slash", b"x")
    with pytest.raises(ValueError, match="protocol"):
        sim.set_handler("/meshsub/1.1.0", reverse)
    with pytest.raises(ValueError, match="timeout"):
        sim.request(0, 1, P, b"x", timeout=0)
    with pytest.raises(KeyError):
        sim.request(0, 9, P, b"x")


def test_a_handler_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    sim = ring()
    sim.set_handler(P, lambda *a: 1 / 0)
    sim.request(0, 1, P, b"x", at_s=1.0)
    with caplog.at_level(logging.WARNING, logger="p2pgossip"):
        sim.run(2)
    assert "ZeroDivisionError" in caplog.text


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # requester
            st.integers(0, 3),  # peer
            st.binary(max_size=300),
            st.integers(0, 400),  # max_response_size
            st.floats(1.0, 3.0),  # at_s: the connections are up
            st.booleans(),  # served by the peer
        ),
        max_size=12,
    ),
    st.integers(0, 2**32),
)
def test_every_request_ends_once_with_the_handlers_answer_or_the_right_error(reqs, seed) -> None:
    sim = pg.Simulation(
        RING, seed=seed, full_stack=True, latency=pg.Latency.lognormal(median_ms=15, sigma=0.5)
    )
    ended: list[int] = []
    expect = {}
    for u, v, data, limit, at, served in reqs:
        protocol = f"/p/{v}/{int(served)}"
        if served:
            sim.set_handler(protocol, lambda node, peer, req: req + bytes([node]), nodes=[v])
        rid = sim.request(
            u,
            v,
            protocol,
            data,
            at_s=at,
            max_response_size=limit,
            on_response=lambda rid, *_: ended.append(rid),
        )
        neighbours = (u - v) % 4 in (1, 3)
        if not neighbours:
            expect[rid] = "not_connected"
        elif not served:
            expect[rid] = "unsupported_protocol"
        elif len(data) + 1 > limit:
            expect[rid] = "response_too_large"
        else:
            expect[rid] = None
    sim.run(20)
    assert sorted(ended) == list(range(len(reqs)))  # each callback once
    df = sim.requests()
    assert {rid: none_if_na(e) for rid, e in df.error.items()} == expect
    for rid, (_u, v, data, *_rest) in enumerate(reqs):
        if expect[rid] is None:
            assert df.loc[rid].response == data + bytes([v])
        assert df.loc[rid].t_end >= df.loc[rid].t_sent


@given(st.lists(st.integers(0, 12), min_size=1, max_size=20), st.integers(0, 2**32))
def test_callbacks_scheduling_inside_a_window_keep_time_in_order(delays_ms, seed) -> None:
    """Links of 5-15 ms make windows of 5 ms: what a callback schedules 0-12 ms ahead often
    lands inside the window under way, which must end there (else time would go back)."""
    sim = pg.Simulation(RING, seed=seed, full_stack=True, latency=pg.Latency.uniform(5, 15))
    sim.subscribe(topic="t")
    sim.set_handler(P, reverse)
    pending = list(delays_ms)

    def on(rid, response, error) -> None:
        assert error is None
        if pending:
            d = pending.pop()
            sim.publish(rid % 4, "t", f"{rid}".encode())  # traffic in the window too
            sim.request(rid % 4, (rid + 1) % 4, P, b"x", at_s=sim.now + d / 1000, on_response=on)

    for u in range(4):  # four chains at once: every window holds events of the others
        sim.request(u, (u + 1) % 4, P, b"x", at_s=1.0 + u / 7000, on_response=on)
    sim.run(10)
    df = sim.requests()
    assert df.ok.all() and len(df) == len(delays_ms) + 4
