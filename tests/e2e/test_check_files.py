"""`infc check FILES` answered from the memo of the rest of the repository must report exactly
what a check without any cache reports, whatever was edited in between, anywhere."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import compiler.build
import compiler.pipeline
from compiler.cli import cli
from compiler.load.document import Document
from support import EXAMPLE
from test_incremental import _mutate

WORKLOADS = sorted(p.relative_to(EXAMPLE).as_posix() for p in (EXAMPLE / "workloads").rglob("*.yaml"))


class Checker:
    """Runs `infc check` in this process; counts the checks that needed the full pipeline."""

    def __init__(self, monkeypatch):
        self.full = 0
        compile_repository = compiler.build.compile_repository

        def counted(*args, **kwargs):
            self.full += 1
            return compile_repository(*args, **kwargs)

        monkeypatch.setattr(compiler.build, "compile_repository", counted)

    def __call__(self, root: Path, *files: str, cached: bool = True) -> tuple[int, list]:
        env = {} if cached else {"INFC_NO_CACHE": "1"}
        result = CliRunner().invoke(cli, ["check", *(str(root / f) for f in files), "--format", "json"], env=env)
        assert result.exit_code in (0, 1), result.output  # 3: infc's own error, with its traceback
        return result.exit_code, json.loads(result.stdout)["diagnostics"]


@pytest.fixture
def check(monkeypatch) -> Checker:
    return Checker(monkeypatch)


@pytest.fixture
def loads(monkeypatch) -> list:
    """Each load of documents from here on: (the input files, the files of the documents loaded)."""
    calls, real = [], compiler.pipeline.load_documents

    def recording(root, inputs, cache=None, outlines_of=None):
        docs, diags = real(root, inputs, cache, outlines_of)
        calls.append(([rel for rel, _, _ in inputs.read],
                      {d.file if isinstance(d, Document) else d.source[0] for d in docs}))
        return docs, diags

    monkeypatch.setattr(compiler.pipeline, "load_documents", recording)
    return calls


def test_a_second_check_of_an_edited_file_skips_the_rest_and_reports_the_same(example_copy: Path, check):
    assert CliRunner().invoke(cli, ["compile", str(example_copy)]).exit_code == 0
    check.full = 0
    mixtral = example_copy / "workloads/nlp/mixtral.yaml"
    text = mixtral.read_text()
    mixtral.write_text(text.replace("minReplicas: 1", "minReplicas: 2"))
    first = check(example_copy, "workloads/nlp/mixtral.yaml")
    assert check.full == 1
    for edit in ("--max-model-len=8192", "--max-model-len=4096"):  # the demand stays: a memo hit
        mixtral.write_text(text.replace("minReplicas: 1", "minReplicas: 2") + f"# {edit}\n")
        assert check(example_copy, "workloads/nlp/mixtral.yaml") == first
    assert check.full == 1
    mixtral.write_text(text.replace("minReplicas: 1", "minReplicas: 3"))  # another demand: checked in full
    assert check(example_copy, "workloads/nlp/mixtral.yaml") == check(
        example_copy, "workloads/nlp/mixtral.yaml", cached=False)
    assert check.full == 3
    check(example_copy, "workloads/nlp/mixtral.yaml")  # from the memo
    assert check.full == 3
    llama = example_copy / "workloads/nlp/llama-chat.yaml"  # another workload of the pool takes more quota
    llama.write_text(llama.read_text().replace("nodePools: [h100]", "nodePools: [h100]\n  autoscaling: {minReplicas: 2}"))
    found = check(example_copy, "workloads/nlp/mixtral.yaml")
    assert found == check(example_copy, "workloads/nlp/mixtral.yaml", cached=False)
    assert any(d["code"] == "IC403" and "others 2" in d["message"] for d in found[1]), found


@pytest.mark.parametrize("seed", range(3))
def test_random_edits_anywhere_then_checks_of_workload_files_report_as_without_a_cache(tmp_path: Path, check,
                                                                                      seed: int):
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy"))
    assert CliRunner().invoke(cli, ["compile", str(root)]).exit_code in (0, 1)
    rng = random.Random(seed)
    history, quick = [], 0
    for _ in range(12):
        history.append(_mutate(root, rng)[2])
        files = rng.sample(WORKLOADS, rng.choice([1, 1, 2]))
        expected = check(root, *files, cached=False)
        for _ in range(2):  # the second check of the same state may come from the memo
            before = check.full
            assert check(root, *files) == expected, history
            quick += check.full == before
        if rng.random() < 0.3:
            CliRunner().invoke(cli, ["compile", str(root)])  # a new lock file: memos no longer hold
            history.append("compile")
    assert quick >= 3, history  # the memo answered some checks: the comparison above covers it


def test_a_memo_of_a_check_that_failed_before_rendering_serves_the_fixed_file(example_copy: Path, check):
    """The checked workload's own error stopped rendering; fixing it (what quota and placement
    read is the same) needs the render the memo does not have."""
    assert CliRunner().invoke(cli, ["compile", str(example_copy)]).exit_code == 0
    mixtral = example_copy / "workloads/nlp/mixtral.yaml"
    text = mixtral.read_text()
    secret = "  environmentVariables:\n    - {name: DEBUG_TOKEN, value: hf_" + "a" * 34 + "}\n"
    mixtral.write_text(text + secret)  # a literal Hugging Face token: an error of the workload itself
    code, found = check(example_copy, "workloads/nlp/mixtral.yaml")
    assert code == 1 and [d["code"] for d in found if d["severity"] == "error"] == ["IC301"], found
    mixtral.write_text(text + secret.replace("hf_" + "a" * 34, "plain"))
    assert check(example_copy, "workloads/nlp/mixtral.yaml") == check(
        example_copy, "workloads/nlp/mixtral.yaml", cached=False)


def test_a_memo_hit_reads_no_other_workload_yet_reports_a_duplicate_name_in_another_file(example_copy: Path, check,
                                                                                        loads):
    """The quick path loads the checked files and the shared documents only; what the other
    workload files say of the checked one (here: the same name) comes from the memo."""
    assert CliRunner().invoke(cli, ["compile", str(example_copy)]).exit_code == 0
    mixtral = example_copy / "workloads/nlp/mixtral.yaml"
    copy = example_copy / "workloads/nlp/mixtral-again.yaml"
    copy.write_text(mixtral.read_text())
    found = check(example_copy, "workloads/nlp/mixtral-again.yaml")
    # The copy comes first: the duplicate is reported at the original, pointing at the copy.
    assert any(d["code"] == "IC004" and d["file"] == "workloads/nlp/mixtral.yaml" for d in found[1]), found
    full = check.full
    loads.clear()
    copy.write_text(copy.read_text() + "# an edit that leaves quota and placement as they were\n")
    assert check(example_copy, "workloads/nlp/mixtral-again.yaml") == found
    assert check.full == full and len(loads) == 1
    loaded = loads[0][1]
    assert not {f for f in loaded if f.startswith("workloads/")} - {"workloads/nlp/mixtral-again.yaml"}, loaded
    assert found == check(example_copy, "workloads/nlp/mixtral-again.yaml", cached=False)


def test_a_check_after_the_output_directory_moved_reads_no_output_as_input(example_copy: Path, check, loads):
    """The input files are found while infc imports, before infc.yaml is read, by excluding the
    output directory of the last run: after `output:` changes, that guess must not be taken."""
    assert CliRunner().invoke(cli, ["compile", str(example_copy)]).exit_code == 0
    check(example_copy, "workloads/nlp/mixtral.yaml")  # remembers deploy/ as the output
    config = example_copy / "infc.yaml"
    config.write_text(config.read_text().replace("output: deploy", "output: manifests"))
    shutil.rmtree(example_copy / "deploy")
    assert CliRunner().invoke(cli, ["compile", str(example_copy)]).exit_code == 0
    loads.clear()
    found = check(example_copy, "workloads/nlp/mixtral.yaml")
    read = [f for files, _ in loads for f in files]
    assert "workloads/nlp/mixtral.yaml" in read and not [f for f in read if f.startswith("manifests/")]
    assert found == check(example_copy, "workloads/nlp/mixtral.yaml", cached=False)
