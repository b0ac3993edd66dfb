"""`p2pgossip cluster N`: node processes in one process group that deliver, report, and
never outlive the command: stopped by a signal, by a node's crash, or by SIGKILL."""

from __future__ import annotations

import os
import re
import signal

from cli_harness import Cli, group_members, group_nodes, kill_group, wait_until
from p2pgossip.cli.cluster import plan_links


def start(*args: str) -> tuple[Cli, int]:
    c = Cli("cluster", *args)
    header = c.wait_line(lambda s: s.startswith("cluster: "), "the cluster's header")
    m = re.search(r"process group (\d+)", header)
    assert m, header
    return c, int(m.group(1))


def test_cluster_of_5_delivers_and_stops_every_process() -> None:
    c, pgid = start("5", "--period", "0.5")
    try:
        # Piped stderr: plain progress lines (no redraws), with delivery counts.
        line = c.wait_line(lambda s: bool(re.search(r"delivered [1-9]", s)), "deliveries", "err")
        assert "links " in line and "\r" not in "".join(c.err)
        assert len(group_nodes(pgid)) == 5
        assert c.stop(signal.SIGINT) == 0, str(c)
        assert group_members(pgid) == []
    finally:
        c.kill()
        kill_group(pgid)
    table = "\n".join(c.out)
    rows = [ln for ln in c.out if re.match(r"\s+\d+  …", ln)]
    assert len(rows) == 5, table
    m = re.search(r"delivered (\d+) of (\d+)", table)
    assert m and int(m.group(1)) > 0, table
    assert "their publish-to-deliver latency p50" in table


def test_a_crashed_node_stops_the_cluster_with_an_error() -> None:
    c, pgid = start("3", "--period", "0.5")
    try:
        wait_until(lambda: len(group_nodes(pgid)) == 3, "3 node processes")
        victim = group_nodes(pgid)[0]
        os.kill(victim, signal.SIGKILL)
        assert c.stop(None) == 1
        assert group_members(pgid) == []
    finally:
        c.kill()
        kill_group(pgid)
    assert len(c.err) >= 1 and "exited with code -9" in c.err[-1], str(c)
    assert c.err[-1].startswith("p2pgossip cluster: error: node ")
    assert not any("Traceback" in ln for ln in c.err)


def test_no_node_survives_a_sigkilled_cluster() -> None:
    c, pgid = start("3", "--period", "0.5")
    try:
        wait_until(lambda: len(group_nodes(pgid)) == 3, "3 node processes")
        # Whether a node had asked for PR_SET_PDEATHSIG (die_with_parent) before this
        # or not (it then finds its parent gone and exits), none may survive.
        c.kill()
        wait_until(lambda: group_members(pgid) == [], "the nodes to die with the cluster")
    finally:
        kill_group(pgid)


def test_plan_links_is_connected_and_has_each_pair_once() -> None:
    for n, ratio in [(2, 0.3), (5, 0.3), (10, 0.1), (10, 1.0)]:
        links = plan_links(n, ratio, None, seed=n)
        pairs = {frozenset(p) for p in links}
        assert len(pairs) == len(links) and all(a != b for a, b in links)
        reached, frontier = {0}, [0]
        while frontier:
            x = frontier.pop()
            for p in pairs:
                if x in p and (p - {x}) - reached:
                    (y,) = p - {x}
                    reached.add(y)
                    frontier.append(y)
        assert reached == set(range(n))
    assert len(plan_links(6, 1.0, None, seed=1)) == 15
    assert sorted(plan_links(4, 0.3, "ring", seed=1)) == [(1, 0), (2, 1), (3, 0), (3, 2)]


def test_the_figures_are_of_the_messages_published_once_the_links_were_up() -> None:
    # Messages published while the network formed arrive seconds late by gossip; their
    # latencies made a steady cluster's p99 read 2.8 s where its own was a few ms.
    import argparse
    import time

    from p2pgossip.cli.cluster import Cluster, Member

    now = time.time()
    c = Cluster(argparse.Namespace(n=2, seed=1))
    c.members = [Member(0, 1, "a"), Member(1, 2, "b")]
    c.ready_at = now - 10
    c.published_at = {"early": now - 20, "steady": now - 5, "just sent": now - 0.1}
    for msg_id, ms in [("early", 3000.0), ("steady", 2.0), ("just sent", 1.0)]:
        c._on_event(c.members[1], {"event": "message", "id": msg_id, "latency_ms": ms})
    assert c.totals() == (1, 1, [2.0])  # "steady" only, one copy of it expected (n - 1)
    assert "p99 ms" in c.table() and "p50 2.0 ms, p99 2.0 ms" in c.table()
