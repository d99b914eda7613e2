"""End to end: the real `infc compile` on the example repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from support import SHARED, run_infc
from compiler.output.write import read_tree


def compile_ok(repo: Path, *extra: str, env: dict | None = None):
    result = run_infc("compile", str(repo), *extra, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_example_compiles_clean_and_writes_the_tree(example_copy: Path):
    result = compile_ok(example_copy)
    assert "compiled 8 workloads" in result.stdout
    assert "no problems found" in result.stdout
    assert "rendering" not in result.stderr  # no progress bar when not at a terminal
    tree = read_tree(example_copy / "deploy")
    services = sorted(p for p in tree if p.endswith("/service.yaml"))
    assert len(services) == 8
    for expected in ("prod/kustomization.yaml", "prod/infc.lock.json", "prod/argocd/applicationset.yaml",
                     "prod/cluster/queue-nlp-h100.yaml", "prod/cluster/priorityclass-very-high.yaml",
                     "prod/runai-search/embedder/pvc-scratch.yaml", "prod/runai-search/gemma/tools-service.yaml",
                     "prod/runai-search/gemma/ingress-ui.yaml", "prod/runai-nlp/mixtral/authorization.yaml"):
        assert expected in tree, expected


def test_two_compiles_into_different_directories_are_identical(tmp_path: Path, example_copy: Path):
    other = tmp_path / "other"
    import shutil

    shutil.copytree(example_copy, other)
    compile_ok(example_copy, env={"PYTHONHASHSEED": "1"})
    compile_ok(other, env={"PYTHONHASHSEED": "4242"})
    assert read_tree(example_copy / "deploy") == read_tree(other / "deploy")


def test_output_matches_snapshot(example_copy: Path, snapshot):
    compile_ok(example_copy)
    tree = read_tree(example_copy / "deploy")
    assert {path: content.decode() for path, content in tree.items()} == snapshot


def test_revision_number_grows_only_when_the_revision_template_changes(example_copy: Path):
    compile_ok(example_copy)
    lock = json.loads((example_copy / "deploy/prod/infc.lock.json").read_text())
    assert lock["workloads"]["runai-nlp/llama-chat"]["revision"] == 1
    workload = example_copy / "workloads/nlp/llama-chat.yaml"
    workload.write_text(workload.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))
    compile_ok(example_copy)
    lock2 = json.loads((example_copy / "deploy/prod/infc.lock.json").read_text())
    assert lock2["workloads"]["runai-nlp/llama-chat"]["revision"] == 2
    assert lock2["workloads"]["runai-nlp/mixtral"]["revision"] == 1
    service = yaml.safe_load((example_copy / "deploy/prod/runai-nlp/llama-chat/service.yaml").read_text())
    assert service["spec"]["template"]["metadata"]["name"] == "llama-chat-00002"
    # An unchanged input keeps every number and every byte.
    before = read_tree(example_copy / "deploy")
    compile_ok(example_copy)
    assert read_tree(example_copy / "deploy") == before


def test_an_error_leaves_the_previous_tree_and_lock_untouched(example_copy: Path):
    compile_ok(example_copy)
    before = read_tree(example_copy / "deploy")
    workload = example_copy / "workloads/nlp/llama-chat.yaml"
    workload.write_text(workload.read_text().replace("maxModelLen: 8192", "maxModelLen: lots"))
    result = run_infc("compile", str(example_copy))
    assert result.returncode == 1
    assert "IC007" in result.stdout and "workloads/nlp/llama-chat.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert read_tree(example_copy / "deploy") == before


def test_check_mode_reports_an_out_of_date_tree(example_copy: Path):
    result = run_infc("compile", str(example_copy), "--check")
    assert result.returncode == 1
    assert "IC701" in result.stdout
    assert not (example_copy / "deploy").exists()
    compile_ok(example_copy)
    assert run_infc("compile", str(example_copy), "--check").returncode == 0


def test_json_report_has_the_documented_shape(example_copy: Path):
    bad = example_copy / "workloads/nlp/broken.yaml"
    bad.write_text("apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: broken, project: nlp}\n"
                   "spec:\n  huggingFace: {modle: x}\n")
    result = run_infc("check", "--repo", str(example_copy), "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["summary"]["errors"] >= 1
    d = next(d for d in data["diagnostics"] if d["code"] == "IC006")
    assert d == {"code": "IC006", "severity": "error", "message": "unknown field 'spec.huggingFace.modle'",
                 "hint": "did you mean 'model'?", "file": "workloads/nlp/broken.yaml", "line": 5, "column": 17}


def _services(tree: dict[str, bytes]) -> list[dict]:
    return [yaml.safe_load(c) for p, c in sorted(tree.items()) if p.endswith("/service.yaml")]


@pytest.mark.skipif(not (SHARED / "schemas/knative/service-serving-v1.json").is_file(),
                    reason="../shared/schemas/knative is not present")
def test_every_service_validates_against_the_knative_crd_schema(example_copy: Path):
    import jsonschema_rs

    compile_ok(example_copy)
    schema = json.loads((SHARED / "schemas/knative/service-serving-v1.json").read_text())
    validator = jsonschema_rs.validator_for(schema)
    services = _services(read_tree(example_copy / "deploy"))
    assert len(services) == 8
    for service in services:
        errors = [e.message for e in validator.iter_errors(service)]
        assert errors == [], (service["metadata"]["name"], errors)


def test_rendered_services_cover_the_seed_features(example_copy: Path):
    compile_ok(example_copy)
    tree = read_tree(example_copy / "deploy")
    by_name = {s["metadata"]["name"]: s for s in _services(tree)}
    tmpl = lambda n: by_name[n]["spec"]["template"]  # noqa: E731
    # Fractions on KAI: annotations, no nvidia.com/gpu.
    qwen = tmpl("qwen-small")
    assert qwen["metadata"]["annotations"]["gpu-fraction"] == "0.5"
    assert "nvidia.com/gpu" not in qwen["spec"]["containers"][0]["resources"].get("requests", {})
    assert "--cuda-memory-fraction" in qwen["spec"]["containers"][0]["args"]
    assert by_name["qwen-small"]["metadata"]["labels"]["networking.knative.dev/visibility"] == "cluster-local"
    assert qwen["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"] == "0"
    phi = tmpl("phi-mini")
    assert phi["metadata"]["annotations"]["gpu-memory"] == str(-(-20 * 10**9 // 2**20))
    distill = tmpl("distill")
    assert distill["metadata"]["annotations"]["gpu-fraction-num-devices"] == "2"
    assert distill["spec"]["containerConcurrency"] == 64
    # Multi-GPU: tensor parallel and /dev/shm.
    mixtral = tmpl("mixtral")
    args = mixtral["spec"]["containers"][0]["args"]
    assert args[args.index("--tensor-parallel-size") + 1] == "4"
    assert {"mountPath": "/dev/shm", "name": "dshm"} in mixtral["spec"]["containers"][0]["volumeMounts"]
    assert mixtral["spec"]["nodeSelector"]["run.ai/type"] == "dgx-h100"
    assert mixtral["metadata"]["annotations"]["autoscaling.knative.dev/metric"] == "rps"
    # Every image is pinned.
    for s in by_name.values():
        image = s["spec"]["template"]["spec"]["containers"][0]["image"]
        assert ":" in image and not image.endswith(":latest")


def test_a_warm_cache_gives_the_same_bytes_as_no_cache(tmp_path: Path, example_copy: Path):
    import shutil

    cold = tmp_path / "cold"
    shutil.copytree(example_copy, cold)
    compile_ok(example_copy)  # fills the cache
    compile_ok(cold, env={"INFC_NO_CACHE": "1"})
    for repo in (example_copy, cold):
        workload = repo / "workloads/nlp/mixtral.yaml"
        workload.write_text(workload.read_text().replace("maxReplicas: 2", "maxReplicas: 3"))
    compile_ok(example_copy)  # mostly from the cache
    compile_ok(cold, env={"INFC_NO_CACHE": "1"})
    assert read_tree(example_copy / "deploy") == read_tree(cold / "deploy")
