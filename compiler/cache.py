"""Content-hash cache: work that does not depend on a changed file is not redone.

Tables of one SQLite file under the user's cache directory (never in the repository):
- `documents`: file path and content digest -> parsed Documents and their diagnostics;
- `outlines`: the same key, for a file whose documents are all valid -> its typed objects
  (workloads by name only), so that an unchanged file is neither read back nor validated;
- `workloads`: a workload's document and every other kind's documents -> its WorkloadFacts
  and the findings of resolving, policing and checking it;
- `renders` / `emitted` / `cluster-objects` / `kustomizations` / `delivery`: digest of
  everything some manifests depend on -> the rendered files (and validation findings);
  `render-outcomes`: the same key -> a workload's spec hash, findings and file names without
  the files (for `infc check FILES`, which renders only those files' workloads, and for a
  compile, which loads a workload's files only to write them: compiler/output/tree.py);
- `repository-findings` / `rolling-findings`: what the repository rules read of every
  workload (and the old footprints of the changed ones) -> their findings and node pools;
- `config`, `baseline`, `policy-findings`: infc.yaml, the built-in policy, policies' own findings;
- `file-digests`: the status and content digest of each input and output file (see
  compiler/file_digests.py), so that unchanged files are not read to be hashed or compared;
- `check-memo`, `check-outlines`, `early-scan`: what `infc check FILES` remembers of the rest
  of the repository (compiler/check_files.py, compiler/load/early_scan.py).
Entries are keyed on content and on infc's own code (version plus a fingerprint of its
source files and of the libraries whose results it caches), so an upgrade of infc or of a
library, or a local edit of infc, never serves stale results. SQLite
keeps values on disk, so a 10,000-workload cache costs little memory. A damaged or
unreadable cache is treated as empty; `INFC_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from functools import lru_cache
from pathlib import Path

from compiler import __version__
from compiler.diagnostics import printable
from compiler.user_dirs import cache_dir

_FLUSH_EVERY = 500  # pending entries written per transaction, to bound memory
_BATCH = 500  # keys per query of get_many (SQLite allows 32,766 parameters)
_STALE_SHARE, _STALE_MIN = 0.25, 500  # unused entries tolerated, as a share of the used ones


# Libraries whose results are cached (parsed YAML, pickled models, renders, validation
# findings): upgrading one must not serve what the old version computed.
LIBRARIES = ("pydantic", "pydantic_core", "ruamel.yaml", "jinja2", "yaml", "jsonschema_rs",
             "kubernetes_validate", "orjson")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """infc's version, the size and mtime of each of its source and template files, and of
    the entry file of each library in LIBRARIES (found without importing it)."""
    from importlib.util import find_spec

    from compiler.resources import data_dir

    here = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for base in (here, data_dir("templates"), data_dir("policies")):
        for path in sorted(base.rglob("*")):
            if path.suffix in (".py", ".j2", ".yaml", ".json"):
                st = path.stat()
                h.update(os.fsencode(f"{path.relative_to(base)}:{st.st_size}:{st.st_mtime_ns}"))
    for name in LIBRARIES:
        spec = find_spec(name)
        if spec is not None and spec.origin and os.path.exists(spec.origin):
            st = os.stat(spec.origin)
            h.update(os.fsencode(f"{name}:{spec.origin}:{st.st_size}:{st.st_mtime_ns}"))  # any install path
    return h.hexdigest()[:16]


class Cache:
    """One repository's cache; entries this run did not use are dropped when it is saved."""

    def __init__(self, root: Path):
        self.enabled = os.environ.get("INFC_NO_CACHE", "") not in ("1", "true", "yes")
        repo_key = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
        self.path = Path(cache_dir()) / f"{repo_key}-{code_fingerprint()}.sqlite"
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, bytes]] = []
        self._used: set[tuple[str, str]] = set()
        self._wrote = False
        self._pid = os.getpid()
        self._inherited: list[sqlite3.Connection] = []
        # A run over part of the repository (`infc check FILES`) reads only what that part
        # needs: what it did not read is still the next compile's, so it never prunes.
        self.partial = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None and self._pid != os.getpid():
            # A forked worker (resolving a workload whose document is in the cache): SQLite
            # connections must not cross a fork. Open its own; keep the parent's unclosed.
            self._inherited.append(self._db)
            self._db, self._pid = None, os.getpid()
        if self._db is None and self.enabled:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                repo_key = self.path.name.split("-")[0]
                for old in self.path.parent.glob(f"{repo_key}-*.sqlite"):
                    if old != self.path:  # written by another version of infc: never read again
                        old.unlink(missing_ok=True)
                try:
                    self._db = self._open()
                except sqlite3.OperationalError:  # locked, read-only...: no cache this run
                    raise
                except sqlite3.DatabaseError:  # not a database (damaged): start afresh
                    self.path.unlink(missing_ok=True)
                    self._db = self._open()
            except (sqlite3.Error, OSError):
                self.enabled = False  # an unusable cache directory must not fail the run
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            # No fsync per transaction: a cache needs no durability (after a power loss a damaged
            # file is replaced, a damaged entry is a miss), and on a disk busy writing the output
            # tree each fsync can stall the run.
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE IF NOT EXISTS entries (tbl TEXT, key TEXT, value BLOB, "
                       "PRIMARY KEY (tbl, key))")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def get(self, table: str, key: str):
        return self.get_many(table, [key])[0]

    def get_many(self, table: str, keys: list[str]) -> list:
        """`get` of each key, in one query per few hundred keys (a query costs more than a row)."""
        db = self._connect()
        if db is None:
            return [None] * len(keys)
        keys = [printable(key) for key in keys]  # SQLite holds UTF-8 text; a path in a key may not be
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(keys), _BATCH):
                chunk = keys[start:start + _BATCH]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, value FROM entries WHERE tbl = ? AND key IN ({marks})",
                                        (table, *chunk)))
        except sqlite3.Error:
            return [None] * len(keys)
        out = []
        for key in keys:
            blob = found.get(key)
            try:
                value = pickle.loads(blob) if blob is not None else None
            except Exception:  # noqa: BLE001 - a damaged entry is a miss
                value = None
            if value is not None:
                self._used.add((table, key))
            out.append(value)
        return out

    def keep(self, table: str, key: str) -> None:
        """Keep an entry this run did not read (it may be read by a later run)."""
        self._used.add((table, printable(key)))

    def put(self, table: str, key: str, value) -> None:
        if not self.enabled:
            return
        key = printable(key)
        self._pending.append((table, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
        self._used.add((table, key))
        self._wrote = True
        if len(self._pending) >= _FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        db = self._connect()
        if db is None or not self._pending:
            self._pending.clear()
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", self._pending)
        except sqlite3.Error:
            self.enabled = False
        self._pending.clear()

    def save(self) -> None:
        """Write pending entries, and drop the ones this run did not use once they are more than
        a quarter of the cache (or 500): the cache never grows far beyond what one run reads,
        and most runs skip the cleanup. A run that added nothing, or a partial run, leaves the
        rest of the cache as it is."""
        wrote = self._wrote or bool(self._pending)
        self._flush()
        db = self._connect()
        if db is None:
            return
        try:
            if wrote and not self.partial:
                stale = db.execute("SELECT count(*) FROM entries").fetchone()[0] - len(self._used)
                if stale > max(_STALE_MIN, _STALE_SHARE * len(self._used)):
                    with db:
                        db.execute("CREATE TEMP TABLE IF NOT EXISTS used (tbl TEXT, key TEXT)")
                        db.execute("DELETE FROM used")
                        db.executemany("INSERT INTO used VALUES (?, ?)", sorted(self._used))
                        db.execute("DELETE FROM entries WHERE (tbl, key) NOT IN (SELECT tbl, key FROM used)")
            db.close()
        except sqlite3.Error:
            pass
        self._db = None


def cached(cache: Cache | None, table: str, key: str, compute):
    """`compute()`, or what it returned in an earlier run for the same key."""
    hit = cache.get(table, key) if cache else None
    if hit is None:
        hit = compute()
        if cache:
            cache.put(table, key, hit)
    return hit


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()
