"""Request/response for a :class:`~p2pgossip.simulation.Simulation` (``full_stack=True``).

The exchanges are the C++ connection machines' (``host/requests.cpp``), over the simulated
links' byte streams, exactly as between real nodes: a yamux stream each, negotiated with
multistream-select under the protocol id, one unsigned-varint length-prefixed request and
one response, the same size limits, timeouts and errors (``Node.request``'s kinds). What runs
in Python is the application: handlers answer at the request's virtual time, and a
request's ``on_response`` runs when it ends, so a protocol that chains requests (header-first
sync) is a script.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

from . import _log
from ._extras import needs
from ._requests import check_protocol

if TYPE_CHECKING:
    import pandas as pd

# handler(node, peer, request) -> response, or None to refuse (the requester sees a reset).
SimHandler = Callable[[Hashable, Hashable, bytes], "bytes | None"]
# on_response(request id, response or None, error kind or None).
OnResponse = Callable[[int, "bytes | None", "str | None"], Any]


class SimRequests:
    """One simulation's handlers, its requests' callbacks and their table."""

    def __init__(self, core: Any, labels: list[Hashable]) -> None:
        self._core = core
        self._labels = labels
        self._handlers: dict[str, SimHandler] = {}
        self._on_response: dict[int, OnResponse] = {}
        self._raised: BaseException | None = None  # the first on_response that raised
        self.handler_errors = 0  # handlers that raised or returned something not bytes
        # Weakly: the core outlives nothing it calls, and a strong reference from C++ would
        # be a cycle the garbage collector cannot see.
        me = weakref.ref(self)
        core.set_request_handler(lambda *a: (s := me()) and s._answer(*a))
        core.set_request_ended(lambda rid: (s := me()) and s._ended(rid))

    def set_handler(
        self, protocol: str, handler: SimHandler | None, nodes: Iterable[int], at_ns: int
    ) -> None:
        check_protocol(protocol)
        if handler is not None:
            self._handlers[protocol] = handler
        for v in nodes:
            self._core.serve(v, protocol, handler is not None, at_ns)

    def request(
        self,
        node: int,
        peer: int,
        protocol: str,
        data: bytes,
        timeout: float,
        max_response_size: int,
        at_ns: int,
        on_response: OnResponse | None,
    ) -> int:
        check_protocol(protocol)
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 s, not {timeout}")
        if max_response_size < 0:
            raise ValueError("max_response_size must be >= 0")
        # Known before the call: a request that fails at once ends inside it.
        rid = self._core.requests_made
        if on_response is not None:
            self._on_response[rid] = on_response
        try:
            made = self._core.request(
                node, peer, protocol, bytes(data), round(timeout * 1e9), max_response_size, at_ns
            )
        except BaseException:
            self._on_response.pop(rid, None)
            raise
        assert made == rid
        return rid

    def raise_pending(self) -> None:
        """After a run: what an on_response callback raised during it."""
        exc, self._raised = self._raised, None
        if exc is not None:
            raise RuntimeError("an on_response callback raised during run()") from exc

    def _answer(self, node: int, peer: int, protocol: str, data: bytes) -> bytes | None:
        handler = self._handlers.get(protocol)
        if handler is None:
            return None
        try:
            result = handler(self._labels[node], self._labels[peer], data)
            if result is None or isinstance(result, bytes):
                return result
            if isinstance(result, (bytearray, memoryview)):
                return bytes(result)
            raise TypeError(f"handler returned {type(result).__name__}, not bytes")
        except Exception as exc:  # the requester sees a reset, as from a real node
            self.handler_errors += 1
            _log.logger.warning("simulated request handler for %r failed: %r", protocol, exc)
            return None

    def _ended(self, rid: int) -> None:
        callback = self._on_response.pop(rid, None)
        if callback is None or self._raised is not None:
            return
        _, response, error = self._core.request_outcome(rid)
        try:
            callback(rid, response, error)
        except BaseException as exc:  # raised by run() once it returns
            self._raised = exc

    def frame(self) -> pd.DataFrame:
        with needs("analysis"):
            import numpy as np
            import pandas as pd

        c = self._core.requests_columns()
        ended = c["ended_at_ns"]
        sent = c["sent_at_ns"] / 1e9
        t_end = np.where(ended >= 0, ended / 1e9, np.nan)
        return pd.DataFrame(
            {
                "node": [self._labels[v] for v in c["node"]],
                "peer": [self._labels[v] for v in c["peer"]],
                "protocol": c["protocol"],
                "t_sent": sent,
                "t_end": t_end,
                "latency": t_end - sent,
                "request_bytes": c["request_bytes"],
                "response_bytes": [len(r) if r is not None else -1 for r in c["response"]],
                "ok": [r is not None for r in c["response"]],
                "error": c["error"],
                "response": c["response"],
            }
        ).rename_axis("request")


class RequestCommands:
    """Simulation's request/response methods (a part of ``Simulation``, kept apart)."""

    _full_stack: bool
    _requests: SimRequests | None
    _core: Any
    labels: list[Hashable]

    if TYPE_CHECKING:  # Simulation's

        def index(self, node: Hashable) -> int: ...
        def _nodes(self, node: Any) -> list[int]: ...
        def _at(self, at_s: float | None) -> int: ...

    def set_handler(
        self,
        protocol: str,
        handler: SimHandler | None,
        nodes: Any = None,
        at_s: float | None = None,
    ) -> None:
        """From ``at_s``, ``nodes`` (a label, labels, or None for all) answer requests of
        ``protocol`` with ``handler(node, peer, request) -> bytes`` (labels; None refuses:
        the requester sees ``reset``), called at the request's virtual time; a handler that
        raises or returns something else than bytes resets the exchange (logged, counted in
        ``request_handler_errors``). ``handler=None``: they stop serving it (requests then
        fail ``unsupported_protocol``). Needs ``full_stack=True``: the exchanges are the
        connection machines' own, as between ``Node`` s."""
        self._require_full_stack()
        self._request_side().set_handler(protocol, handler, self._nodes(nodes), self._at(at_s))

    def request(
        self,
        node: Hashable,
        peer: Hashable,
        protocol: str,
        data: bytes,
        *,
        at_s: float | None = None,
        timeout: float = 10.0,
        max_response_size: int = 1 << 20,
        on_response: OnResponse | None = None,
    ) -> int:
        """``node`` sends ``data`` to its neighbour ``peer`` under ``protocol`` at ``at_s``
        (default: now) on a stream of its own, as ``Node.request`` does; returns the
        request's id (its row in ``requests()``). ``on_response(id, response, error)`` runs
        when it ends, at that virtual time (``self.now``): ``response`` bytes, or None and
        ``error`` one of ``Node.request``'s kinds (``unsupported_protocol``, ``timeout``,
        ``response_too_large``, ``reset``, ``connection_closed``, ``not_connected``). What it
        schedules (another request, a publish) happens at that time or later. An exception
        it raises is raised by ``run()`` once it returns."""
        self._require_full_stack()
        return self._request_side().request(
            self.index(node),
            self.index(peer),
            protocol,
            data,
            timeout,
            max_response_size,
            self._at(at_s),
            on_response,
        )

    def requests(self) -> pd.DataFrame:
        """One row per request (index: its id): node, peer, protocol, t_sent, t_end (NaN
        while under way), latency (s), request_bytes, response_bytes (-1: none), ok, error
        (None or its kind), response (bytes or None)."""
        self._require_full_stack()
        return self._request_side().frame()

    @property
    def request_handler_errors(self) -> int:
        """Handlers that raised or returned something other than bytes."""
        return self._requests.handler_errors if self._requests else 0

    def _require_full_stack(self) -> None:
        if not self._full_stack:
            raise ValueError(
                "request/response runs over the connection machines: "
                "Simulation(..., full_stack=True)"
            )

    def _request_side(self) -> SimRequests:
        if self._requests is None:
            self._requests = SimRequests(self._core, self.labels)
        return self._requests
