"""A recompile does not read back input or output files whose status is unchanged since an
earlier run, yet sees every edit: of the content, with the size and modification time kept."""

from __future__ import annotations

import os
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

import compiler.file_digests as file_digests
import compiler.load.inputs as inputs
import compiler.output.write as write
from compiler.cli import cli
from compiler.file_digests import FileDigests

QWEN = "workloads/nlp/qwen-small.yaml"
QWEN_OUT = "deploy/prod/runai-nlp/qwen-small/service.yaml"


@pytest.fixture
def later(monkeypatch):
    """Runs happen a minute after the files were written (file times cannot be set back: the
    change time is the kernel's), so that what they see may be recorded."""
    clock = types.SimpleNamespace(time_ns=lambda: time.time_ns() + 60_000_000_000)
    monkeypatch.setattr(file_digests, "time", clock)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Names of the files read: input files (found, or read back from the cache's keys) and
    output files compared with the new manifests."""
    seen: list[str] = []
    read_path = Path.read_bytes

    def counting_read_path(path: Path) -> bytes:
        seen.append(path.name)
        return read_path(path)

    def counting_read_bytes(path: str, size: int) -> bytes:
        seen.append(Path(path).name)
        return file_digests.read_bytes(path, size)

    monkeypatch.setattr(Path, "read_bytes", counting_read_path)
    for module in (inputs, write):
        monkeypatch.setattr(module, "read_bytes", counting_read_bytes)
    return seen


def compile_(root: Path) -> str:
    result = CliRunner().invoke(cli, ["compile", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


def same_size_edit(path: Path, old: str, new: str, keep_mtime: bool = True) -> None:
    assert len(old) == len(new)
    st = path.stat()
    path.write_text(path.read_text().replace(old, new, 1))
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_unchanged_files_are_not_read_again(example_copy: Path, later, reads: list[str]):
    compile_(example_copy)
    compile_(example_copy)  # records the output files it compared
    reads.clear()
    assert "0 changed" in compile_(example_copy)
    assert not [name for name in reads if name.endswith(".yaml") and name != "infc.yaml"]

    (example_copy / QWEN).write_text((example_copy / QWEN).read_text().replace("maxModelLen: 4096", "maxModelLen: 8192"))
    reads.clear()
    assert "1 new revisions" in compile_(example_copy)
    assert "qwen-small.yaml" in reads and "llama-chat.yaml" not in reads
    assert b"8192" in (example_copy / QWEN_OUT).read_bytes()


def test_an_edit_keeping_size_and_modification_time_is_seen(example_copy: Path, later):
    compile_(example_copy)
    compile_(example_copy)
    same_size_edit(example_copy / QWEN, "maxModelLen: 4096", "maxModelLen: 8192")
    assert "1 new revisions" in compile_(example_copy)
    assert b"8192" in (example_copy / QWEN_OUT).read_bytes()


def test_an_output_file_edited_by_hand_is_written_again(example_copy: Path, later):
    compile_(example_copy)
    compile_(example_copy)
    out = example_copy / QWEN_OUT
    expected = out.read_bytes()
    same_size_edit(out, "4096", "8192")
    assert "1 changed" in compile_(example_copy)
    assert out.read_bytes() == expected


def test_files_written_just_before_a_run_are_not_recorded(tmp_path: Path):
    """A write in the same clock tick as the run, same size and same times, would go unseen."""
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n")
    digests = FileDigests()
    digests.note("a.yaml", path.stat(), "digest")
    assert digests.current == {}


def test_a_file_known_by_its_digest_but_gone_from_the_cache_is_read(example_copy: Path, later):
    import shutil
    import sqlite3

    from compiler.cache import Cache

    compile_(example_copy)
    first = (example_copy / QWEN_OUT).read_bytes()
    with sqlite3.connect(Cache(example_copy).path) as db:  # the parsed files and renders are gone
        assert db.execute("DELETE FROM entries WHERE tbl IN ('outlines', 'documents', 'workloads', 'renders')").rowcount
        assert db.execute("SELECT count(*) FROM entries WHERE tbl = 'file-digests'").fetchone() == (1,)
    shutil.rmtree(example_copy / "deploy")
    compile_(example_copy)
    assert (example_copy / QWEN_OUT).read_bytes() == first


@pytest.mark.parametrize("size_when_found", [0, 5, 11, 12, 4096])
def test_a_file_is_read_whole_whatever_size_it_had_when_found(tmp_path: Path, size_when_found: int):
    path = tmp_path / "f.yaml"
    path.write_bytes(b"kind: Thing\n")  # 12 bytes
    assert file_digests.read_bytes(str(path), size_when_found) == b"kind: Thing\n"
    with pytest.raises(OSError):
        file_digests.read_bytes(str(tmp_path), 0)


@pytest.fixture
def loaded(monkeypatch) -> list[tuple]:
    """The workload files a compile loaded from the cache (render key, file, name, revision)."""
    import compiler.build as build

    seen: list[tuple] = []
    load = build._load_files

    def counting(refs, *args):
        seen.extend(refs)
        return load(refs, *args)

    monkeypatch.setattr(build, "_load_files", counting)
    return seen


def test_unchanged_workloads_files_are_neither_loaded_from_the_cache_nor_read(example_copy: Path, later,
                                                                             reads: list[str], loaded: list):
    compile_(example_copy)
    compile_(example_copy)  # compares the files written by the first run, and records them
    (example_copy / QWEN).write_text((example_copy / QWEN).read_text().replace("maxModelLen: 4096", "maxModelLen: 8192"))
    reads.clear()
    loaded.clear()
    assert "2 changed" in compile_(example_copy)  # its service.yaml and the lock file
    assert loaded == []
    assert [name for name in reads if name.endswith(".yaml") and name != "infc.yaml"] == ["qwen-small.yaml"]


def test_a_reverted_edit_takes_its_files_from_the_cache_under_a_new_revision(example_copy: Path, later, loaded: list):
    from compiler.build import compile_repository
    from compiler.output.write import read_tree

    compile_(example_copy)
    compile_(example_copy)
    original = (example_copy / QWEN).read_text()
    (example_copy / QWEN).write_text(original.replace("maxModelLen: 4096", "maxModelLen: 8192"))
    compile_(example_copy)
    compile_(example_copy)  # records the edited files as they are on disk
    (example_copy / QWEN).write_text(original)  # rendered before: its files come from the cache
    loaded.clear()
    assert "1 new revisions" in compile_(example_copy)
    assert sorted((filename, number) for _, filename, _, number in loaded) == [("kustomization.yaml", 3),
                                                                               ("service.yaml", 3)]
    assert b"name: qwen-small-00003\n" in (example_copy / QWEN_OUT).read_bytes()
    # The tree on disk is what a compile without any cache makes of the same repository.
    fresh = compile_repository(example_copy, use_cache=False)
    assert dict(fresh.tree.items()) == read_tree(example_copy / "deploy")


def test_a_revision_number_set_in_the_lock_file_reaches_the_unchanged_manifest(example_copy: Path, later,
                                                                               loaded: list):
    import json

    compile_(example_copy)
    compile_(example_copy)  # records the output files with their renders' tokens
    lock_path = example_copy / "deploy/prod/infc.lock.json"
    lock = json.loads(lock_path.read_text())
    lock["workloads"]["runai-nlp/qwen-small"]["revision"] = 7  # by hand: the spec hash is unchanged
    lock_path.write_text(json.dumps(lock, indent=2))
    loaded.clear()
    compile_(example_copy)
    assert b"name: qwen-small-00007\n" in (example_copy / QWEN_OUT).read_bytes()
    assert {filename for _, filename, _, _ in loaded} == {"service.yaml", "kustomization.yaml"}
