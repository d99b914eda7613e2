"""Content digests of files, taken from an earlier run while a file's status says it is unchanged.

As git's index does: a file whose size, modification and change times and inode are those
recorded, is not read again. A file is recorded only once its times are older than the run
by a safe margin, so that a write in the same clock tick as the recording (same size, same
timestamps, new content) can never be mistaken for no change. The change time cannot be set
from user space, so restoring a file's modification time does not hide an edit either.
"""

from __future__ import annotations

import hashlib
import os
import time

# File times come from a coarse kernel clock; two seconds also cover file systems that
# store times to the second.
SAFE_AGE_NS = 2_000_000_000


def content_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_bytes(path: str, size: int) -> bytes:
    """The content of the file at `path`, whose status gave `size`: one read of the descriptor,
    half the cost of open() and its buffered file object (a run that finds every file of
    a fresh checkout unknown reads 30,000 of them). Raises OSError as open() does."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, size + 1)
        if len(data) == size:
            return data
        parts = [data]  # changed since its status was taken, or a short read: read to the end
        while chunk := os.read(fd, 1 << 16):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def status_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


class FileDigests:
    """`recorded`: {name: (status key, digest[, token])} of an earlier run; `current` is what
    this run may record for the next one. A token names the content without its bytes (an
    output file's render and revision, compiler/output/tree.py)."""

    def __init__(self, recorded: dict | None = None):
        self.recorded: dict = recorded or {}
        self.current: dict = {}
        self._now = time.time_ns()
        self._cache, self._key = None, ""

    @classmethod
    def cached(cls, cache, key: str) -> "FileDigests":
        """What an earlier run saved under `key` in `cache` (compiler.cache.Cache, or None)."""
        digests = cls(cache.get("file-digests", key) if cache else None)
        digests._cache, digests._key = cache, key
        return digests

    def save(self) -> None:
        """Keep `current` in the cache for the next run."""
        store(self._cache, self._key, self.current if self.changed else None)

    def known(self, name: str, st: os.stat_result) -> str | None:
        """The digest recorded for `name`, if its status is unchanged since (then the entry
        holds for the next run too)."""
        entry = self.recorded.get(name)
        if entry is None or entry[0] != status_key(st):
            return None
        self.current[name] = entry
        return entry[1]

    def holds(self, name: str, st: os.stat_result, token: str) -> bool:
        """Whether `name` still has the content `token` names: its status is unchanged since
        that content was recorded for it (then the entry holds for the next run too)."""
        entry = self.recorded.get(name)
        return entry is not None and entry[2:] == (token,) and self.known(name, st) is not None

    def note(self, name: str, st: os.stat_result, digest: str, token: str | None = None) -> None:
        """`digest` (and `token`, if any) is the content of `name` as `st` describes it (stat
        taken before reading). A file changed too recently keeps its earlier entry, which no
        longer matches its status and so is harmless: the runs right after an edit do not
        rewrite the whole record."""
        if max(st.st_mtime_ns, st.st_ctime_ns) < self._now - SAFE_AGE_NS:
            self.current[name] = (status_key(st), digest, token) if token else (status_key(st), digest)
        elif name in self.recorded:
            self.current[name] = self.recorded[name]

    @property
    def changed(self) -> bool:
        return self.current != self.recorded


def store(cache, key: str, record: dict | None) -> None:
    """Keep `record` in `cache` under `key` for the next run (None: the one recorded holds)."""
    if cache is None:
        return
    if record is not None:
        cache.put("file-digests", key, record)
    else:
        cache.keep("file-digests", key)
