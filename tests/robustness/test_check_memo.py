"""`infc check FILE` in the editor loop: wrong or odd values written into the checked workload
file (and now and then into another file), each state checked twice with the cache — the
second check may come from the memo of the rest of the repository — must report exactly what
a check without any cache reports, and never crash."""

from __future__ import annotations

import copy
import json
import shutil

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.cli import cli
from support import fuzz_examples
from test_malformed_values import EXAMPLE_DOCS, ODD_VALUES, _paths

WORKLOAD_FILES = sorted(rel for rel in EXAMPLE_DOCS if rel.startswith("workloads/"))
UNDO = "<undo>"  # the edit that puts the document back as it was: the fix after a mistake
# A literal token: an error of the workload itself that leaves its demand as it was.
TOKEN = "hf_" + "x" * 34
# A copy of the checked workload in a new file, read before or after it: a duplicate name
# that only the other file shows.
DUPLICATE = "<duplicate>"


def _check(root, rel: str, cached: bool) -> tuple[int, list]:
    result = CliRunner().invoke(cli, ["check", str(root / rel), "--format", "json"],
                                env={} if cached else {"INFC_NO_CACHE": "1"})
    assert result.exit_code in (0, 1), result.output  # 3: infc's own error, with its traceback
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


@st.composite
def _edits(draw) -> tuple[str, list]:
    """A workload file to check, and a few edits: (file, document, path in it, new value, None
    to delete, or UNDO to put the document back)."""
    target = draw(st.sampled_from(WORKLOAD_FILES))
    edits = []
    for _ in range(draw(st.integers(1, 5))):
        rel = target if draw(st.integers(0, 4)) else draw(st.sampled_from(sorted(EXAMPLE_DOCS)))
        index = draw(st.integers(0, len(EXAMPLE_DOCS[rel]) - 1))
        path = draw(st.sampled_from(list(_paths(EXAMPLE_DOCS[rel][index]))))
        value = draw(st.one_of(st.just(UNDO), st.just(TOKEN), st.just(DUPLICATE), st.sampled_from([None, *ODD_VALUES])))
        edits.append((rel, index, path, value))
    return target, edits


@settings(max_examples=fuzz_examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edits())
def test_checks_of_an_edited_file_report_as_without_a_cache(tmp_path_factory, case):
    target, edits = case
    root = tmp_path_factory.mktemp("edited")
    docs = copy.deepcopy(EXAMPLE_DOCS)

    def write() -> None:
        for rel, documents in docs.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True))

    write()
    assert CliRunner().invoke(cli, ["compile", str(root)]).exit_code == 0
    for rel, index, path, value in edits:
        parent = docs[rel][index]
        if value == UNDO:
            docs[rel][index] = copy.deepcopy(EXAMPLE_DOCS[rel][index])
        elif value == DUPLICATE:
            docs[f"workloads/{'aa' if index % 2 else 'zz'}/copy.yaml"] = copy.deepcopy(docs[target])
        else:
            try:
                for step in path[:-1]:
                    parent = parent[step]
                if value is None:
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = copy.deepcopy(value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier edit removed or replaced the place
        write()
        expected = _check(root, target, cached=False)
        assert _check(root, target, cached=True) == expected
        assert _check(root, target, cached=True) == expected
    shutil.rmtree(root)


def test_a_checked_workload_shadowed_by_another_file_is_checked_as_without_a_cache(example_copy):
    """The copy in a file read first is the one that counts (IC004 at the checked file): an edit
    of the checked one that quota and placement do not read must not bring it back to life."""
    target = "workloads/search/distill.yaml"
    text = (example_copy / target).read_text()
    (example_copy / "workloads/aa").mkdir()
    (example_copy / "workloads/aa/copy.yaml").write_text(text)
    # First the copy as it is (the check is remembered), then a metric only the copy is spared.
    for metric in ("concurrency", "queue_depth"):
        (example_copy / target).write_text(text.replace("metric: concurrency", f"metric: {metric}"))
        expected = _check(example_copy, target, cached=False)
        assert [d["code"] for d in expected[1]] == ["IC004"], expected
        assert _check(example_copy, target, cached=True) == expected
        assert _check(example_copy, target, cached=True) == expected
