"""A recompile takes unchanged workloads from the cache: it must report and write exactly
what a compile without any cache does, whatever was edited in between."""

from __future__ import annotations

import json
import random
import re
import textwrap
from pathlib import Path

import pytest

from compiler.build import compile_repository
from compiler.output.write import read_tree, write_tree
from compiler.spec.parse import DeferredParsed
from repo_builder import BASE_FILES, make_repo, workload
from support import EXAMPLE

POLICY = """\
apiVersion: infc/v1
kind: Policy
metadata: {name: p}
spec:
  scope: {project: nlp}
  rules:
    compute: {gpuDevicesRequest: {max: %d}}
"""


def wl(name: str, gpus: int = 2, extra: str = "") -> str:
    """A workload of `gpus` GPUs per replica (and `extra` YAML under spec)."""
    return workload(name, extra).replace("gpuDevicesRequest: 1,", f"gpuDevicesRequest: {gpus},")


def _run(root: Path, use_cache: bool) -> tuple[list[str], dict[str, bytes] | None]:
    """Compile and write as `infc compile` does; what it reports and the tree it wrote."""
    build = compile_repository(root, use_cache=use_cache)
    if build.tree is not None:
        write_tree(build.analysis.output_dir, build.tree, build.output_digests)
        build.remember_output()
        assert read_tree(build.analysis.output_dir) == build.tree
    return [f"{d.location} {d.code} {d.message}" for d in build.diagnostics], build.tree


@pytest.fixture(autouse=True)
def later(monkeypatch):
    """Runs happen a minute after the files were written, so that each run records the output
    files it compared and the next one takes them by their status (and their render's token)."""
    import time
    import types

    import compiler.file_digests as file_digests

    monkeypatch.setattr(file_digests, "time", types.SimpleNamespace(time_ns=lambda: time.time_ns() + 60_000_000_000))


@pytest.fixture
def twins(tmp_path: Path):
    """The same repository twice: one compiled with the cache, one without; `edit` edits both
    and `assert_same` compiles both and compares what they report and write."""
    files = {f"workloads/nlp/m{i}.yaml": wl(f"m{i}") for i in range(4)}
    files["policies/p.yaml"] = POLICY % 4
    repos = [make_repo(tmp_path / name, files) for name in ("warm", "cold")]

    class Twins:
        roots = repos

        def edit(self, rel: str, text: str | None) -> None:
            for root in repos:
                if text is None:
                    (root / rel).unlink()
                else:
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    (root / rel).write_text(text)

        def assert_same(self) -> list[str]:
            warm, warm_tree = _run(repos[0], use_cache=True)
            cold, cold_tree = _run(repos[1], use_cache=False)
            assert warm == cold
            assert warm_tree == cold_tree
            return warm

    t = Twins()
    assert t.assert_same() == []
    assert t.assert_same() == []  # now every workload comes from the cache
    return t


def test_a_tightened_policy_reaches_workloads_whose_files_did_not_change(twins):
    twins.edit("policies/p.yaml", POLICY % 1)
    found = twins.assert_same()
    assert sorted(line.split()[0].split(":")[0] for line in found if " IC10" in line) == \
        [f"workloads/nlp/m{i}.yaml" for i in range(4)]
    twins.edit("policies/p.yaml", POLICY % 4)
    assert twins.assert_same() == []


def test_one_edited_workload_is_checked_again_and_quota_sees_every_workload(twins):
    twins.edit("workloads/nlp/m1.yaml", wl("m1", 4, "autoscaling: {minReplicas: 2, maxReplicas: 2}"))
    found = twins.assert_same()
    assert any(" IC401 " in line and "nlp/m1" in line for line in found), found  # 2 + 2 + 8 + 2 > 8 deserved


def test_a_workload_error_is_reported_again_on_every_run(twins):
    twins.edit("workloads/nlp/m2.yaml", wl("m2", extra="nodePools: [a100]"))
    first = twins.assert_same()
    assert any(line.startswith("workloads/nlp/m2.yaml:") and " IC211 " in line for line in first)
    assert twins.assert_same() == first  # unchanged input: the error comes from the cache, still reported


def test_removed_and_renamed_workloads_and_a_changed_project(twins):
    twins.edit("workloads/nlp/m3.yaml", None)
    twins.edit("workloads/nlp/renamed.yaml", wl("renamed"))
    twins.assert_same()
    org = textwrap.dedent(BASE_FILES["org/research.yaml"]).lstrip("\n")
    twins.edit("org/research.yaml", org.replace("{nodePool: h100, gpu: {deserved: 8}}",
                                                 "{nodePool: h100, gpu: {deserved: 2, limit: 2}}"))
    found = twins.assert_same()
    assert any(" IC40" in line for line in found), found


