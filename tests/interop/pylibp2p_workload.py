"""The benchmark workload on py-libp2p: N nodes in one trio process (py-libp2p venv's python).

    pylibp2p_workload.py < spec.json > result.json

spec: {"nodes": N, "edges": [[i, j], ...], "messages": M, "size": B, "rate": R,
       "drain_s": S, "stall_s": S, "settle_s": S}
Every node subscribes to one topic; node i dials node j for each edge [i, j]; once every node
has a non-empty mesh, M messages of B bytes are published round-robin over the nodes at R per
second on a fixed schedule (a late publish is not made up by a burst). A payload carries its
index and publish time, so each subscriber records publish-to-deliver latency. The run ends
when every other node has every message, when no delivery came for `stall_s` after the last
publish (py-libp2p loses messages under load; waiting longer changes nothing), or at the
latest `drain_s` after the last publish. wall_s runs from the first publish to the last
delivery, so the idle stall wait is not counted.
Result: one JSON object (counts, wall time, latencies in seconds, CPU seconds, peak RSS).
"""

from __future__ import annotations

import json
import struct
import sys
import time
from contextlib import AsyncExitStack

import trio
from libp2p.peer.peerinfo import info_from_p2p_addr
from multiaddr import Multiaddr
from pylibp2p_stack import Node, running_node

TOPIC = "bench"
HEADER = struct.Struct(">Qd")  # message index, publish time (perf_counter)


async def record(
    node_index: int, n: int, subscription, latencies: list[float], seen: set, done
) -> None:
    async for msg in subscription:
        index, t_publish = HEADER.unpack_from(msg.data)
        key = (node_index, index)
        if index % n == node_index or key in seen:  # py-libp2p delivers own publishes too
            continue
        seen.add(key)
        latencies.append(time.perf_counter() - t_publish)
        done()


def vm_hwm_mb() -> float:
    """Peak RSS of this process since exec (ru_maxrss would carry the parent's peak over)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def wait_for_meshes(nodes: list[Node], timeout_s: float) -> float:
    """Seconds until every node has a mesh peer; py-libp2p grafts on its heartbeat."""
    start = time.perf_counter()
    with trio.fail_after(timeout_s):
        while not all(node.router.mesh.get(TOPIC) for node in nodes):
            await trio.sleep(0.05)
    return time.perf_counter() - start


async def run(spec: dict) -> dict:
    n, messages, size, rate = spec["nodes"], spec["messages"], spec["size"], spec["rate"]
    expected = messages * (n - 1)  # the publisher's own delivery is not counted
    latencies: list[float] = []
    seen: set[tuple[int, int]] = set()
    all_delivered = trio.Event()
    last_delivery = [0.0, 0.0]  # perf_counter, process_time

    def delivered() -> None:
        last_delivery[:] = time.perf_counter(), time.process_time()
        if len(latencies) == expected:
            all_delivered.set()

    async with AsyncExitStack() as stack:
        # Leaving the stack stops the nodes one by one; see teardown_errors below.
        stack.push_async_exit(count_teardown_errors)
        # The workload measures GossipSub, not py-libp2p's local 10 msgs/s/topic spam limit.
        nodes = [
            await stack.enter_async_context(
                running_node(spam_protection=False, muxer=spec.get("muxer", "yamux"))
            )
            for _ in range(n)
        ]
        nursery = await stack.enter_async_context(trio.open_nursery())
        for i, node in enumerate(nodes):
            subscription = await node.pubsub.subscribe(TOPIC)
            nursery.start_soon(record, i, n, subscription, latencies, seen, delivered)
        for i, j in spec["edges"]:
            await nodes[i].host.connect(info_from_p2p_addr(Multiaddr(nodes[j].addrs()[0])))
        mesh_s = await wait_for_meshes(nodes, spec["settle_s"])

        cpu0, start = time.process_time(), time.perf_counter()
        padding = bytes(size - HEADER.size)
        max_lag = 0.0
        for k in range(messages):
            due = start + k / rate
            await trio.sleep_until(trio.current_time() + max(0.0, due - time.perf_counter()))
            now = time.perf_counter()
            max_lag = max(max_lag, now - due)
            await nodes[k % n].pubsub.publish(TOPIC, HEADER.pack(k, now) + padding)
        publish_s = time.perf_counter() - start
        published = (time.perf_counter(), time.process_time())
        with trio.move_on_after(spec["drain_s"]):
            while not all_delivered.is_set():
                with trio.move_on_after(0.25):
                    await all_delivered.wait()
                if time.perf_counter() - max(last_delivery[0], published[0]) > spec["stall_s"]:
                    break
        end, end_cpu = max(tuple(last_delivery), published)
        wall_s, cpu_s = end - start, end_cpu - cpu0
        nursery.cancel_scope.cancel()
        peak_rss_mb = vm_hwm_mb()

    latencies.sort()
    return {
        "nodes": n,
        "edges": len(spec["edges"]),
        "messages": messages,
        "size_bytes": size,
        "offered_rate": rate,
        "mesh_settle_s": mesh_s,
        "publish_s": publish_s,
        "max_publish_lag_s": max_lag,
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "deliveries": len(latencies),
        "expected_deliveries": expected,
        "latencies_s": latencies,
        "peak_rss_mb": peak_rss_mb,
        "teardown_errors": teardown_errors,
    }


# py-libp2p 0.8.1 raises "Nursery is closed to new arrivals" when a node stops while a peer
# still opens pubsub streams to it; that happens after the measurement and is only counted.
teardown_errors: list[str] = []


async def count_teardown_errors(exc_type, exc, tb) -> bool:
    if not isinstance(exc, BaseExceptionGroup):  # noqa: F821 (the py-libp2p venv is 3.11)
        return False
    _, rest = exc.split(lambda e: isinstance(e, RuntimeError) and "closed to new" in str(e))
    if rest is not None:
        return False
    teardown_errors.append(repr(exc))
    return True


if __name__ == "__main__":
    json.dump(trio.run(run, json.load(sys.stdin)), sys.stdout)
