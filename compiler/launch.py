"""The `infc` executable. When a resident `infc serve` is up for this installation, the run is
handed to it (it has everything imported and built already: compiler/server.py); otherwise,
or when it declines, the run happens here. Imports nothing heavy: this is all a served run
loads.

The server receives this process's standard streams themselves (file descriptors passed over
the socket), its arguments, working directory, environment and umask, so a served run reads,
writes and exits exactly as one run here would. Signals sent to this process (Ctrl-C, a CI
runner's SIGTERM) are passed on to the run.
"""

from __future__ import annotations

import os
import sys

HEADER = 13  # b"INFC", one letter for the request, the body's length in 8 hex digits
RUN, PING, STOP = b"R", b"P", b"S"
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] != "serve":
        try:
            code = served(sys.argv)
        except KeyboardInterrupt:  # Ctrl-C while handing the run over
            code = 130
        if code is not None:
            os._exit(code)
    from compiler.cli import main as run_here

    run_here()


def request(kind: bytes, body: bytes = b"") -> bytes:
    return b"INFC" + kind + b"%08x" % len(body) + body


def served(argv: list[str]) -> int | None:
    """The exit code of the run as the server made it, or None when no server took it.

    INFC_SERVER=off never hands a run over; INFC_SERVER=auto starts a server in the
    background when none took the run (this run is made here, the next ones there)."""
    mode = os.environ.get("INFC_SERVER", "")
    if os.name != "posix" or mode == "off":
        return None
    from compiler.user_dirs import server_socket

    path = server_socket()
    try:
        owner = os.stat(path).st_uid
    except OSError:
        owner = None
    if owner is not None and owner != os.getuid():
        # Another user's socket, in a cache directory they can write to: they must not receive
        # this run's environment and streams.
        return None
    code = _hand_over(path, argv) if owner is not None else None
    if code is None and mode == "auto":
        _start_server()
    return code


def _hand_over(path: str, argv: list[str]) -> int | None:
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        streams = _streams()
        message = request(RUN, _body(argv))
        socket.send_fds(sock, [message[:HEADER]], streams)
        sock.sendall(message[HEADER:])
        replies = sock.makefile("rb")
        accepted = replies.readline()
    except OSError:  # nobody listening (a server that ended), or it went away: run here
        return None
    if not accepted.startswith(b"pid "):
        return None  # the server declined (an edited or upgraded infc) and is ending: run here
    return _wait(int(accepted[4:]), replies)


def _start_server() -> None:
    """Start `infc serve` in the background, in a session of its own, and do not wait for it;
    of several started at once, one serves (compiler/server.py holds a lock)."""
    import subprocess

    from compiler.user_dirs import cache_dir

    # -I: not the working directory on the module path (it may be an untrusted checkout).
    subprocess.Popen([sys.executable, "-I", "-m", "compiler.launch", "serve"], cwd="/",
                     env={**os.environ, "INFC_CACHE_DIR": os.path.abspath(cache_dir())},
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def _wait(pid: int, replies) -> int:
    import signal

    received: list[int] = []

    def forward(signum, _frame):
        received.append(signum)
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for name in FORWARDED:
        signal.signal(getattr(signal, name), forward)
    try:
        last = replies.readline()
    except OSError:
        last = b""
    if last.startswith(b"exit "):
        return int(last[5:])
    if received:  # the run ended on the signal passed to it
        return 128 + received[-1]
    print("infc: internal error: the run in `infc serve` ended without an exit code; this is a bug in infc",
          file=sys.stderr)
    return 3


def _streams() -> list[int]:
    """Descriptors 0, 1, 2; one that is closed here is the null device there."""
    fds = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            fds.append(os.open(os.devnull, os.O_RDWR))
    return fds


def _body(argv: list[str]) -> bytes:
    umask = os.umask(0o022)
    os.umask(umask)
    # Only the encodings: each run sets its own error handler (compiler/cli.py run()).
    fields = [os.getcwd(), "%o" % umask, _encoding(sys.stdout), _encoding(sys.stderr), str(len(argv)), *argv]
    fields.extend(f"{k}={v}" for k, v in os.environ.items())
    return "\0".join(fields).encode("utf-8", "surrogateescape")


def _encoding(stream) -> str:
    return getattr(stream, "encoding", None) or "utf-8"


if __name__ == "__main__":  # pragma: no cover
    main()