def test_a_project_s_default_node_pools_reach_unchanged_workloads(twins):
    org = textwrap.dedent(BASE_FILES["org/research.yaml"]).lstrip("\n")
    # Room for the rolling updates this causes: each revision changes (no l40s in its affinity).
    twins.edit("org/research.yaml", org.replace("defaultNodePools: [h100, l40s]", "defaultNodePools: [h100]")
               .replace("{nodePool: h100, gpu: {deserved: 8}}", "{nodePool: h100, gpu: {deserved: 16}}"))
    assert twins.assert_same() == []
    service = (twins.roots[0] / "deploy/prod/runai-nlp/m0/service.yaml").read_text()
    assert "l40s" not in service


def test_a_duplicate_of_a_workload_from_an_unchanged_file_is_still_reported(twins):
    twins.edit("workloads/nlp/z-copy.yaml", wl("m0"))
    first = twins.assert_same()
    assert any(line.startswith("workloads/nlp/z-copy.yaml:") and " IC004 " in line for line in first), first
    assert twins.assert_same() == first


def test_a_workload_moved_to_another_pool_by_others_is_rendered_again(twins):
    org = textwrap.dedent(BASE_FILES["org/research.yaml"]).lstrip("\n")
    twins.edit("org/research.yaml", org.replace("deserved: 16}", "deserved: 32}").replace("deserved: 8}", "deserved: 16}"))
    twins.edit("policies/p.yaml", POLICY % 8)
    twins.assert_same()
    twins.assert_same()  # the workloads come from the cache from here on
    # A new workload placed first (same priority, first by name) takes the whole h100 pool:
    # the unchanged ones move to l40s.
    twins.edit("workloads/nlp/a-big.yaml", wl("a-big", 8, "autoscaling: {minReplicas: 2, maxReplicas: 2}\n"
                                                          "nodePools: [h100]"))
    assert twins.assert_same() == []
    lock = json.loads((twins.roots[0] / "deploy/prod/infc.lock.json").read_text())["workloads"]
    assert {key: entry["nodePool"] for key, entry in lock.items()} == {
        "runai-nlp/a-big": "h100", **{f"runai-nlp/m{i}": "l40s" for i in range(4)}}


def test_only_the_edited_workload_is_resolved_again(tmp_path: Path):
    root = make_repo(tmp_path / "r", {f"workloads/nlp/m{i}.yaml": wl(f"m{i}", 1) for i in range(5)})
    first = compile_repository(root)
    assert first.analysis.resolver.resolved == 5 and not first.diagnostics
    write_tree(first.analysis.output_dir, first.tree)
    (root / "workloads/nlp/m3.yaml").write_text(wl("m3", 2))
    again = compile_repository(root)
    assert again.analysis.resolver.resolved == 1
    assert again.changed == {"nlp/m3"}
    deferred = [d for d in again.analysis.documents if isinstance(d, DeferredParsed)]
    assert sorted(d.stub.file for d in deferred) == [f"workloads/nlp/m{i}.yaml" for i in (0, 1, 2, 4)]
    assert not any(d.loaded for d in deferred)  # unchanged files are neither read back nor validated


_NUMBER = re.compile(r"(?<![\w.-])(\d+)(?![\w.])")
_SWAPS = [("true", "false"), ("false", "true"), ("h100", "l40s"), ("l40s", "h100"), ("vllm", "tgi")]


def _mutate(root: Path, rng: random.Random) -> tuple[Path, str, str]:
    """One plausible edit somewhere in the repository (a number, a flag, a pool, a server):
    (file, its text before, what changed)."""
    files = sorted(p for p in root.rglob("*.yaml") if "deploy" not in p.parts)
    path = rng.choice(files)
    before = path.read_text()
    lines = before.splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines)
                  if not line.lstrip().startswith("#") and (_NUMBER.search(line) or any(a in line for a, _ in _SWAPS))]
    if not candidates:
        return path, before, f"{path.name}: nothing to edit"
    i = rng.choice(candidates)
    line = lines[i]
    swaps = [(a, b) for a, b in _SWAPS if a in line]
    if swaps and (rng.random() < 0.5 or not _NUMBER.search(line)):
        a, b = rng.choice(swaps)
        lines[i] = line.replace(a, b, 1)
    else:
        match = rng.choice(list(_NUMBER.finditer(line)))
        value = int(match.group(1))
        new = rng.choice([value + 1, max(0, value - 1), value * 2])
        lines[i] = line[:match.start(1)] + str(new) + line[match.end(1):]
    path.write_text("".join(lines))
    return path, before, f"{path.relative_to(root)}:{i + 1}: {line.strip()!r} -> {lines[i].strip()!r}"


