import p2pgossip


def test_decode_error_is_a_value_error():
    assert issubclass(p2pgossip.DecodeError, ValueError)
