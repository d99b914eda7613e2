"""Nothing half-written: interrupted and concurrent compiles leave the old tree or the new one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from compiler.output.write import read_tree, write_tree
from support import infc_command, run_infc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate, workload_text  # noqa: E402


def _consistent(tree: dict[str, bytes]) -> bool:
    """Every lock entry names the revision its service carries, and every service is locked."""
    locks = {p: json.loads(c) for p, c in tree.items() if p.endswith("infc.lock.json")}
    for lock_path, lock in locks.items():
        cluster = lock_path.split("/")[0]
        services = {p for p in tree if p.startswith(cluster + "/") and p.endswith("/service.yaml")}
        if len(services) != len(lock["workloads"]):
            return False
        for key, entry in lock["workloads"].items():
            svc = yaml.safe_load(tree[f"{cluster}/{key}/service.yaml"])
            name = key.split("/")[1]
            if svc["spec"]["template"]["metadata"]["name"] != f"{name}-{entry['revision']:05d}":
                return False
    return True


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """A 150-workload repository, its compiled tree (old) and the tree after a change (new)."""
    base = tmp_path_factory.mktemp("atomic")
    repo = generate(base / "repo", 150)
    assert run_infc("compile", str(repo)).returncode == 0
    old = read_tree(repo / "deploy")
    changed = base / "changed"
    shutil.copytree(repo, changed)
    for i in range(0, 150, 3):
        path = next((changed / "workloads").glob(f"*/model-{i}.yaml"))
        path.write_text(workload_text(i, path.parent.name, max_model_len=2048))
    assert run_infc("compile", str(changed)).returncode == 0
    new = read_tree(changed / "deploy")
    assert old != new
    return repo, old, new, changed


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_compile_leaves_the_old_or_the_new_tree(tmp_path: Path, trees, sig):
    repo, old, new, changed = trees
    outcomes = set()
    for delay in (0.2, 0.5, 0.8, 1.1, 1.4):
        work = tmp_path / f"run-{delay}"
        shutil.copytree(repo, work)
        for p in (changed / "workloads").rglob("*.yaml"):
            target = work / p.relative_to(changed)
            target.write_bytes(p.read_bytes())
        proc = subprocess.Popen([*infc_command(), "compile", str(work)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(sig)
        proc.wait(timeout=120)
        tree = read_tree(work / "deploy")
        assert tree in (old, new), f"mixed tree after {sig.name} at {delay}s"
        assert _consistent(tree)
        assert not [p for p in work.iterdir() if ".infc-" in p.name], "staging directory left behind"
        outcomes.add("new" if tree == new else "old")
    assert outcomes  # at least one run; which outcome depends on timing


def test_concurrent_compiles_into_the_same_output(tmp_path: Path, trees):
    repo, old, new, changed = trees
    work = tmp_path / "work"
    shutil.copytree(repo, work)  # the old tree and lock, with the changed workloads
    for p in (changed / "workloads").rglob("*.yaml"):
        (work / p.relative_to(changed)).write_bytes(p.read_bytes())
    temporary = tmp_path / "tmp"  # the system's temporary directory, as these runs see it
    temporary.mkdir()
    procs = [subprocess.Popen([*infc_command(), "compile", str(work)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env={**os.environ, "TMPDIR": str(temporary)})
             for _ in range(3)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    tree = read_tree(work / "deploy")
    assert tree == new and _consistent(tree)
    assert not [p for p in work.iterdir() if ".infc-" in p.name]
    assert not list(temporary.iterdir())  # the runs took turns without leaving a lock file behind


def test_write_tree_refuses_paths_outside_the_target(tmp_path: Path):
    with pytest.raises(ValueError):
        write_tree(tmp_path / "out", {"../escape.yaml": b"x"})
    assert not (tmp_path / "escape.yaml").exists() and not (tmp_path / "out").exists()


def test_write_tree_replaces_the_whole_tree(tmp_path: Path):
    write_tree(tmp_path / "out", {"a/one.yaml": b"1", "b/two.yaml": b"2"})
    write_tree(tmp_path / "out", {"a/one.yaml": b"one"})
    assert read_tree(tmp_path / "out") == {"a/one.yaml": b"one"}


def _tree(n: int, version: str) -> dict[str, bytes]:
    files = {f"prod/ns/w{i}/service.yaml": f"{version}-{i}".encode() for i in range(n)}
    files["prod/infc.lock.json"] = version.encode()
    return files


def test_a_small_change_replaces_only_the_changed_files(tmp_path: Path):
    out = tmp_path / "out"
    old = _tree(30, "v1")
    write_tree(out, old)
    directory_before = out.stat().st_ino
    new = dict(old)
    new["prod/ns/w3/service.yaml"] = b"v2-3"
    new["prod/infc.lock.json"] = b"v2"
    new["prod/ns/w99/service.yaml"] = b"added"
    del new["prod/ns/w7/service.yaml"]
    changes = write_tree(out, new)
    assert changes == {"added": ["prod/ns/w99/service.yaml"],
                       "changed": ["prod/infc.lock.json", "prod/ns/w3/service.yaml"],
                       "removed": ["prod/ns/w7/service.yaml"]}
    assert read_tree(out) == new
    assert out.stat().st_ino == directory_before  # updated in place, not swapped whole
    assert not (out / "prod/ns/w7").exists()  # emptied directories go too
    assert not [p for p in tmp_path.iterdir() if ".infc-" in p.name]


def test_a_run_killed_while_moving_files_is_rolled_forward_by_the_next(tmp_path: Path, monkeypatch):
    import compiler.output.write as write

    out = tmp_path / "out"
    old = _tree(30, "v1")
    write_tree(out, old)
    new = dict(old, **{"prod/ns/w1/service.yaml": b"v2-1", "prod/ns/w2/service.yaml": b"v2-2",
                       "prod/infc.lock.json": b"v2"})
    real_replace = os.replace
    calls = []

    def dies_after_one(src, dst):
        if calls:
            raise SystemExit("killed")  # the process dies half way through the moves
        calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", dies_after_one)
    with pytest.raises(SystemExit):
        write_tree(out, new)
    monkeypatch.setattr(write.os, "replace", real_replace)
    half = read_tree(out)
    assert half != old and half != new
    assert half["prod/infc.lock.json"] == b"v1"  # the lock moves last: the tree says it is unfinished
    write.write_tree(out, new)  # any later write finishes the journal first
    assert read_tree(out) == new
    assert not [p for p in tmp_path.iterdir() if ".infc-" in p.name]


def test_links_planted_in_the_output_do_not_lead_writes_outside(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    old = _tree(30, "v1")
    write_tree(out, old)
    shutil.rmtree(out / "prod/ns/w5")
    os.symlink(outside, out / "prod/ns/w5")  # as if committed by someone else
    new = dict(old, **{"prod/ns/w5/service.yaml": b"v2-5"})
    write_tree(out, new)
    assert read_tree(out) == new
    assert not (out / "prod/ns/w5").is_symlink()
    assert list(outside.iterdir()) == []


def test_a_write_failing_in_one_writer_thread_leaves_the_old_tree(tmp_path: Path):
    """A large tree is written by several threads; when one fails (here a file stands where
    a directory must go), the others stop, the staging directory goes and the old tree stays."""
    out = tmp_path / "out"
    old = _tree(400, "v1")
    write_tree(out, old)
    new = _tree(400, "v2")
    new["prod/infc.lock.json/inside.yaml"] = b"under a file"  # among the first paths written
    with pytest.raises(OSError):
        write_tree(out, new)
    assert read_tree(out) == old
    assert not [p for p in tmp_path.iterdir() if ".infc-" in p.name]
    write_tree(out, _tree(400, "v3"))  # and the next write goes through
    assert read_tree(out) == _tree(400, "v3")
