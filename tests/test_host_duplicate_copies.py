"""A copy of a message a node has already seen is checked on the wire but never built into a
Message (Host::rpc_bytes leaves it out of the decoded RPC and hands the router its id): the
router must count it exactly as before, a message received and a duplicate. The full-stack
simulator decodes every RPC through Host::rpc_bytes, so this runs in virtual time."""

import p2pgossip as pg


def test_copies_left_undecoded_are_counted_as_received_duplicates():
    # Links are reliable: every copy a node forwards is received, and every copy received
    # that is not a node's first receipt of a message is a duplicate.
    graph = pg.topology.random_regular(4, 12, seed=2)
    sim = pg.Simulation(graph, seed=2, topics=["t"], full_stack=True)
    for i in range(20):
        sim.publish(i % 12, "t", i.to_bytes(2, "big") * 100, at_s=2 + i * 0.05)
    sim.run(until_s=6)
    m = sim.metrics()
    received, forwarded = int(m["messages_received"].sum()), int(m["messages_forwarded"].sum())
    first_receipts = int(m["messages_delivered"].sum() - m["messages_published"].sum())
    assert received == forwarded > 0
    assert int(m["duplicates"].sum()) == received - first_receipts > 0
