"""`infc serve`: a resident process that runs infc commands without the cost of starting.

Every infc run pays for Python, its imports, the validators pydantic builds and the schemas
and templates it compiles before it reads a single file of the repository: about 0.3 s,
most of a check or recompile after a one-line edit. The server pays it once: it imports everything
and makes a few runs on a starter repository, then forks a copy of itself for each run the
`infc` launcher hands it (compiler/launch.py). The copy takes the launcher's standard
streams, arguments, directory, environment and umask, runs the command line as the launcher
would have, and reports the exit code. Nothing of a run survives it, so a served run is a
fresh run in all but its start-up.

The socket is the user's own (mode 0600, and the peer's uid is checked where the system
tells it). A server declines every run once infc's code or a library it uses has changed on
disk, and ends; the launcher then runs the command itself. It also ends after a time without
runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import signal
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path

from compiler.launch import HEADER, PING, RUN, STOP, request
from compiler.user_dirs import SOCKET_PATH_MAX, server_socket


class ServeError(Exception):
    """Why the server cannot start (a message for the user)."""


def serve(idle_minutes: float, announce=print) -> None:
    """Warm up, listen on this installation's socket and hand out runs until idle or stopped."""
    path = server_socket()
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise ServeError(f"the socket path {path} is too long for the system; "
                         "set INFC_CACHE_DIR to a shorter directory")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # Held for the server's life: of two servers started at once (two editor windows), one serves.
    claim = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(claim)
        raise ServeError(f"a server is already running on {path}") from None
    fingerprint = warm_up()
    signal.signal(signal.SIGTERM, _end)
    signal.signal(signal.SIGHUP, _end)
    listener = None
    try:
        listener, inode = _listen(path)
        announce(f"infc: serving on {path} (pid {os.getpid()}); idle after {idle_minutes:g} min, "
                 "`infc serve --stop` ends it")
        _loop(listener, claim, fingerprint, idle_minutes * 60)
    except KeyboardInterrupt:  # Ctrl-C in the foreground, SIGTERM, SIGHUP: end as when idle
        pass
    finally:
        if listener is not None:
            _remove(listener, path, inode)
        os.close(claim)


def ping(path: str) -> int | None:
    """The pid of the server answering on `path`, if one does."""
    reply = _ask(path, PING)
    return int(reply[5:]) if reply.startswith(b"pong ") else None


def stop(path: str) -> int | None:
    """Ask the server on `path` to end; its pid, or None when none answered."""
    reply = _ask(path, STOP)
    return int(reply[5:]) if reply.startswith(b"stop ") else None


