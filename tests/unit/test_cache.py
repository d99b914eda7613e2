"""The content-hash cache: what a run did not use is dropped, but only by a run that wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.cache import Cache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("INFC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("INFC_NO_CACHE", raising=False)
    return tmp_path / "cache"


def run(root: Path, reads: dict[str, list[str]] = {}, writes: dict[str, dict] = {}) -> dict:
    cache = Cache(root)
    found = {table: cache.get_many(table, keys) for table, keys in reads.items()}
    for table, entries in writes.items():
        for key, value in entries.items():
            cache.put(table, key, value)
    cache.save()
    return found


def test_unused_entries_are_dropped_once_they_are_many(tmp_path: Path, cache_dir: Path):
    old = [f"old-{i}" for i in range(400)]
    run(tmp_path, writes={"documents": {"a": 1, **{key: i for i, key in enumerate(old)}}})
    assert run(tmp_path, reads={"documents": ["a", "old-7", "c"]}) == {"documents": [1, 7, None]}
    run(tmp_path, reads={"documents": ["a"]}, writes={"renders": {"x": [3]}})  # 400 unused: kept
    assert run(tmp_path, reads={"documents": ["old-7"]}) == {"documents": [7]}
    run(tmp_path, reads={"documents": ["a", *old]}, writes={"renders": {f"y-{i}": i for i in range(200)}})
    run(tmp_path, reads={"documents": ["a"]}, writes={"renders": {"x": [3]}})  # 600 unused: dropped
    assert run(tmp_path, reads={"documents": ["a", "old-7"], "renders": ["x", "y-1"]}) == \
        {"documents": [1, None], "renders": [[3], None]}


def test_a_run_that_only_reads_keeps_what_it_did_not_use(tmp_path: Path, cache_dir: Path):
    run(tmp_path, writes={"documents": {"a": 1, "b": 2}})
    run(tmp_path, reads={"documents": ["a"]})
    assert run(tmp_path, reads={"documents": ["a", "b"]}) == {"documents": [1, 2]}


def test_a_damaged_cache_file_is_an_empty_cache(tmp_path: Path, cache_dir: Path):
    run(tmp_path, writes={"documents": {"a": 1}})
    [path] = cache_dir.glob("*.sqlite")
    path.write_bytes(b"not a database" * 100)
    assert run(tmp_path, reads={"documents": ["a"]}) == {"documents": [None]}
    run(tmp_path, writes={"documents": {"a": 5}})
    assert run(tmp_path, reads={"documents": ["a"]}) == {"documents": [5]}  # replaced, usable again


def test_upgrading_a_library_starts_a_new_cache(tmp_path: Path, cache_dir: Path, monkeypatch):
    import compiler.cache as cache_module

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "fakelib.py").write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(lib))
    monkeypatch.setattr(cache_module, "LIBRARIES", ("fakelib",))
    cache_module.code_fingerprint.cache_clear()
    try:
        run(tmp_path, writes={"documents": {"a": 1}})
        assert run(tmp_path, reads={"documents": ["a"]}) == {"documents": [1]}
        (lib / "fakelib.py").write_text("VERSION = 22\n")  # pip installed another version
        cache_module.code_fingerprint.cache_clear()
        assert run(tmp_path, reads={"documents": ["a"]}) == {"documents": [None]}
    finally:
        cache_module.code_fingerprint.cache_clear()
