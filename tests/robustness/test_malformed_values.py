"""A wrong value anywhere in a valid repository is a located diagnostic, never a crash.

The property test starts from the bundled example and changes one to three values — in any
file, at any depth — to a value that is wrong, odd or belongs elsewhere; then it compiles
and reports in every format. The cases below are what such changes once broke.
"""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import EXAMPLE, fuzz_examples
from compiler.build import compile_repository
from compiler.report import FORMATS, render


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


def _line_of(root: Path, rel: str, text: str) -> int:
    return next(i for i, line in enumerate((root / rel).read_text().splitlines(), 1) if text in line)


CASES = {
    "kind is a list": ("assets/compute.yaml", "kind: ComputeResource", "kind: [ComputeResource]", "IC003"),
    "kind is a mapping": ("assets/compute.yaml", "kind: ComputeResource", "kind: {a: b}", "IC003"),
    "cpu quota is a word": ("org/research.yaml", "cpu: {deserved: 200}", "cpu: {deserved: tgi}", "IC007"),
    "memory quota is infinite": ("org/research.yaml", "memory: {deserved: 3Ti}", "memory: {deserved: .inf}", "IC007"),
    "GPU limit is empty": ("org/research.yaml", "gpu: {deserved: 16, limit: 16, overQuotaWeight: 2}",
                           "gpu: {deserved: 16, limit: '', overQuotaWeight: 2}", "IC007"),
    "GPU quota below -1": ("org/research.yaml", "gpu: {deserved: 16, limit: 16, overQuotaWeight: 2}",
                           "gpu: {deserved: -3, limit: 16, overQuotaWeight: 2}", "IC007"),
    "over-quota weight is NaN": ("org/research.yaml", "gpu: {deserved: 16, limit: 16, overQuotaWeight: 2}",
                                 "gpu: {deserved: 16, limit: 16, overQuotaWeight: .nan}", "IC007"),
    "GPU without memory": ("clusters/prod.yaml", "memory: 48Gi}", "memory: 0}", "IC007"),
    "more nodes than any cluster": ("clusters/prod.yaml", "count: 2\n", "count: 2000000000\n", "IC007"),
    "more GPUs than any server": ("clusters/prod.yaml", "{model: H100, count: 8,", "{model: H100, count: 100000,",
                                  "IC007"),
    "CPU limit beyond any float's millicores": ("assets/compute.yaml", "cpuCoreLimit: 16", "cpuCoreLimit: 1e308",
                                                "IC007"),
    "memory beyond any Kubernetes quantity": ("workloads/vision/phi-mini.yaml", "cpuMemoryRequest: 24Gi",
                                              "cpuMemoryRequest: '" + "1" * 400 + "'", "IC007"),
    "GPU memory beyond any Kubernetes quantity": ("workloads/vision/phi-mini.yaml", "gpuMemoryRequest: 20G",
                                                  "gpuMemoryRequest: 9300000000G", "IC007"),
    "credential secret name in capitals": ("assets/credentials.yaml", "secretName: hf-token", "secretName: HF_Token",
                                           "IC007"),
    "JWKS URI that is no URL": ("clusters/prod.yaml", "jwksUri: https://idp.example.com/.well-known/jwks.json",
                                "jwksUri: 'idp example'", "IC007"),
    "supplementalGroups with a space": ("workloads/search/embedder.yaml", 'supplementalGroups: "2000,3000"',
                                         'supplementalGroups: "2000 3000"', "IC007"),
    "supplementalGroups beyond Knative's range": ("workloads/search/embedder.yaml",
                                                  'supplementalGroups: "2000,3000"',
                                                  'supplementalGroups: "2000,4294967296"', "IC007"),
    "user id beyond Knative's range": ("workloads/search/embedder.yaml", "runAsUid: 1000",
                                       "runAsUid: 2147483648", "IC007"),
    "model id that is a server option": ("workloads/nlp/qwen-small.yaml", "model: Qwen/Qwen2.5-0.5B-Instruct",
                                         "model: --trust-remote-code", "IC007"),
    "node pool label key with a space": ("clusters/prod.yaml", "scheduler: kai", "nodePoolLabelKey: 'node pool'",
                                         "IC007"),
    "policy bound is a list": ("policies/nlp.yaml", "max: 4", "max: [1, 2]", "IC007"),
    "policy bound is NaN": ("policies/nlp.yaml", "max: 4", "max: .nan", "IC007"),
    "output directory name too long": ("infc.yaml", "output: deploy", "output: " + "a" * 300, "IC007"),
    "policy item named by a list": ("policies/research.yaml", "- {name: HF_HUB_DISABLE_TELEMETRY",
                                    "- {name: [model-cache]", "IC007"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_value_is_a_diagnostic_at_its_line(example_copy: Path, case: str):
    rel, old, new, code = CASES[case]
    _edit(example_copy, rel, old, new)
    build = compile_repository(example_copy, use_cache=False)  # must not raise
    line = _line_of(example_copy, rel, new.split(":")[0] if case.startswith("kind") else new.strip())
    found = [(d.code, d.location.file, d.location.line) for d in build.diagnostics if d.location]
    assert (code, rel, line) in found, found
    assert build.tree is None  # an error: nothing to write


def test_a_value_every_member_of_a_union_refuses_is_one_finding(example_copy: Path):
    """An annotation value is a string, integer, number or boolean: a list is one mistake."""
    _edit(example_copy, "workloads/nlp/llama-chat.yaml", "value: nlp-team@example.com}", "value: [a, b]}")
    build = compile_repository(example_copy, use_cache=False)
    [diag] = [d for d in build.diagnostics if d.code == "IC007"]
    assert diag.message == ("invalid value for 'spec.annotations[0].value': "
                            "Input should be a valid string, integer, number or boolean")
    assert diag.location.line == _line_of(example_copy, "workloads/nlp/llama-chat.yaml", "value: [a, b]}")


def test_node_counts_are_bounded_over_the_whole_cluster(example_copy: Path):
    """Every node is simulated: a hostile inventory must not exhaust memory, even spread over pools."""
    _edit(example_copy, "clusters/prod.yaml", "count: 2\n", "count: 60000\n")
    _edit(example_copy, "clusters/prod.yaml", "count: 4\n", "count: 60000\n")
    build = compile_repository(example_copy, use_cache=False)
    [diag] = [d for d in build.diagnostics if d.location and d.location.file == "clusters/prod.yaml"]
    assert diag.code == "IC007" and "120,000 nodes" in diag.message
    assert diag.location.line == _line_of(example_copy, "clusters/prod.yaml", "nodePools:") + 1  # the list


def test_quota_values_keep_their_meaning(example_copy: Path):
    """-1 is unlimited, cores may be millicores and memory any quantity spelling."""
    _edit(example_copy, "org/research.yaml", "cpu: {deserved: 200}", "cpu: {deserved: 200000m, limit: -1}")
    _edit(example_copy, "org/research.yaml", "memory: {deserved: 3Ti}", "memory: {deserved: 3TB, limit: '-1'}")
    build = compile_repository(example_copy, use_cache=False)
    assert not [d for d in build.diagnostics if d.is_error], build.diagnostics
    queue = yaml.safe_load(build.tree["prod/cluster/queue-research-h100.yaml"])
    assert queue["spec"]["resources"]["cpu"] == {"quota": 200000, "limit": -1, "overQuotaWeight": 1}
    assert queue["spec"]["resources"]["memory"]["quota"] == 3 * 10**6 and queue["spec"]["resources"]["memory"]["limit"] == -1


# --- the property ------------------------------------------------------------------------------

def _example_documents() -> dict[str, list]:
    return {p.relative_to(EXAMPLE).as_posix(): list(yaml.safe_load_all(p.read_text()))
            for p in sorted(EXAMPLE.rglob("*.yaml")) if "deploy" not in p.parts}


EXAMPLE_DOCS = _example_documents()
ODD_VALUES = [0, -1, 1, 3, 8, 2**31, 2**63, -2**63, 10**30, 0.5, -0.5, 1e308, 1e-9, math.inf, -math.inf, math.nan,
              "", " ", "0", "-1", "50%", "0%", "150%", "abc", "a" * 300, "1Gi", "0Gi", "-1Gi", "1Ei", "10m",
              "nan", "true", None, True, False, [], {}, [None], [""], [{}], {"": ""}, {"a": None}, "é漢字",
              "{{ 7*7 }}", "${HOME}", "../x", "a/b", "h100", "l40s", "nlp", "vllm", "tgi", "public", "Exists",
              "NoSchedule", "NodePort", "custom", "8000", 8000, 30400, ["h100", "h100"], {"name": "x", "value": "y"},
              "hf_" + "x" * 34, "meta-llama/Llama-3.1-405B", "H100"]


def _paths(node, prefix=()):
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


@st.composite
def _mutated_example(draw) -> dict[str, list]:
    docs = copy.deepcopy(EXAMPLE_DOCS)
    for _ in range(draw(st.integers(1, 3))):
        rel = draw(st.sampled_from(sorted(docs)))
        doc = draw(st.sampled_from(docs[rel]))
        path = draw(st.sampled_from(list(_paths(doc))))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "copy"]))
        if action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        elif action == "delete":
            del parent[path[-1]]
        else:  # a value from elsewhere in the same document
            source = doc
            for step in draw(st.sampled_from(list(_paths(doc)))):
                source = source[step]
            parent[path[-1]] = copy.deepcopy(source)
    return docs


@settings(max_examples=fuzz_examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_example())
def test_any_changed_value_compiles_to_diagnostics_or_a_valid_tree(tmp_path_factory, docs: dict[str, list]):
    root = tmp_path_factory.mktemp("mutated")
    for rel, documents in docs.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True))
    build = compile_repository(root, use_cache=False)  # must not raise
    for fmt in FORMATS:
        render(build.diagnostics, fmt, root=root)
    for d in build.diagnostics:
        assert d.location is None or (root / d.location.file).is_file() or d.location.file.startswith("<"), d
    if build.tree is not None:
        for content in build.tree.values():
            list(yaml.safe_load_all(content))
    shutil.rmtree(root)
