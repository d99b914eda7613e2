"""Write plain data as YAML: block style, keys in the order given, libyaml when present."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _dumper():
    import yaml  # here, not at import: a run whose output all comes from the cache dumps nothing

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(obj) -> bytes:
    import yaml

    text = yaml.dump(obj, Dumper=_dumper(), sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096, indent=2)
    return text.encode("utf-8")
