"""The result tables :class:`Simulation` and :class:`LocalNetwork` both return: their
columns and dtypes are defined here once, so an analysis written against one runs on the
other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from ._extras import needs

if TYPE_CHECKING:
    import pandas as pd

DELIVERY_COLUMNS = ("msg_id", "node", "role", "t_publish", "t_deliver", "hops", "from_peer")
HONEST = "honest"


class Ban(NamedTuple):
    """A ban in force on a node (:meth:`Node.bans`, :meth:`Simulation.bans`)."""

    target: str  # a peer id (base58btc) or an IP address
    kind: Literal["peer", "ip"]
    remaining: float | None  # seconds left; None: until unbanned
    rule: str  # what made it: "manual" (ban/block), "graylisted", "invalid_messages"
    reason: str  # the words given to ban(), or the rule's


def roles_column(node: np.ndarray, roles: dict[int, str] | None) -> pd.Categorical:
    """Each node's role (p2pgossip.adversary), "honest" unless ``roles`` names another."""
    with needs("analysis"):
        import pandas as pd

    node = np.asarray(node, dtype=np.int64)
    names = [HONEST, *sorted({r for r in (roles or {}).values() if r != HONEST})]
    codes = np.zeros(len(node), dtype=np.int64)
    for v, r in (roles or {}).items():
        codes[node == v] = names.index(r)
    return pd.Categorical.from_codes(codes, categories=pd.Index(names))


def deliveries_frame(
    ids: Sequence[str],
    message: np.ndarray,
    node: np.ndarray,
    t_publish: np.ndarray,
    t_deliver: np.ndarray,
    hops: np.ndarray,
    from_peer: np.ndarray,
    roles: dict[int, str] | None = None,
) -> pd.DataFrame:
    """One row per delivery. ``message`` indexes ``ids`` (and ``t_publish``, one entry per
    message, NaN when unknown); times are seconds; ``hops`` is -1 where unknown and
    ``from_peer`` -1 at the publisher; ``role`` is the receiving node's (``roles``)."""
    with needs("analysis"):
        import pandas as pd

    msg = np.asarray(message, dtype=np.int64)
    t_pub = np.asarray(t_publish, dtype=float)
    return pd.DataFrame(
        {
            "msg_id": pd.Categorical.from_codes(msg, categories=pd.Index(list(ids))),
            "node": np.asarray(node, dtype=np.uint32),
            "role": roles_column(node, roles),
            "t_publish": t_pub[msg] if len(ids) else np.empty(0),
            "t_deliver": np.asarray(t_deliver, dtype=float),
            "hops": np.asarray(hops, dtype=np.int32),
            "from_peer": np.asarray(from_peer, dtype=np.int64),
        },
        columns=list(DELIVERY_COLUMNS),
    )


def metrics_frame(columns: dict[str, Any], roles: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per node, indexed by ``node``, with its ``role`` first."""
    with needs("analysis"):
        import pandas as pd

    df = pd.DataFrame(columns)
    df.insert(0, "role", roles_column(np.arange(len(df)), roles))
    df.index.name = "node"
    return df


MESH_CHANGE_COLUMNS = ("t", "node", "topic", "peer", "joined")


def mesh_changes_frame(
    t: np.ndarray,
    node: np.ndarray,
    topics: Sequence[str],
    topic: np.ndarray,
    peer: np.ndarray,
    joined: np.ndarray,
) -> pd.DataFrame:
    """One row per mesh change: at ``t`` (s), ``peer`` joined (or left) ``node``'s mesh of
    ``topics[topic]``."""
    with needs("analysis"):
        import pandas as pd

    return pd.DataFrame(
        {
            "t": np.asarray(t, dtype=float),
            "node": np.asarray(node, dtype=np.uint32),
            "topic": pd.Categorical.from_codes(
                np.asarray(topic, dtype=np.int64), categories=pd.Index(list(topics))
            ),
            "peer": np.asarray(peer, dtype=np.int64),
            "joined": np.asarray(joined, dtype=bool),
        },
        columns=list(MESH_CHANGE_COLUMNS),
    )
