"""JSON paths of nodes inside a manifest, written the way kubectl and Knative print them."""

from __future__ import annotations

import re
from typing import Any, Iterable

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\Z")

JsonPath = tuple  # keys (str) and list indices (int)


def dotted(path: Iterable[Any]) -> str:
    """('spec', 'containers', 0, 'ports') -> 'spec.containers[0].ports'.

    Keys that are not plain identifiers (annotation keys such as
    `autoscaling.knative.dev/min-scale`) are written as `["..."]`.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out or "(document)"


def from_pointer(pointer: str) -> JsonPath:
    """A JSON pointer ('/spec/replicas', as kubeconform prints it) -> a path tuple."""
    if not pointer or pointer == "/":
        return ()
    parts: list[Any] = []
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def get(data: Any, path: JsonPath, default: Any = None) -> Any:
    """The value at `path`, or `default` when any step is missing or of the wrong type."""
    node = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return default
        elif not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node
