from hypothesis import given
from hypothesis import strategies as st
from p2pgossip.net import MultistreamNegotiation, multistream_encode

HEADER = b"\x13/multistream/1.0.0\n"


def run(dialer, listener, chunk=None):
    """Shuttle bytes between the two until neither has anything to send."""
    d_events, l_events = [], []
    d_out, ev = dialer.feed(b"")
    d_events += ev
    l_out, ev = listener.feed(b"")
    l_events += ev
    while d_out or l_out:
        data, d_out = d_out, b""
        for i in range(0, len(data), chunk or max(1, len(data))):
            out, ev = listener.feed(data[i : i + (chunk or len(data))])
            l_out += out
            l_events += ev
        data, l_out = l_out, b""
        for i in range(0, len(data), chunk or max(1, len(data))):
            out, ev = dialer.feed(data[i : i + (chunk or len(data))])
            d_out += out
            d_events += ev
    return d_events, l_events


def test_message_encoding_matches_the_spec_example():
    assert multistream_encode("/multistream/1.0.0") == HEADER
    assert multistream_encode("na") == b"\x03na\n"


def test_dialer_pipelines_header_and_first_proposal():
    d = MultistreamNegotiation("dialer", ["/noise"])
    assert d.take_output() == HEADER + b"\x07/noise\n"


def test_listener_echoes_a_supported_protocol():
    d_ev, l_ev = run(
        MultistreamNegotiation("dialer", ["/noise"]), MultistreamNegotiation("listener", ["/noise"])
    )
    assert d_ev == [("selected", "/noise")]
    assert l_ev == [("selected", "/noise")]


def test_na_moves_the_dialer_to_its_next_proposal():
    d = MultistreamNegotiation("dialer", ["/tls/1.0.0", "/noise", "/yamux/1.0.0"])
    listener = MultistreamNegotiation("listener", ["/yamux/1.0.0", "/noise"])
    d_ev, l_ev = run(d, listener, chunk=1)
    assert d_ev == [("selected", "/noise")]
    assert l_ev == [("selected", "/noise")]


def test_no_protocol_in_common_fails_the_dialer():
    d_ev, l_ev = run(
        MultistreamNegotiation("dialer", ["/a", "/b"]), MultistreamNegotiation("listener", ["/c"])
    )
    assert d_ev == [("failed", "multistream: no protocol in common")]
    assert l_ev == []


def test_ls_is_answered_na():
    listener = MultistreamNegotiation("listener", ["/noise"])
    listener.take_output()
    out, ev = listener.feed(HEADER + multistream_encode("ls"))
    assert out == b"\x03na\n" and ev == []


def test_listener_bounds_the_number_of_proposals():
    listener = MultistreamNegotiation("listener", ["/x"], max_proposals=3)
    listener.take_output()
    data = HEADER + b"".join(multistream_encode(f"/p{i}") for i in range(4))
    out, ev = listener.feed(data)
    assert out == b"\x03na\n" * 3
    assert ev == [("failed", "multistream: dialer proposed more than 3 protocols")]
    assert listener.done


def test_oversized_message_fails_before_buffering_it():
    listener = MultistreamNegotiation("listener", ["/x"], max_message_bytes=100)
    _, ev = listener.feed(HEADER + b"\xe5\x00")  # declares 101 bytes (overlong prefix)
    assert ev and ev[0][0] == "failed"
    listener = MultistreamNegotiation("listener", ["/x"], max_message_bytes=100)
    _, ev = listener.feed(HEADER + b"\x65")  # 101 bytes, nothing of it sent yet
    assert ev == [("failed", "multistream: message of 101 bytes exceeds limit 100")]


def test_wrong_header_and_missing_newline_fail():
    d = MultistreamNegotiation("dialer", ["/x"])
    assert d.feed(multistream_encode("/multistream/2.0.0"))[1] == [
        ("failed", "multistream: unsupported header '/multistream/2.0.0'")
    ]
    d = MultistreamNegotiation("dialer", ["/x"])
    assert d.feed(b"\x03abc")[1] == [("failed", "multistream: message does not end with '\\n'")]


def test_bytes_after_selection_are_handed_to_the_protocol():
    d = MultistreamNegotiation("dialer", ["/noise"])
    d.take_output()
    _, ev = d.feed(HEADER + b"\x07/noise\n" + b"early")
    assert ev == [("selected", "/noise")]
    d.feed(b" more")
    assert d.take_remaining() == b"early more"


protocol_ids = st.text(
    st.characters(blacklist_characters="\n", blacklist_categories=["Cs"]), min_size=1, max_size=40
).map(lambda s: "/" + s)


@given(
    st.lists(protocol_ids, min_size=1, max_size=8, unique=True),
    st.lists(protocol_ids, max_size=8),
    st.integers(1, 7),
)
def test_negotiation_selects_the_first_common_protocol(proposals, supported, chunk):
    d_ev, l_ev = run(
        MultistreamNegotiation("dialer", proposals),
        MultistreamNegotiation("listener", supported),
        chunk,
    )
    common = [p for p in proposals if p in supported]
    if common:
        assert d_ev == l_ev == [("selected", common[0])]
    else:
        assert d_ev == [("failed", "multistream: no protocol in common")]


@given(st.binary(max_size=300), st.sampled_from(["dialer", "listener"]))
def test_arbitrary_bytes_never_crash(data, role):
    n = MultistreamNegotiation(role, ["/a", "/b"], max_message_bytes=64, max_proposals=4)
    out, events = n.feed(data)
    assert len(events) <= 1
    assert len(out) < 64 * 6


@given(st.lists(protocol_ids, max_size=5))
def test_message_codec_round_trips_through_a_listener(ids):
    listener = MultistreamNegotiation("listener", [], max_proposals=10)
    listener.take_output()
    out, ev = listener.feed(HEADER + b"".join(multistream_encode(i) for i in ids))
    assert ev == [] and out == b"\x03na\n" * len(ids)
