"""Metrics: registries of counters, gauges and log-bucket histograms kept in C++, their
Prometheus text exposition (format 0.0.4), and a ``prometheus_client`` collector for
programs that already run a Prometheus client.

``prometheus_client`` is optional (``pip install p2pgossip[metrics]``) and imported only by
:class:`Collector`.

A *snapshot* is a list of families, each a dict ``{"name", "help", "type", "label_names",
"samples"}``; a sample is ``{"labels": {...}, "value": float}`` or, for histograms,
``{"labels": {...}, "buckets": [(le, cumulative_count), ..., (inf, count)], "sum", "count"}``.
``MetricsRegistry.snapshot()`` and a node's ``metrics_snapshot()`` return this shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._core.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from ._core.metrics import Counter as MetricsCounter
from ._core.metrics import Gauge as MetricsGauge
from ._core.metrics import Histogram as MetricsHistogram
from ._core.metrics import Registry as MetricsRegistry
from ._core.metrics import exponential_buckets
from ._core.metrics import exposition as metrics_exposition
from ._extras import needs

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

__all__ = [
    "METRICS_CONTENT_TYPE",
    "Collector",
    "MetricsCounter",
    "MetricsGauge",
    "MetricsHistogram",
    "MetricsRegistry",
    "Snapshot",
    "exponential_buckets",
    "metrics_exposition",
]

Snapshot = list[dict[str, Any]]


class Collector:
    """A ``prometheus_client`` custom collector over p2pgossip snapshots.

    ``source`` is a callable returning a snapshot, or an object with ``metrics_snapshot()``
    (a ``Node``, a ``LocalNetwork``) or ``snapshot()`` (a ``MetricsRegistry``); several
    sources may be given. Register it with ``prometheus_client.REGISTRY.register(Collector(node))``.
    """

    def __init__(self, *sources: Any) -> None:
        self._sources: list[Callable[[], Iterable[dict[str, Any]]]] = []
        for s in sources:
            if callable(s):
                self._sources.append(s)
            elif hasattr(s, "metrics_snapshot"):
                self._sources.append(s.metrics_snapshot)
            elif hasattr(s, "snapshot"):
                self._sources.append(s.snapshot)
            else:
                raise TypeError(f"not a metrics source: {s!r}")

    def collect(self) -> Iterator[Metric]:
        with needs("metrics"):
            from prometheus_client.core import (
                CounterMetricFamily,
                GaugeMetricFamily,
                HistogramMetricFamily,
            )

        families: dict[str, Any] = {}
        for source in self._sources:
            for fam in source():
                name, kind = fam["name"], fam["type"]
                out = families.get(name)
                if out is None:
                    if kind == "counter":
                        out = CounterMetricFamily(name, fam["help"], labels=())
                    elif kind == "gauge":
                        out = GaugeMetricFamily(name, fam["help"], labels=())
                    else:
                        out = HistogramMetricFamily(name, fam["help"], labels=())
                    families[name] = out
                for s in fam["samples"]:
                    labels = dict(s["labels"])
                    if kind == "histogram":
                        _add_histogram(out, labels, s)
                    elif kind == "counter":
                        # CounterMetricFamily stores the name without _total; samples keep it.
                        out.samples.append(_sample(out.name + "_total", labels, s["value"]))
                    else:
                        out.samples.append(_sample(name, labels, s["value"]))
        yield from families.values()

    def describe(self) -> list[Metric]:
        # No description: prometheus_client then calls collect() on registration instead.
        return []


def _sample(name: str, labels: dict[str, str], value: float) -> Any:
    from prometheus_client.samples import Sample

    return Sample(name, labels, float(value), None, None)


def _add_histogram(out: Any, labels: dict[str, str], s: dict[str, Any]) -> None:
    for le, count in s["buckets"]:
        le_text = "+Inf" if le == float("inf") else _float_text(le)
        out.samples.append(_sample(out.name + "_bucket", {**labels, "le": le_text}, count))
    out.samples.append(_sample(out.name + "_count", labels, s["count"]))
    out.samples.append(_sample(out.name + "_sum", labels, s["sum"]))


def _float_text(v: float) -> str:
    # prometheus_client's own spelling of bucket bounds (floatToGoString).
    from prometheus_client.utils import floatToGoString

    return str(floatToGoString(v))
