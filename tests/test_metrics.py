"""Metrics registries, histograms and the Prometheus text exposition, checked by parsing
the text with prometheus_client's own parser."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import metrics
from p2pgossip._core.metrics import escape_label_value as metrics_escape_label_value

parser = pytest.importorskip("prometheus_client.parser")


def parse(text: str) -> dict[str, object]:
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in parser.text_string_to_metric_families(text)
        for s in f.samples
    }


def test_counter_and_gauge_values_round_trip() -> None:
    r = metrics.MetricsRegistry({"node": "12D3KooWabc"})
    sent = r.counter("p2pgossip_messages_sent_total", "Messages sent.", {"protocol": "meshsub"})
    sent.inc()
    sent.inc(41)
    peers = r.gauge("p2pgossip_peers", "Connected peers.")
    peers.set(7)
    peers.add(-2.5)
    text = r.exposition()
    fams = parse(text)
    assert fams["p2pgossip_messages_sent"].type == "counter"
    assert fams["p2pgossip_peers"].type == "gauge"
    s = samples(text)
    assert (
        s[("p2pgossip_messages_sent_total", (("node", "12D3KooWabc"), ("protocol", "meshsub")))]
        == 42
    )
    assert s[("p2pgossip_peers", (("node", "12D3KooWabc"),))] == 4.5
    assert "# HELP p2pgossip_peers Connected peers.\n# TYPE p2pgossip_peers gauge\n" in text


def test_same_name_and_labels_give_the_same_metric() -> None:
    r = metrics.MetricsRegistry()
    a = r.counter("x_total", "x", {"k": "1"})
    a.inc(3)
    assert r.counter("x_total", "x", {"k": "1"}).value == 3
    assert r.counter("x_total", "x", {"k": "2"}).value == 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda r: r.counter("1bad", "h"), "metric name"),
        (lambda r: r.counter("ok_total", "h", {"__x": "v"}), "reserved"),
        (lambda r: r.counter("ok_total", "h", {"a-b": "v"}), "label name"),
        (lambda r: r.histogram("h", "h", [1.0], {"le": "x"}), "le"),
        (lambda r: r.histogram("h", "h", [2.0, 1.0]), "increasing"),
        (lambda r: r.histogram("h", "h", [1.0, math.inf]), "finite"),
    ],
)
def test_bad_names_and_buckets_are_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call(metrics.MetricsRegistry())


def test_type_and_label_name_conflicts_are_errors() -> None:
    r = metrics.MetricsRegistry()
    r.counter("m", "h", {"a": "1"})
    with pytest.raises(ValueError, match="another type"):
        r.gauge("m", "h", {"a": "1"})
    with pytest.raises(ValueError, match="other label names"):
        r.counter("m", "h", {"b": "1"})
    r.histogram("hist", "h", [1.0, 2.0])
    with pytest.raises(ValueError, match="other buckets"):
        r.histogram("hist", "h", [1.0, 3.0])


def test_children_per_family_are_bounded() -> None:
    r = metrics.MetricsRegistry(max_children_per_family=3)
    for t in "abc":
        r.counter("topic_msgs_total", "h", {"topic": t})
    with pytest.raises(ValueError, match="more than 3 label sets"):
        r.counter("topic_msgs_total", "h", {"topic": "d"})
    r.counter("topic_msgs_total", "h", {"topic": "a"}).inc()  # existing ones still resolve


def test_exponential_buckets() -> None:
    assert metrics.exponential_buckets(1e-3, 2, 4) == [1e-3, 2e-3, 4e-3, 8e-3]
    with pytest.raises(ValueError, match="factor"):
        metrics.exponential_buckets(1, 1, 4)


@given(
    st.lists(
        st.one_of(
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
            st.sampled_from([0.001, 0.01, 0.1, 1.0, 10.0]),  # exactly on bounds: le is inclusive
        ),
        max_size=200,
    )
)
def test_histogram_buckets_are_cumulative_counts(values: list[float]) -> None:
    bounds = metrics.exponential_buckets(0.001, 10, 5)
    r = metrics.MetricsRegistry()
    h = r.histogram("latency_seconds", "Latency.", bounds, {"topic": "t"})
    for v in values:
        h.observe(v)
    text = r.exposition()
    s = samples(text)
    for b in bounds:
        le = next(
            k
            for k in s
            if k[0] == "latency_seconds_bucket"
            and dict(k[1])["le"] != "+Inf"
            and float(dict(k[1])["le"]) == b
        )
        assert s[le] == sum(1 for v in values if v <= b)
    assert s[("latency_seconds_bucket", (("le", "+Inf"), ("topic", "t")))] == len(values)
    assert s[("latency_seconds_count", (("topic", "t"),))] == len(values)
    assert s[("latency_seconds_sum", (("topic", "t"),))] == pytest.approx(
        math.fsum(values), abs=1e-6
    )
    snap = r.snapshot()[0]["samples"][0]
    assert snap["buckets"][-1] == (math.inf, len(values))
    assert [c for _, c in snap["buckets"]] == sorted(c for _, c in snap["buckets"])


def test_histogram_nan_and_infinities_land_in_the_right_bucket() -> None:
    r = metrics.MetricsRegistry()
    h = r.histogram("h", "h", [1.0])
    for v in (math.nan, math.inf, -math.inf):
        h.observe(v)
    b = r.snapshot()[0]["samples"][0]["buckets"]
    assert b == [(1.0, 1), (math.inf, 3)]  # -inf <= 1; NaN and +inf only in +Inf


label_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


# The text format cannot carry leading or trailing blanks in HELP (the line is split on them).
help_text_st = st.from_regex(r"\A(|\S|\S.*\S)\Z", fullmatch=True).filter(lambda s: s == s.strip())


@given(value=label_text, help_text=st.one_of(help_text_st, st.just("a\\b\nc")))
def test_label_values_and_help_round_trip_through_the_parser(value: str, help_text: str) -> None:
    r = metrics.MetricsRegistry({"node": value})
    r.counter("c_total", help_text, {"topic": value + '"\\\n'}).inc(5)
    fams = parse(r.exposition())
    fam = fams["c"]
    assert fam.documentation == help_text
    (s,) = fam.samples
    assert s.labels == {"node": value, "topic": value + '"\\\n'}
    assert s.value == 5


def test_invalid_utf8_in_a_label_value_becomes_replacement_characters() -> None:
    assert metrics_escape_label_value(b'a\xffb"\\\n\xe2\x82') == 'a\ufffdb\\"\\\\\\n\ufffd\ufffd'


def test_registries_of_several_nodes_merge_under_one_header() -> None:
    regs = [metrics.MetricsRegistry({"node": str(i)}) for i in range(3)]
    for i, r in enumerate(regs):
        r.counter("p2pgossip_duplicates_total", "Duplicates.").inc(i)
        r.histogram("d_seconds", "d", [0.5]).observe(i)
    text = metrics.metrics_exposition(regs)
    assert text.count("# TYPE p2pgossip_duplicates_total counter") == 1
    assert text.count("# TYPE d_seconds histogram") == 1
    s = samples(text)
    assert [s[("p2pgossip_duplicates_total", (("node", str(i)),))] for i in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="same labels exposed twice"):
        metrics.metrics_exposition([regs[0], regs[0]])


def test_collector_yields_the_same_samples_as_the_exposition() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    r = metrics.MetricsRegistry({"node": "n1"})
    r.counter("msgs_total", "Messages.", {"topic": 'a"b'}).inc(3)
    r.gauge("peers", "Peers.").set(2)
    h = r.histogram("lat_seconds", "Latency.", metrics.exponential_buckets(0.01, 2, 3))
    for v in (0.005, 0.015, 1.0):
        h.observe(v)
    reg = CollectorRegistry()
    reg.register(metrics.Collector(r))
    via_client = samples(generate_latest(reg).decode())
    ours = samples(r.exposition())
    assert via_client == ours


def test_collector_rejects_what_is_not_a_source() -> None:
    with pytest.raises(TypeError):
        metrics.Collector(42)
