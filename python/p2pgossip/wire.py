"""libp2p pubsub RPC (rpc.proto) as plain dicts, for tests and research scripts.

An RPC dict mirrors rpc.proto with snake_case keys::

    {"subscriptions": [{"subscribe": bool, "topic_id": str}],
     "publish": [{"from": bytes, "data": bytes, "seqno": bytes, "topic": str,
                  "signature": bytes, "key": bytes}],
     "control": {"ihave": [{"topic_id": str, "message_ids": [bytes]}],
                 "iwant": [{"message_ids": [bytes]}],
                 "graft": [{"topic_id": str}],
                 "prune": [{"topic_id": str,
                            "peers": [{"peer_id": bytes, "signed_peer_record": bytes}],
                            "backoff": int}],
                 "idontwant": [{"message_ids": [bytes]}]},
     "publish_hops": [int]}

``publish_hops`` is p2pgossip's own RPC extension (a field number other implementations skip):
how many links each published message has crossed, one entry per message, sent only by
randomsub routers with a hop limit (``GossipConfig.randomsub_ttl``).

An absent optional field is an absent key, so ``decode_rpc(encode_rpc(d)) == d`` holds for
every valid dict whose lists are non-empty (the wire cannot tell an empty list from an
absent one; decode leaves both out). ``topic`` is required in each published message.

``encode_rpc`` raises TypeError or ValueError naming the offending path on a malformed dict
(unknown keys included). ``decode_rpc`` is strict and bounded by ``DecodeLimits`` and raises
``p2pgossip.DecodeError`` naming the field and the rule, e.g.
``RPC.control.ihave[3].messageIDs: 5001 entries exceed max_ihave_length 5000``.
"""

from ._core.wire import DecodeError, DecodeLimits, decode_rpc, encode_rpc, encoded_rpc_size

__all__ = ["DecodeError", "DecodeLimits", "decode_rpc", "encode_rpc", "encoded_rpc_size"]
