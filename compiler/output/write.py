"""Write the output tree all at once, or not at all.

The new tree is written into a temporary directory beside the target and swapped in with
one atomic rename exchange (Linux renameat2), so a reader — Argo CD, a concurrent compile,
an interrupted run — sees the old tree or the new one, never a mix. Concurrent compiles
into the same target take turns on a lock file.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

from compiler.file_digests import FileDigests, read_bytes
from compiler.output.lock import LOCK_NAME

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` as {relative posix path: bytes}."""
    out: dict[str, bytes] = {}
    if not root.is_dir():
        return out
    for directory, _dirs, files in os.walk(root):
        rel_dir = os.path.relpath(directory, root)
        for name in files:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            with open(os.path.join(directory, name), "rb") as handle:
                out[rel] = handle.read()
    return dict(sorted(out.items()))


def diff_against(root: Path, new: Mapping[str, bytes], digests: FileDigests | None = None) -> dict[str, list[str]]:
    """Files of `new` added or changed against the tree at `root`, and files it removes.

    Reads one old file at a time, so the old tree is never held in memory; none at all whose
    digest `digests` knows from an earlier run (and records the unchanged ones' for the next)."""
    return _diff(root, _scan(root)[0], new, digests)


def _diff(root: Path, present: dict[str, os.stat_result | None], new: Mapping[str, bytes],
          digests: FileDigests | None) -> dict[str, list[str]]:
    from compiler.cache import digest as digest_of

    added, changed, compare = [], [], []
    token_of = getattr(new, "token", None) if digests else None  # an OutputTree's
    for rel in new:
        if rel not in present:
            added.append(rel)
        elif present[rel] is None:  # a link is replaced by the file
            changed.append(rel)
        else:
            token = token_of(rel) if token_of else None
            if token is None or not digests.holds(rel, present[rel], token):  # else unchanged, not even loaded
                compare.append((rel, token))
    _load(new, [rel for rel, _ in compare])
    base = str(root)
    for rel, token in compare:
        content, st = new[rel], present[rel]
        if st.st_size != len(content):
            changed.append(rel)
            continue
        known = digests.known(rel, st) if digests else None
        new_digest = digest_of(content) if digests else ""
        if known is not None:
            same = known == new_digest
        else:
            same = read_bytes(f"{base}/{rel}", st.st_size) == content
        if not same:
            changed.append(rel)
        elif digests:
            digests.note(rel, st, new_digest, token)
    return {"added": sorted(added), "changed": sorted(changed), "removed": sorted(present.keys() - new.keys())}


def _load(tree: Mapping[str, bytes], paths: list[str]) -> None:
    """Load what `paths` of an OutputTree are still in the cache, at once (not one query per
    file, and never from the writer threads)."""
    prefetch = getattr(tree, "prefetch", None)
    if prefetch:
        prefetch(paths)


def _scan(root: Path) -> tuple[dict[str, os.stat_result | None], bool]:
    """The files under `root` (relative path -> status; None for a symbolic link, never
    followed) and whether any entry is a symbolic link."""
    files: dict[str, os.stat_result | None] = {}
    links = root.is_symlink()
    pending = [("", str(root))] if root.is_dir() else []
    while pending:
        prefix, directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_symlink():
                    links = True
                    files[prefix + entry.name] = None
                elif entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    files[prefix + entry.name] = entry.stat(follow_symlinks=False)
    return files, links