def _ask(path: str, kind: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        try:
            sock.connect(path)
            sock.sendall(request(kind))
            return sock.makefile("rb").readline()
        except OSError:
            return b""


def warm_up() -> str:
    """Import every module and make the runs whose first use builds validators, schemas and
    templates, so that forked runs find them built. Returns the code fingerprint served."""
    import importlib
    import pkgutil

    import compiler
    from compiler.cache import code_fingerprint

    for module in pkgutil.walk_packages(compiler.__path__, "compiler."):
        if not module.name.startswith(("compiler.templates", "compiler.policies")):
            importlib.import_module(module.name)
    from compiler.cli import run
    from compiler.starter import write_starter

    saved = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory(prefix="infc-serve-") as scratch:
            repo = Path(scratch) / "repo"
            written = write_starter(repo)
            workload = next(str(repo / f) for f in written if str(f).startswith("workloads/"))
            os.environ["INFC_CACHE_DIR"] = str(Path(scratch) / "cache")
            os.environ["NO_COLOR"] = "1"
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                for args in (["compile", str(repo)], ["check", workload, "--repo", str(repo)],
                             ["validate", str(repo / "deploy")], ["plan", str(repo)], ["quota", str(repo)],
                             ["endpoints", str(repo)]):
                    run(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code_fingerprint()


def _listen(path: str) -> tuple[socket.socket, int]:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a socket left by a server that did not end cleanly (its lock was free)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)  # the socket is the user's alone
    try:
        listener.bind(path)
    finally:
        os.umask(umask)
    listener.listen(64)
    return listener, os.stat(path).st_ino


def _remove(listener: socket.socket, path: str, inode: int) -> None:
    listener.close()
    with contextlib.suppress(OSError):
        if os.stat(path).st_ino == inode:  # not a socket another server has bound since
            os.unlink(path)


def _loop(listener: socket.socket, claim: int, fingerprint: str, idle_seconds: float) -> None:
    import gc

    # Freeze what the warm-up built: forked runs neither collect nor copy it.
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # runs are reaped by the system
    listener.settimeout(idle_seconds)
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            return
        with conn:
            conn.settimeout(5)  # a client that does not send its request is dropped, not waited for
            if not _answer(conn, listener, claim, fingerprint):
                return


def _answer(conn: socket.socket, listener: socket.socket, claim: int, fingerprint: str) -> bool:
    """Answer one request; False when the server should end."""
    from compiler.cache import code_fingerprint

    try:
        kind, body, fds = _receive(conn)
    except (OSError, ValueError):
        return True
    try:
        if not _same_user(conn):
            return True
        if kind == PING:
            conn.sendall(b"pong %d\n" % os.getpid())
        elif kind == STOP:
            conn.sendall(b"stop %d\n" % os.getpid())
            return False
        elif kind == RUN:
            # An edit or upgrade of infc or of a library it uses: what the server has loaded
            # is stale. The launcher runs the command itself; the server ends.
            if code_fingerprint.__wrapped__() != fingerprint:
                conn.sendall(b"stale\n")
                return False
            if os.fork() == 0:
                listener.close()
                os.close(claim)  # a run that outlives the server does not keep the next one out
                _run(conn, body, fds)  # never returns
    except OSError:
        pass
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
    return True


def _end(signum, _frame):
    raise KeyboardInterrupt


def _receive(conn: socket.socket) -> tuple[bytes, bytes, list[int]]:
    head, fds, _flags, _addr = socket.recv_fds(conn, HEADER, 3)
    try:
        while len(head) < HEADER:
            more = conn.recv(HEADER - len(head))
            if not more:
                raise ValueError("short request")
            head += more
        if head[:4] != b"INFC":
            raise ValueError("not a request")
        size = int(head[5:HEADER], 16)
        body = bytearray()
        while len(body) < size:
            more = conn.recv(min(size - len(body), 1 << 20))
            if not more:
                raise ValueError("short request")
            body += more
    except BaseException:
        for fd in fds:  # a broken request's descriptors are not kept open
            os.close(fd)
        raise
    return head[4:5], bytes(body), fds


def _same_user(conn: socket.socket) -> bool:
    if not hasattr(socket, "SO_PEERCRED"):
        return True  # the socket file's mode keeps other users out
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _run(conn: socket.socket, body: bytes, fds: list[int]) -> None:
    """In the forked copy: become the launcher's run, run, report the exit code, end."""
    code = 3
    try:
        fields = body.decode("utf-8", "surrogateescape").split("\0")
        cwd, umask, out_enc, err_enc, argc = fields[:5]
        argv = fields[5:5 + int(argc)]
        env = dict(entry.split("=", 1) for entry in fields[5 + int(argc):] if "=" in entry)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in set(fds) - {0, 1, 2}:
            os.close(fd)
        os.chdir(cwd)
        os.umask(int(umask, 8))
        os.environ.clear()
        os.environ.update(env)
        tempfile.tempdir = None  # chosen again from this run's TMPDIR
        time.tzset()
        sys.stdin = sys.__stdin__ = open(0, "r", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding=out_enc, closefd=False,
                                           buffering=1 if os.isatty(1) else -1)
        sys.stderr = sys.__stderr__ = open(2, "w", encoding=err_enc, closefd=False, buffering=1)
        sys.argv = argv
        conn.sendall(b"pid %d\n" % os.getpid())
        from compiler.cli import run

        code = run(argv[1:])
    except KeyboardInterrupt:  # a forwarded Ctrl-C before the command began
        code = 130
    finally:
        with contextlib.suppress(OSError):
            conn.sendall(b"exit %d\n" % code)
        os._exit(code)


def wait_until_serving(path: str, seconds: float) -> bool:
    """Wait up to `seconds` for a server to answer on `path` (after `infc serve --detach`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ping(path):
            return True
        time.sleep(0.1)
    return False
