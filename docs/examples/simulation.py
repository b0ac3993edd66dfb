"""A deterministic simulation: a random regular graph, lognormal link latency, a few
published messages, and the delivery table."""

from __future__ import annotations

import networkx as nx
import p2pgossip as pg
import pandas as pd


def main(nodes: int = 200, messages: int = 10, seed: int = 1) -> pd.DataFrame:
    sim = pg.Simulation(
        nx.random_regular_graph(8, nodes, seed=seed),
        seed=seed,
        latency=pg.Latency.lognormal(median_ms=40, sigma=0.5),
        topics=["blocks"],
    )
    for i in range(messages):
        sim.publish(node=i, topic="blocks", data=i.to_bytes(4, "big") * 64, at_s=2.0 + i * 0.1)
    sim.run(until_s=10)
    d = sim.deliveries()
    latency = d["t_deliver"] - d["t_publish"]
    return pd.DataFrame(
        {
            "delivered": [len(d) / (nodes * messages)],
            "latency_p50_s": [latency.quantile(0.5)],
            "latency_p99_s": [latency.quantile(0.99)],
        }
    )


if __name__ == "__main__":
    print(main().to_string(index=False))
