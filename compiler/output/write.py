"""Write the output tree all at once, or not at all.

The new tree is written into a temporary directory beside the target and swapped in with
one atomic rename exchange (Linux renameat2), so a reader — Argo CD, a concurrent compile,
an interrupted run — sees the old tree or the new one, never a mix. Concurrent compiles
into the same target take turns on a lock file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

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


def diff_against(root: Path, new: dict[str, bytes]) -> dict[str, list[str]]:
    """Files of `new` added or changed against the tree at `root`, and files it removes.

    Reads one old file at a time, so the old tree is never held in memory."""
    added, changed, present = [], [], set()
    for directory, _dirs, files in os.walk(root):
        rel_dir = os.path.relpath(directory, root)
        for name in files:
            present.add(name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/"))
    for rel, content in new.items():
        if rel not in present:
            added.append(rel)
            continue
        path = root / rel
        if path.stat().st_size != len(content) or path.read_bytes() != content:
            changed.append(rel)
    return {"added": sorted(added), "changed": sorted(changed), "removed": sorted(present - set(new))}


@contextmanager
def _exclusive(target: Path):
    import fcntl

    import hashlib

    # Kept outside the repository so that it never shows up in `git status`.
    digest = hashlib.sha256(str(target).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"infc-{digest}.lock"
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
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


def write_tree(target: Path, tree: dict[str, bytes], unchanged: frozenset[str] | set[str] = frozenset()) -> None:
    """Replace `target` with `tree`. Files listed in `unchanged` are hard-linked from the
    current tree instead of written again (files are never modified in place, so sharing
    an inode between the old and the new tree is safe)."""
    unsafe = sorted(rel for rel in tree if not _safe(rel))
    if unsafe:  # names are validated long before; this guards the file system regardless
        raise ValueError(f"refusing to write outside the output directory: {unsafe[0]!r}")
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _terminate_as_interrupt(), _exclusive(target):
        with _signals_deferred():
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.infc-new-", dir=target.parent))
        try:
            made: set[str] = set()
            for rel, content in tree.items():
                parent = os.path.dirname(rel)
                if parent not in made:
                    os.makedirs(staging / parent, exist_ok=True)
                    made.add(parent)
                if rel in unchanged:
                    try:
                        os.link(target / rel, staging / rel)
                        continue
                    except OSError:
                        pass  # another file system, or the file went away: write it
                # Atomicity comes from the final rename; durability is git's business.
                with open(staging / rel, "wb") as handle:
                    handle.write(content)
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
                shutil.rmtree(staging, ignore_errors=True)  # now holds the old tree
            else:
                old = target.parent / f".{target.name}.infc-old"
                shutil.rmtree(old, ignore_errors=True)
                os.rename(target, old)
                os.rename(staging, target)
                shutil.rmtree(old, ignore_errors=True)
