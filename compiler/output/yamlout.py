"""Write plain data as YAML: block style, keys in the order given, libyaml when present."""

from __future__ import annotations


def dump(obj) -> bytes:
    # Imported here, not with the module: a run whose output all comes from the cache dumps nothing.
    from compiler import libyaml

    return libyaml.dump(obj).encode("utf-8")
