"""Write plain data as YAML: block style, keys in the order given, libyaml when present."""

from __future__ import annotations


def dump(obj) -> bytes:
    # Imported here, not with the module: a run whose output all comes from the cache dumps nothing.
    import yaml

    from compiler.libyaml import Dumper

    text = yaml.dump(obj, Dumper=Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096, indent=2)
    return text.encode("utf-8")
