"""The result tables :class:`Simulation` and :class:`LocalNetwork` both return: their
columns and dtypes are defined here once, so an analysis written against one runs on the
other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._extras import needs

if TYPE_CHECKING:
    import pandas as pd

DELIVERY_COLUMNS = ("msg_id", "node", "t_publish", "t_deliver", "hops", "from_peer")


def deliveries_frame(
    ids: Sequence[str],
    message: np.ndarray,
    node: np.ndarray,
    t_publish: np.ndarray,
    t_deliver: np.ndarray,
    hops: np.ndarray,
    from_peer: np.ndarray,
) -> pd.DataFrame:
    """One row per delivery. ``message`` indexes ``ids`` (and ``t_publish``, one entry per
    message, NaN when unknown); times are seconds; ``hops`` is -1 where unknown and
    ``from_peer`` -1 at the publisher."""
    with needs("analysis"):
        import pandas as pd

    msg = np.asarray(message, dtype=np.int64)
    t_pub = np.asarray(t_publish, dtype=float)
    return pd.DataFrame(
        {
            "msg_id": pd.Categorical.from_codes(msg, categories=pd.Index(list(ids))),
            "node": np.asarray(node, dtype=np.uint32),
            "t_publish": t_pub[msg] if len(ids) else np.empty(0),
            "t_deliver": np.asarray(t_deliver, dtype=float),
            "hops": np.asarray(hops, dtype=np.int32),
            "from_peer": np.asarray(from_peer, dtype=np.int64),
        },
        columns=list(DELIVERY_COLUMNS),
    )


def metrics_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """One row per node, indexed by ``node``."""
    with needs("analysis"):
        import pandas as pd

    df = pd.DataFrame(columns)
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