@pytest.mark.parametrize("seed", range(3))
def test_random_edits_of_the_example_compile_alike_with_and_without_the_cache(tmp_path: Path, seed: int):
    """Each edit is kept when the repository still compiles, undone otherwise (after comparing)."""
    import shutil

    warm, cold = tmp_path / "warm", tmp_path / "cold"
    for root in (warm, cold):
        shutil.copytree(EXAMPLE, root)
    rng = random.Random(seed)
    history, compiled = [], 0
    for _ in range(10):
        state = rng.getstate()
        edited, before, what = _mutate(warm, rng)
        rng.setstate(state)
        _mutate(cold, rng)  # the same edit
        history.append(what)
        found, tree = _run(warm, use_cache=True)
        assert (found, tree) == _run(cold, use_cache=False), history
        if tree is None:
            for root in (warm, cold):
                (root / edited.relative_to(warm)).write_text(before)
            history.append("(undone)")
        else:
            compiled += 1
    assert compiled >= 4, history  # most edits keep a compiling repository: output is compared too


def _check(repo: Path, *files: str, cached: bool) -> tuple[int, list]:
    from support import run_infc

    env = {} if cached else {"INFC_NO_CACHE": "1"}
    result = run_infc("check", *(str(repo / f) for f in files), "--format", "json", env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)["diagnostics"]


def test_check_of_files_reports_the_same_with_and_without_the_cache(example_copy: Path):
    from support import run_infc

    assert run_infc("compile", str(example_copy)).returncode == 0  # fills the cache
    mixtral = example_copy / "workloads/nlp/mixtral.yaml"
    mixtral.write_text(mixtral.read_text().replace("minReplicas: 1", "minReplicas: 2"))
    for files in (["workloads/nlp/mixtral.yaml"], ["workloads/vision/phi-mini.yaml"],
                  ["workloads/nlp/mixtral.yaml", "workloads/search/gemma.yaml"]):
        assert _check(example_copy, *files, cached=True) == _check(example_copy, *files, cached=False)


def test_check_of_a_project_file_reports_what_it_does_to_workloads(example_copy: Path):
    from support import run_infc

    assert run_infc("compile", str(example_copy)).returncode == 0
    projects = example_copy / "org/projects.yaml"
    projects.write_text(projects.read_text().replace("gpu: {deserved: 10, limit: 12}", "gpu: {deserved: 1, limit: 12}"))
    code, found = _check(example_copy, "org/projects.yaml", cached=True)
    assert code == 1
    assert any(d["code"] == "IC401" and d["file"].startswith("workloads/") for d in found), found
    assert (code, found) == _check(example_copy, "org/projects.yaml", cached=False)


def test_workers_that_load_cached_documents_agree_with_an_uncached_compile(twins, monkeypatch):
    import compiler.parallel

    monkeypatch.setattr(compiler.parallel, "PARALLEL_FROM", 2)  # fork workers even for four workloads
    twins.edit("policies/p.yaml", POLICY % 3)  # every workload is checked again, in workers
    twins.assert_same()
    twins.edit("org/research.yaml", textwrap.dedent(BASE_FILES["org/research.yaml"]).lstrip("\n")
               .replace("defaultNodePools: [h100, l40s]", "defaultNodePools: [l40s, h100]"))
    twins.assert_same()  # and rendered again, in workers


def test_a_check_of_one_file_leaves_the_next_compile_its_cache(tmp_path: Path, monkeypatch):
    """The pre-commit hook checks the edited file, then the compile renders only that workload."""
    import compiler.build
    import compiler.cache

    monkeypatch.setattr(compiler.cache, "_STALE_MIN", 0)  # the cache prunes whatever a run did not use
    monkeypatch.setattr(compiler.cache, "_STALE_SHARE", 0)
    rendered = []
    render_job = compiler.build._render_job
    monkeypatch.setattr(compiler.build, "_render_job", lambda i: rendered.append(i) or render_job(i))
    root = make_repo(tmp_path / "r", {f"workloads/nlp/m{i}.yaml": wl(f"m{i}", 1) for i in range(5)})
    first = compile_repository(root)
    write_tree(first.analysis.output_dir, first.tree)
    assert len(rendered) == 5
    (root / "workloads/nlp/m3.yaml").write_text(wl("m3", 2))
    rendered.clear()
    assert not compile_repository(root, only_files={"workloads/nlp/m3.yaml"}).diagnostics
    assert len(rendered) == 1
    rendered.clear()
    again = compile_repository(root)
    assert rendered == [] and again.changed == {"nlp/m3"}


