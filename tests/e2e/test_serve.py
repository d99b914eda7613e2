"""`infc serve`: runs handed to a resident server behave exactly as runs of their own."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from compiler.output.write import read_tree
from support import infc_command, run_infc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the server passes file descriptors over a Unix socket")
INFC = infc_command()


@pytest.fixture
def served():
    """A server of its own (its own short cache directory: socket paths are short); the
    environment that reaches it."""
    cache = tempfile.mkdtemp(prefix="infc-serve-test-")
    env = {**os.environ, "INFC_CACHE_DIR": cache, "NO_COLOR": "1"}
    server = subprocess.Popen([*INFC, "serve", "--idle", "5"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            if any(Path(cache).glob("serve-*.sock")):  # bound and listening
                break
            assert server.poll() is None, server.stderr.read()
            time.sleep(0.1)
        yield env
    finally:
        subprocess.run([*INFC, "serve", "--stop"], env=env, capture_output=True, timeout=30)
        try:
            server.wait(timeout=30)
        finally:
            server.kill()
            shutil.rmtree(cache, ignore_errors=True)


def _poisoned(tmp_path: Path, env: dict) -> dict:
    """The environment with click and pydantic made unimportable: a run that still works was
    not made by this process but by the server, which loaded them before."""
    poison = tmp_path / "poison"
    poison.mkdir()
    for name in ("click", "pydantic"):
        (poison / f"{name}.py").write_text("raise ImportError('not in the launcher')\n")
    return {**env, "PYTHONPATH": str(poison)}


def _same(a: subprocess.CompletedProcess, b: subprocess.CompletedProcess, here: str, there: str) -> None:
    assert (a.returncode, a.stdout.replace(here, there), a.stderr.replace(here, there)) == \
        (b.returncode, b.stdout, b.stderr)


def test_a_served_run_prints_writes_and_exits_as_a_run_of_its_own(served, example_copy: Path, tmp_path: Path):
    twin = tmp_path / "twin"
    shutil.copytree(example_copy, twin)
    poisoned = _poisoned(tmp_path, served)
    here_env = {**served, "INFC_SERVER": "off"}
    workload = "workloads/nlp/llama-chat.yaml"
    for args in (["compile", "."], ["compile", ".", "--format", "json"], ["quota", "."], ["check", workload],
                 ["bogus-command"], ["compile", ".", "--check"]):
        a = run_infc(*args, cwd=example_copy, env=poisoned)
        b = run_infc(*args, cwd=twin, env=here_env)
        assert "not in the launcher" not in a.stderr
        _same(a, b, str(example_copy), str(twin))
    assert read_tree(example_copy / "deploy") == read_tree(twin / "deploy")
    # Standard input reaches the run: `validate -` of a manifest with an invalid field.
    service = next((twin / "deploy").rglob("service.yaml")).read_text().replace("containers:", "containerz:", 1)
    a = run_infc("validate", "-", cwd=example_copy, env=poisoned, input=service)
    b = run_infc("validate", "-", cwd=twin, env=here_env, input=service)
    assert a.returncode == 1 and "containerz" in a.stdout
    _same(a, b, str(example_copy), str(twin))
    # An input error: the same diagnostics and exit code, and nothing written.
    written = read_tree(example_copy / "deploy")
    for repo in (example_copy, twin):
        path = repo / workload
        path.write_text(path.read_text().replace("maxModelLen: 8192", "maxModelLen: lots"))
    a = run_infc("compile", cwd=example_copy, env=poisoned)
    b = run_infc("compile", cwd=twin, env=here_env)
    assert a.returncode == 1 and "maxModelLen" in a.stdout
    _same(a, b, str(example_copy), str(twin))
    assert read_tree(example_copy / "deploy") == written


def test_a_served_run_takes_the_callers_umask_and_closed_streams(served, example_copy: Path, tmp_path: Path):
    poisoned = _poisoned(tmp_path, served)
    done = subprocess.run(f"umask 077; exec {shlex.join(INFC)} compile . >&-", shell=True, cwd=example_copy, env=poisoned,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "not in the launcher" not in done.stderr
    service = next((example_copy / "deploy").rglob("service.yaml"))
    assert service.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_launcher_interrupts_the_served_run(served, tmp_path: Path, sig):
    env = {**_poisoned(tmp_path, served), "INFC_NO_CACHE": "1"}
    interrupted = 0
    for delay in (0.2, 0.5):
        repo = generate(tmp_path / f"repo-{delay}", 400)
        proc = subprocess.Popen([*INFC, "compile", str(repo)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 0:  # done before the signal: the whole tree
            assert len(read_tree(repo / "deploy")) > 400
            continue
        interrupted += 1
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and "interrupted" in err
        else:  # as a run of its own: ended by the signal, or (while writing) after the swap is undone
            assert proc.returncode in (130, 128 + sig)
        assert not (repo / "deploy").exists()  # an interrupted first compile leaves no tree at all
    assert interrupted


def test_a_server_of_an_edited_infc_declines_and_ends(served, example_copy: Path):
    """The launcher then runs the command itself; the stale server leaves its socket free."""
    from compiler import cache

    socket_path = next(Path(served["INFC_CACHE_DIR"]).glob("serve-*.sock"))
    source = Path(cache.__file__).parent / "explain.py"
    stat = source.stat()
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        result = run_infc("compile", str(example_copy), env=served)
        assert result.returncode == 0 and "no problems found" in result.stdout
        for _ in range(100):
            if not socket_path.exists():
                break
            time.sleep(0.05)
        assert not socket_path.exists()
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_serve_refuses_a_second_server_and_stop_ends_it(served):
    second = subprocess.run([*INFC, "serve"], env=served, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1 and "already running" in second.stderr
    status = subprocess.run([*INFC, "serve", "--status"], env=served, capture_output=True, text=True, timeout=30)
    assert status.returncode == 0 and "serving on" in status.stdout
    stopped = subprocess.run([*INFC, "serve", "--stop"], env=served, capture_output=True, text=True, timeout=30)
    assert stopped.returncode == 0 and "stopped the server" in stopped.stdout
    again = subprocess.run([*INFC, "serve", "--stop"], env=served, capture_output=True, text=True, timeout=30)
    assert "no server is running" in again.stdout
    status = subprocess.run([*INFC, "serve", "--status"], env=served, capture_output=True, text=True, timeout=30)
    assert status.returncode == 1 and "no server is running" in status.stdout


def test_a_server_ends_on_sigterm_or_when_idle_and_leaves_no_socket(tmp_path: Path):
    cache = tempfile.mkdtemp(prefix="infc-serve-test-")
    env = {**os.environ, "INFC_CACHE_DIR": cache}
    try:
        for idle, ending in (("5", signal.SIGTERM), ("0.02", None)):  # 0.02 min: about a second
            server = subprocess.Popen([*INFC, "serve", "--idle", idle], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
            for _ in range(300):
                if "serving on" in (line := server.stderr.readline()):
                    break
            assert "serving on" in line
            assert list(Path(cache).glob("serve-*.sock"))
            if ending:
                server.send_signal(ending)
            assert server.wait(timeout=60) == 0
            assert not list(Path(cache).glob("serve-*.sock"))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_infc_server_off_runs_here_and_auto_starts_a_server_for_the_next_runs(served, example_copy: Path,
                                                                               tmp_path: Path):
    poisoned = _poisoned(tmp_path, served)
    assert run_infc("--version", env=poisoned).returncode == 0  # served
    here = run_infc("--version", env={**poisoned, "INFC_SERVER": "off"})
    assert here.returncode != 0 and "not in the launcher" in here.stderr
    cache = tempfile.mkdtemp(prefix="infc-serve-test-")
    auto = {**served, "INFC_CACHE_DIR": cache, "INFC_SERVER": "auto"}
    try:
        first = run_infc("compile", str(example_copy), env=auto)  # no server yet: made here, one is started
        assert first.returncode == 0 and "no problems found" in first.stdout
        for _ in range(300):
            if list(Path(cache).glob("serve-*.sock")):
                break
            time.sleep(0.1)
        again = run_infc("compile", str(example_copy), env={**auto, "PYTHONPATH": poisoned["PYTHONPATH"]})
        assert again.returncode == 0 and "no problems found" in again.stdout, again.stderr
    finally:
        subprocess.run([*INFC, "serve", "--stop"], env=auto, capture_output=True, timeout=30)
        shutil.rmtree(cache, ignore_errors=True)


def test_a_broken_request_leaves_the_server_serving(served, example_copy: Path, tmp_path: Path):
    import socket

    from compiler.server import ping

    path = str(next(Path(served["INFC_CACHE_DIR"]).glob("serve-*.sock")))
    descriptors = Path(f"/proc/{ping(path)}/fd")
    before = len(list(descriptors.iterdir())) if descriptors.is_dir() else None
    for garbage in (b"", b"GET / HTTP/1.1\r\n\r\n", b"INFCR0000zzzz", b"INFCR00000100short"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            if garbage:
                socket.send_fds(sock, [garbage], [0, 1, 2])
            sock.shutdown(socket.SHUT_WR)
            try:
                reply = sock.recv(100)
            except ConnectionResetError:  # closed with part of the request unread
                reply = b""
            assert reply == b""  # dropped without an answer
    if before is not None:  # the descriptors sent with broken requests were closed
        # (`before` may still count the ping's own connection)
        assert len(list(descriptors.iterdir())) <= before
    result = run_infc("compile", str(example_copy), env=_poisoned(tmp_path, served))
    assert result.returncode == 0 and "no problems found" in result.stdout


def test_serve_detach_returns_once_the_server_answers(example_copy: Path, tmp_path: Path):
    cache = tempfile.mkdtemp(prefix="infc-serve-test-")
    env = {**os.environ, "INFC_CACHE_DIR": cache}
    try:
        started = subprocess.run([*INFC, "serve", "--detach"], env=env, capture_output=True, text=True, timeout=120)
        assert started.returncode == 0 and "serving on" in started.stdout
        result = run_infc("compile", str(example_copy), env=_poisoned(tmp_path, env))  # served at once
        assert result.returncode == 0 and "no problems found" in result.stdout
    finally:
        subprocess.run([*INFC, "serve", "--stop"], env=env, capture_output=True, timeout=30)
        shutil.rmtree(cache, ignore_errors=True)