@contextmanager
def _exclusive(target: Path):
    """One writer of `target` at a time: a lock on the directory that holds it, which writes
    nothing (a lock file would show in `git status` inside the repository, and be left behind
    outside it). The lock goes with the descriptor, so a killed run holds it no longer."""
    import fcntl

    fd = os.open(target.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def _signals_deferred():
    """SIGINT/SIGTERM during the swap are held until it is done, then re-raised."""
    pending: list[int] = []
    previous = {}

    def hold(signum, _frame):
        pending.append(signum)

    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, hold)
    except ValueError:  # not the main thread: nothing to defer
        previous = {}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in pending:
            os.kill(os.getpid(), sig)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the kernel or libc cannot."""
    import ctypes  # only a whole-tree write swaps

    # The symbols already loaded into the process, libc's among them (no library search).
    fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _safe(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts)


@contextmanager
def _terminate_as_interrupt():
    """SIGTERM unwinds like Ctrl-C, so the staging directory is removed on the way out."""
    def raise_interrupt(_signum, _frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, raise_interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# Below this many changed paths (and this share of the tree), only they are replaced.
INCREMENTAL_MAX = 200
INCREMENTAL_SHARE = 0.2
_JOURNAL = ".infc-journal.json"


def write_tree(target: Path, tree: Mapping[str, bytes], digests: FileDigests | None = None) -> dict[str, list[str]]:
    """Make `target` hold exactly `tree`, atomically as far as any reader or signal can tell;
    returns what changed (as `diff_against`, computed under the write lock, with `digests`).

    When few files change, only they are moved in (lock files last) under deferred signals,
    after a journal that a later run rolls forward if the process died in between. Otherwise
    the whole tree is built aside, unchanged files hard-linked from the current one, and
    swapped in with one rename exchange."""
    unsafe = sorted(rel for rel in tree if not _safe(rel))
    if unsafe:  # names are validated long before; this guards the file system regardless
        raise ValueError(f"refusing to write outside the output directory: {unsafe[0]!r}")
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _terminate_as_interrupt(), _exclusive(target):
        _recover(target)
        present, has_links = _scan(target)
        changes = _diff(target, present, tree, digests)
        touched = changes["added"] + changes["changed"]
        count = len(touched) + len(changes["removed"])
        if not count:
            return changes
        if has_links:  # a link committed into the output must not lead writes elsewhere
            _write_whole(target, tree, set())
        elif target.is_dir() and count <= min(INCREMENTAL_MAX, INCREMENTAL_SHARE * len(tree)):
            _load(tree, touched)
            _write_incremental(target, tree, touched, changes["removed"])
        else:
            _write_whole(target, tree, set(tree) - set(touched))
        return changes


def _remove(path: Path) -> None:
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _staging(target: Path) -> Path:
    with _signals_deferred():
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.infc-new-", dir=target.parent))


# From this many files the new tree is written by several threads: creating a file is mostly
# kernel work (inode and directory entry), which runs in parallel while Python waits.
THREADED_FROM = 200
MAX_WRITERS = 4


def _write_files(staging: Path, tree: Mapping[str, bytes], paths, link_from: Path | None = None,
                 unchanged: set[str] = frozenset()) -> None:
    paths = list(paths)
    writers = min(os.cpu_count() or 1, MAX_WRITERS)
    if len(paths) < THREADED_FROM or writers < 2:
        _write_some(staging, tree, paths, link_from, unchanged)
        return
    import threading
    from concurrent.futures import ThreadPoolExecutor

    # Contiguous shares of the sorted paths: each thread makes mostly its own directories.
    paths.sort()
    size = -(-len(paths) // writers)
    stop = threading.Event()
    pool = ThreadPoolExecutor(writers)
    try:
        futures = [pool.submit(_write_some, staging, tree, paths[i:i + size], link_from, unchanged, stop)
                   for i in range(0, len(paths), size)]
        for future in futures:
            future.result()
    except BaseException:
        stop.set()  # an interrupt or a failed write: the others stop before the staging is removed
        with _signals_deferred():
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _write_some(staging: Path, tree: Mapping[str, bytes], paths: list[str], link_from: Path | None,
                unchanged: set[str], stop=None) -> None:
    made: set[str] = set()
    for rel in paths:
        if stop is not None and stop.is_set():
            return
        parent = os.path.dirname(rel)
        if parent not in made:
            os.makedirs(staging / parent, exist_ok=True)
            made.add(parent)
        if link_from is not None and rel in unchanged:
            try:
                os.link(link_from / rel, staging / rel)
                continue
            except OSError:
                pass  # another file system, or the file went away: write it
        # Atomicity comes from the final renames; durability is git's business.
        with open(staging / rel, "wb") as handle:
            handle.write(tree[rel])


def _write_whole(target: Path, tree: Mapping[str, bytes], unchanged: set[str]) -> None:
    _load(tree, list(tree))  # an unchanged file that cannot be linked is written
    staging = _staging(target)
    try:
        _write_files(staging, tree, tree, target, unchanged)
        os.chmod(staging, 0o755)
    except BaseException:
        with _signals_deferred():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    # From here on a signal waits: the swap and the removal of the old tree run to the end.
    with _signals_deferred():
        if not target.exists():
            os.rename(staging, target)
        elif _exchange(staging, target):
            _remove(staging)  # now holds the old tree
        else:
            old = target.parent / f".{target.name}.infc-old"
            if old.exists() or old.is_symlink():
                _remove(old)
            os.rename(target, old)
            os.rename(staging, target)
            _remove(old)


def _write_incremental(target: Path, tree: Mapping[str, bytes], touched: list[str], removed: list[str]) -> None:
    staging = _staging(target)
    try:
        _write_files(staging, tree, touched)
        # Lock files move last: a tree whose lock is new is complete.
        order = sorted(touched, key=lambda rel: (rel.endswith(LOCK_NAME), rel))
        (staging / _JOURNAL).write_text(json.dumps({"move": order, "remove": sorted(removed)}))
    except BaseException:
        with _signals_deferred():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    with _signals_deferred():
        _commit(target, staging)


def _commit(target: Path, staging: Path) -> None:
    """Apply a journal: move each staged file over its target, remove the removed ones."""
    journal = json.loads((staging / _JOURNAL).read_text())
    for rel in journal["remove"]:
        path = target / rel
        path.unlink(missing_ok=True)
        _prune_empty(path.parent, target)
    for rel in journal["move"]:
        source = staging / rel
        if source.exists():  # a rolled-forward journal may have moved it already
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target / rel)
    shutil.rmtree(staging, ignore_errors=True)


def _prune_empty(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _recover(target: Path) -> None:
    """Finish what a killed run left: roll a committed journal forward, drop unfinished staging."""
    for leftover in sorted(target.parent.glob(f".{target.name}.infc-new-*")):
        with _signals_deferred():
            if (leftover / _JOURNAL).is_file() and target.is_dir():
                _commit(target, leftover)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
