"""Small helpers shared by the rule modules of this package (no rules here)."""

from __future__ import annotations

import re
from typing import Any, Iterator

# The spec's own name rules, which the rules import from here.
from compiler.spec.base import DNS1123_LABEL, dns_subdomain_ok, qualified_name_ok  # noqa: F401

# The storage lists of the spec and, for each, the field holding the container mount path.
MOUNT_PATH_FIELD = {
    "pvc": "path",
    "configMapVolume": "mountPath",
    "secretVolume": "mountPath",
    "emptyDirVolume": "path",
    "hostPath": "mountPath",
    "nfs": "mountPath",
    "git": "path",
    "s3": "path",
}

IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?\Z")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*\Z")


LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?\Z")


def label_value_ok(value: str) -> bool:
    """A Kubernetes label value (also a toleration's value): empty, or at most 63 characters."""
    return len(value) <= 63 and bool(LABEL_VALUE.match(value))


def items(spec_list: list | None) -> Iterator[tuple[int, Any]]:
    """(index, item) over an effective itemized list; indices match provenance paths."""
    for i, item in enumerate(spec_list or []):
        if not getattr(item, "exclude", False):
            yield i, item


def storage_items(spec) -> Iterator[tuple[str, int, Any]]:
    """(list name, index, item) over every storage list of the effective spec."""
    storage = spec.storage
    if storage is None:
        return
    for list_name in MOUNT_PATH_FIELD:
        for i, item in items(getattr(storage, list_name, None)):
            yield list_name, i, item


def gib(num_bytes: float) -> float:
    return num_bytes / 2**30


def fmt_gib(num_bytes: float) -> str:
    """GiB with one decimal, or none when whole: 80 GiB, 131.5 GiB."""
    value = round(gib(num_bytes), 1)
    return f"{value:g} GiB" if value == int(value) else f"{value:.1f} GiB"
