"""Every keyword-constructed config class is bound one way (bindings/fields.hpp): the same
keywords, errors, repr, equality and copy."""

import pytest
from p2pgossip import _core

CLASSES = [
    (_core.router.GossipConfig, "D", 7),
    (_core.wire.DecodeLimits, "max_publish", 7),
    (_core.runtime.NodeLimits, "max_connections", 7),
    (_core.runtime.PeerConfig, "max_inbound", 7),
    (_core.runtime.PeerConfig, "target_outbound", 7),
    (_core.net.PeerManagerConfig, "max_outbound", 7),
]


@pytest.mark.parametrize(("cls", "field", "value"), CLASSES)
def test_keywords_repr_equality_copy(cls, field, value):
    c = cls(**{field: value})
    assert getattr(c, field) == value
    assert field in cls.fields
    assert f"{field}={value}" in repr(c)
    assert c == c.copy() and c != cls()
    d = c.copy()
    setattr(d, field, value + 1)
    assert getattr(c, field) == value  # a copy, not a view
    with pytest.raises(TypeError, match="unknown .*'no_such_field'"):
        cls(no_such_field=1)


@pytest.mark.parametrize(
    "cls", [_core.wire.DecodeLimits, _core.runtime.NodeLimits, _core.net.PeerManagerConfig]
)
def test_counts_are_checked_ints(cls):
    field = next(f for f in cls.fields if f.startswith("max_"))
    with pytest.raises(TypeError, match=f"{field} must be an int"):
        cls(**{field: "3"})
    with pytest.raises(ValueError, match=rf"{field} must be in \[0, 2\*\*64\)"):
        cls(**{field: -1})


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (_core.net.PeerManagerConfig, "handshake_timeout"),
        (_core.runtime.PeerConfig, "ping_interval"),
    ],
)
def test_durations_are_seconds_and_never_negative(cls, field):
    assert getattr(cls(**{field: 1.5}), field) == 1.5
    with pytest.raises(ValueError, match=f"{field} must be finite and >= 0 s"):
        cls(**{field: -1.0})
