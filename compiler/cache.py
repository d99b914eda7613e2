"""Content-hash cache: work that does not depend on a changed file is not redone.

Two tables, each a pickle under the user's cache directory (never in the repository):
- `documents`: file content digest -> parsed Documents and their diagnostics;
- `renders`: digest of everything one workload's manifests depend on -> the rendered files.
Entries are keyed on content and on infc's own code (version plus a fingerprint of its
source files), so an upgrade or a local edit of infc never serves stale results. A damaged
or unreadable cache is ignored; `INFC_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

from compiler import __version__


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """infc's version and the size and mtime of each of its source and template files."""
    here = Path(__file__).resolve().parent
    from compiler.resources import data_dir

    h = hashlib.sha256(__version__.encode())
    for base in (here, data_dir("templates"), data_dir("policies")):
        for path in sorted(base.rglob("*")):
            if path.suffix in (".py", ".j2", ".yaml", ".json"):
                st = path.stat()
                h.update(f"{path.relative_to(base)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    if os.environ.get("INFC_CACHE_DIR"):
        return Path(os.environ["INFC_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "infc"


class Cache:
    """One repository's cache tables; load once, save only what changed."""

    def __init__(self, root: Path):
        self.enabled = os.environ.get("INFC_NO_CACHE", "") not in ("1", "true", "yes")
        key = hashlib.sha256(f"{root.resolve()}|{code_fingerprint()}".encode()).hexdigest()[:20]
        self.dir = cache_dir() / key
        self.tables: dict[str, dict] = {}
        self.used: dict[str, set] = {}
        self.dirty: set[str] = set()

    def table(self, name: str) -> dict:
        if name not in self.tables:
            data: dict = {}
            if self.enabled:
                try:
                    with open(self.dir / f"{name}.pickle", "rb") as handle:
                        loaded = pickle.load(handle)
                    data = loaded if isinstance(loaded, dict) else {}
                except Exception:  # noqa: BLE001 - a missing or damaged cache is just empty
                    data = {}
            self.tables[name] = data
            self.used[name] = set()
        return self.tables[name]

    def get(self, name: str, key: str):
        table = self.table(name)
        if key in table:
            self.used[name].add(key)
            return table[key]
        return None

    def put(self, name: str, key: str, value) -> None:
        self.table(name)[key] = value
        self.used[name].add(key)
        self.dirty.add(name)

    def save(self) -> None:
        """Write changed tables, keeping only the entries this run used (no unbounded growth)."""
        if not self.enabled:
            return
        for name in sorted(self.tables):
            table = self.tables[name]
            if name not in self.dirty and len(self.used[name]) == len(table):
                continue
            kept = {k: table[k] for k in self.used[name]}
            try:
                self.dir.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{name}.")
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.dir / f"{name}.pickle")
            except OSError:
                pass  # a read-only home directory must not fail the compile


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()
