"""JSON parsed with orjson (several times faster than the json module on lock files and the
1.8 MB of Kubernetes schema definitions), and with the json module for what orjson refuses
but JSON allows: integers beyond 64 bits."""

from __future__ import annotations

import json


def loads(raw: bytes):
    """Raises ValueError (json.JSONDecodeError) on text that is not JSON, as json.loads does."""
    import orjson

    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8")
        try:
            return json.loads(text)
        except RecursionError:  # nested deeper than orjson's 1,024 levels, too deep for json too
            raise json.JSONDecodeError("nested too deeply", text, 0) from None
