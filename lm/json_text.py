"""Decoding JSON data out of model text, with one-line reasons when it is not JSON.

Model output is only ever read as data here; nothing in it is executed.
"""

from __future__ import annotations

import json
from typing import Any


def decode_json(text: str, *, trailing_ok: bool = False) -> Any:
    """Decode `text` as JSON; raise ValueError with a one-line reason when it is not.

    With ``trailing_ok`` the value may be followed by other text (only the first value is read).
    """
    try:
        if trailing_ok:
            return json.JSONDecoder().raw_decode(text)[0]
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal longer than int() accepts
        raise ValueError(f"invalid JSON: {' '.join(str(exc).split())}") from None
