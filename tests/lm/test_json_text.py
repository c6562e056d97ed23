"""decode_json: model text read as JSON data, with one-line reasons on failure."""

import pytest

from lm.json_text import decode_json


def test_whole_text_must_be_json_unless_trailing_is_allowed():
    text = '{"a": [1, 2]} and then {"b": 3}'
    with pytest.raises(ValueError, match=r"^invalid JSON: Extra data at position 14$"):
        decode_json(text)
    assert decode_json(text, trailing_ok=True) == {"a": [1, 2]}


@pytest.mark.parametrize(
    "text,reason",
    [
        ('{"a": 1,}', "invalid JSON: Expecting property name enclosed in double quotes at position 8"),
        ("[" * 100000 + "]" * 100000, "invalid JSON: nested too deeply"),
        ('{"n": ' + "9" * 5000 + "}", "invalid JSON: Exceeds the limit"),
    ],
)
@pytest.mark.parametrize("trailing_ok", [False, True])
def test_bad_json_gets_one_line_reason(text, reason, trailing_ok):
    with pytest.raises(ValueError) as err:
        decode_json(text, trailing_ok=trailing_ok)
    assert str(err.value).startswith(reason)
    assert "\n" not in str(err.value)
