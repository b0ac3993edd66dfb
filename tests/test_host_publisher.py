"""The publisher (host/publisher): one size rule, one message id parser, for both shells."""

import p2pgossip as pg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip._core.host import Publisher

POLICIES = [pg.SignaturePolicy.StrictSign, pg.SignaturePolicy.StrictNoSign]
IDENTITY = pg.Identity.generate()

topics = st.text(min_size=0, max_size=300)


@given(
    topic=topics,
    policy=st.sampled_from(POLICIES),
    max_size=st.integers(min_value=0, max_value=70_000),
    slack=st.integers(min_value=-3, max_value=3),
)
def test_the_size_rule_is_the_encoded_message_within_max_message_size(
    topic, policy, max_size, slack
):
    p = Publisher(policy, "xxh3", max_size)
    fits = p.max_data_size(topic)
    n = max(0, (fits if fits is not None else 0) + slack)
    identity = IDENTITY if policy == pg.SignaturePolicy.StrictSign else None
    encoded = len(pg.Message.create(identity, topic, b"x" * n, policy=policy).encode())
    if encoded <= max_size:
        p.check_size(topic, n)
        assert fits is not None and n <= fits  # max_data_size is the largest that fits
    else:
        with pytest.raises(ValueError, match="over max_message_size"):
            p.check_size(topic, n)
        assert fits is None or n > fits


def test_message_id_names_are_parsed_once_with_one_error():
    for name in ("xxh3", "from-seqno", "from_seqno"):
        Publisher(pg.SignaturePolicy.StrictSign, name, 1024)
    for bad in ("sha256", "XXH3", ""):
        with pytest.raises(ValueError, match="unknown message id function"):
            Publisher(pg.SignaturePolicy.StrictSign, bad, 1024)
        with pytest.raises(ValueError, match="unknown message id function"):
            pg.Simulation(pg.topology.ring(4), message_id=bad)
    assert Publisher(pg.SignaturePolicy.StrictSign, "from_seqno", 1).message_id == "from-seqno"


def test_simulation_refuses_what_the_router_would_with_the_same_error():
    config = pg.GossipConfig(max_message_size=1000)
    sim = pg.Simulation(pg.topology.ring(4), config=config, topics=["t"])
    limit = Publisher(config.signature_policy, "xxh3", 1000).max_data_size("t")
    sim.publish(0, "t", b"a" * limit)
    with pytest.raises(ValueError, match="over max_message_size 1000"):
        sim.publish(0, "t", b"b" * (limit + 1))


async def test_node_refuses_data_that_fits_raw_but_not_signed():
    # 990 bytes of data are under max_message_size 1000, but not once signed: the node says
    # so before signing, as it does for data over the limit.
    config = pg.GossipConfig(max_message_size=1000)
    async with pg.Node(config=config) as node:
        for n in (990, 1001):
            with pytest.raises(ValueError, match="over max_message_size 1000"):
                await node.publish("t", b"x" * n, require_peers=False)
            with pytest.raises(ValueError, match="over max_message_size 1000"):
                node.publish_nowait("t", b"x" * n)
        limit = Publisher(config.signature_policy, "xxh3", 1000).max_data_size("t")
        await node.publish("t", b"y" * limit, require_peers=False)