def _env(value: str) -> str:
    """An environment variable: an edit that changes a workload's revision, not its demand."""
    return f'environmentVariables: [{{name: MODE, value: "{value}"}}]'


def test_findings_of_the_repository_rules_follow_an_edit_that_only_moves_lines(twins):
    twins.edit("workloads/nlp/m1.yaml", wl("m1", 4, "autoscaling: {minReplicas: 2, maxReplicas: 2}"))
    before = [line for line in twins.assert_same() if " IC401 " in line]
    assert before and all(line.startswith("workloads/nlp/m1.yaml:") for line in before), before
    # Same demand, same names: only the lines the quota finding points at move.
    twins.edit("workloads/nlp/m1.yaml", "# moved down\n\n" + wl("m1", 4, "autoscaling: {minReplicas: 2, maxReplicas: 2}"))
    after = [line for line in twins.assert_same() if " IC401 " in line]
    assert [int(line.split(":")[1]) for line in after] == [int(line.split(":")[1]) + 2 for line in before]


def test_repeated_edits_of_one_workload_s_environment_take_quota_and_placement_from_the_cache(twins, monkeypatch):
    from compiler.check import placement

    simulated = []
    real = placement.simulate_demands
    monkeypatch.setattr(placement, "simulate_demands", lambda *a: simulated.append(1) or real(*a))
    twins.edit("workloads/nlp/m2.yaml", wl("m2", extra=_env("a")))
    first = twins.assert_same()  # a new revision beside the running one: the rolling update is replayed
    assert simulated
    simulated.clear()
    twins.edit("workloads/nlp/m2.yaml", wl("m2", extra=_env("b")))
    assert twins.assert_same() == first
    assert len(simulated) == 1  # the uncached twin's only: the cached one takes every finding from the cache
    # A change of demand is placed and admitted again.
    twins.edit("workloads/nlp/m2.yaml", wl("m2", 4, "autoscaling: {minReplicas: 2, maxReplicas: 2}\n" + _env("b")))
    found = twins.assert_same()
    assert any(" IC401 " in line and "nlp/m2" in line for line in found), found


def test_a_rolling_update_is_replayed_again_when_the_running_revision_holds_more(twins):
    org = textwrap.dedent(BASE_FILES["org/research.yaml"]).lstrip("\n")
    twins.edit("org/research.yaml", org.replace("{nodePool: h100, gpu: {deserved: 8}}",
                                                 "{nodePool: h100, gpu: {deserved: 12}}"))
    twins.edit("policies/p.yaml", POLICY % 8)
    twins.edit("workloads/nlp/m2.yaml", wl("m2", extra=_env("a")))
    assert twins.assert_same() == []  # the new revision fits beside the old one: 8 + 2 of 12
    m3 = (twins.roots[0] / "workloads/nlp/m3.yaml").read_text()
    twins.edit("workloads/nlp/m3.yaml", None)
    twins.edit("workloads/nlp/m2.yaml", wl("m2", extra="autoscaling: {minReplicas: 3, maxReplicas: 3}\n" + _env("a")))
    assert twins.assert_same() == []  # 4 + 6 + the old revision's 2 of 12
    twins.edit("workloads/nlp/m3.yaml", m3)
    assert twins.assert_same() == []
    # The workloads as in the first edit, but the running revision of m2 now holds 6 GPUs.
    twins.edit("workloads/nlp/m2.yaml", wl("m2", extra=_env("b")))
    found = twins.assert_same()
    assert [line.split()[1] for line in found] == ["IC406"], found
    assert "old revision still holds 6" in found[0]


def test_a_token_planted_in_a_workload_that_cannot_be_resolved_is_found_on_a_recompile(twins):
    orphan = wl("orphan").replace("project: nlp", "project: nowhere")
    twins.edit("workloads/nlp/orphan.yaml", orphan)
    assert not any(" IC301 " in line for line in twins.assert_same())
    twins.edit("workloads/nlp/orphan.yaml", orphan.replace("server: vllm", "server: vllm, token: hf_abcdefghijklmnopqrstuvwxyz0123"))
    found = twins.assert_same()
    assert any(line.startswith("workloads/nlp/orphan.yaml:") and " IC301 " in line for line in found), found
