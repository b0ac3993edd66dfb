"""Native log events reach the `p2pgossip` logger with structured fields."""

from __future__ import annotations

import logging

import pytest
from p2pgossip import _log


def test_fields_become_record_attributes(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="p2pgossip"):
        _log.emit(
            logging.WARNING,
            "12D3KooWnode",
            "peer dropped",
            [("peer", "12D3KooWpeer"), ("topic", "blocks"), ("reason", "rpc_decode"), ("msg", "x")],
        )
    (rec,) = caplog.records
    assert rec.name == "p2pgossip"
    assert rec.getMessage() == "peer dropped"
    assert (rec.peer, rec.topic, rec.reason, rec.node) == (
        "12D3KooWpeer",
        "blocks",
        "rpc_decode",
        "12D3KooWnode",
    )
    assert rec.field_msg == "x"  # 'msg' is a LogRecord attribute: prefixed, not clobbered


def test_levels_below_the_logger_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="p2pgossip"):
        _log.emit(logging.DEBUG, "n", "noise", [])
        assert _log.native_level() == logging.WARNING
    assert caplog.records == []


def test_the_library_configures_no_handlers() -> None:
    import p2pgossip  # noqa: F401

    assert logging.getLogger("p2pgossip").handlers == []
