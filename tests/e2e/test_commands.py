"""Every command end to end, as a user runs it on the example repository."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from support import PROJECT, run_infc


def _json(result) -> dict:
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_plan_lists_changed_revisions_and_files(example_copy: Path):
    assert run_infc("compile", str(example_copy)).returncode == 0
    path = example_copy / "workloads/nlp/llama-chat.yaml"
    path.write_text(path.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))
    result = run_infc("plan", str(example_copy))
    assert result.returncode == 0
    assert "prod runai-nlp/llama-chat: 1 → 2" in result.stdout
    data = _json(run_infc("plan", str(example_copy), "--format", "json"))
    assert data["plan"]["files"]["changed"] == ["prod/infc.lock.json", "prod/runai-nlp/llama-chat/service.yaml"]
    assert data["plan"]["revisions"] == [{"cluster": "prod", "workload": "runai-nlp/llama-chat", "old": 1, "new": 2}]
    # plan writes nothing
    assert "llama-chat-00001" in (example_copy / "deploy/prod/runai-nlp/llama-chat/service.yaml").read_text()


def test_a_lock_entry_edited_out_of_shape_is_ic702_for_every_command(example_copy: Path):
    assert run_infc("compile", str(example_copy)).returncode == 0
    lock = example_copy / "deploy/prod/infc.lock.json"
    before = lock.read_text().replace('"memory": 64000000000', '"memory": Infinity', 1)
    lock.write_text(before)
    path = example_copy / "workloads/nlp/llama-chat.yaml"
    path.write_text(path.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))  # a rolling update
    for command in ("plan", "check", "compile"):
        result = run_infc(command, str(example_copy))
        assert "Traceback" not in result.stderr and result.returncode == 1, (command, result.stderr)
        assert "infc.lock.json:4:5: error[IC702] lock entry 'runai-nlp/llama-chat' is inconsistent" in result.stdout
    assert lock.read_text() == before  # nothing written


def test_quota_table(example_copy: Path):
    data = _json(run_infc("quota", str(example_copy), "--format", "json"))
    row = next(r for r in data["quota"] if r["level"] == "project" and r["name"] == "nlp" and r["pool"] == "h100")
    assert row["gpu"]["deserved"] == 10 and row["gpu"]["limit"] == 12
    assert row["gpu"]["used"] == 5  # llama-chat 1 GPU + mixtral 4 GPUs at one replica each
    text = run_infc("quota", str(example_copy)).stdout
    assert "research/nlp" in text and "DESERVED" in text


def test_endpoints(example_copy: Path):
    data = _json(run_infc("endpoints", str(example_copy), "--format", "json"))
    by = {e["workload"]: e for e in data["endpoints"]}
    assert by["nlp/qwen-small"]["url"] == "http://qwen-small.runai-nlp.svc.cluster.local"
    assert by["nlp/llama-chat"]["url"] == "https://llama-chat.runai-nlp.inference.example.com"
    assert "Authorization: Bearer" in by["nlp/mixtral"]["curl"]
    assert "Authorization" not in by["nlp/llama-chat"]["curl"]
    assert "/v1/chat/completions" in by["nlp/llama-chat"]["curl"]
    # An embedding model (vLLM `--task embed`) answers on the embeddings API, not chat.
    assert by["search/embedder"]["path"] == "/v1/embeddings"
    assert by["search/embedder"]["curl"].endswith("""-d '{"model": "embedder", "input": "Hello!"}'""")


def _curl_words(curl: str, cwd: Path) -> list[str]:
    """The words a POSIX shell makes of a pasted curl (bash itself, so nothing is assumed)."""
    shown = subprocess.run(["bash", "-c", 'curl() { printf "%s\\0" "$@"; }; ' + curl],
                           capture_output=True, text=True, check=True, cwd=cwd).stdout
    return shown.split("\0")[:-1]


def test_endpoints_curl_is_safe_to_paste_and_never_shows_a_secret(example_copy: Path):
    path = example_copy / "workloads/nlp/llama-chat.yaml"
    original = path.read_text()
    token = "hf_" + "abcdefghijklmnopqrstuvwxyzABCDEFGH"
    odd = "x'$(touch injected)'\""  # a quote, a command substitution, a double quote
    for name in (odd, token):
        path.write_text(original.replace("servedModelName: llama-chat", f"servedModelName: {json.dumps(name)}"))
        result = run_infc("endpoints", str(example_copy), "--format", "json")
        assert token not in result.stdout and token not in run_infc("endpoints", str(example_copy)).stdout
        row = next(e for e in _json(result)["endpoints"] if e["workload"] == "nlp/llama-chat")
        words = _curl_words(row["curl"], example_copy)
        assert words[0] == "-sS" and words[1].endswith("/v1/chat/completions")
        body = json.loads(words[words.index("-d") + 1])  # one word, valid JSON
        assert body["model"] == row["model"] == (odd if name == odd else row["model"])
    assert not (example_copy / "injected").exists()


@pytest.mark.parametrize("template, problem", [
    ("{name}-{foo}.{domain}", "not {foo}"),
    ("{0}.{domain}", "not {0}"),
    ("{name", "not a template"),
    ("{name:>99999999999}.{domain}", "as they are"),
    ("{name.__class__}.{domain}", "not {name.__class__}"),
    ("{{.Name}}.{{.Namespace}}.{{.Domain}}", "Knative's Go template syntax"),
    ("{namespace}.{domain}", "{name} is missing"),
    ("{name}.{namespace}.{domain}/v1", "not a DNS name"),
])
def test_a_domain_template_that_gives_no_host_per_workload_is_reported(example_copy: Path, template, problem):
    cluster = example_copy / "clusters/prod.yaml"
    text = cluster.read_text()
    cluster.write_text(text.replace('    version: "1.23"\n', f'    version: "1.23"\n    domainTemplate: {json.dumps(template)}\n'))
    line = text[:text.index('    version: "1.23"')].count("\n") + 2
    result = run_infc("check", str(example_copy))
    assert result.returncode == 1 and f"clusters/prod.yaml:{line}:21: error[IC007]" in result.stdout, result.stdout
    assert problem in result.stdout
    for command in ("endpoints", "plan", "quota"):  # a report, never a traceback
        assert run_infc(command, str(example_copy)).returncode == 1


def test_a_cluster_domain_that_is_not_a_dns_name_is_reported(example_copy: Path):
    cluster = example_copy / "clusters/prod.yaml"
    cluster.write_text(cluster.read_text().replace("domain: inference.example.com", 'domain: "inference example.com"'))
    result = run_infc("check", str(example_copy))
    assert result.returncode == 1 and "clusters/prod.yaml:10:11: error[IC007] invalid value for 'spec.domain'" \
        in result.stdout, result.stdout


def test_a_domain_template_sets_the_endpoint_url(example_copy: Path):
    cluster = example_copy / "clusters/prod.yaml"
    cluster.write_text(cluster.read_text().replace('    version: "1.23"\n',
                                                   '    version: "1.23"\n    domainTemplate: "{name}-{namespace}.{domain}"\n'))
    by = {e["workload"]: e for e in _json(run_infc("endpoints", str(example_copy), "--format", "json"))["endpoints"]}
    assert by["nlp/llama-chat"]["url"] == "https://llama-chat-runai-nlp.inference.example.com"


def test_explain_names_the_file_that_set_each_value(example_copy: Path):
    result = run_infc("explain", "mixtral", "--repo", str(example_copy))
    assert result.returncode == 0
    line = next(li for li in result.stdout.splitlines() if li.startswith("compute.gpuDevicesRequest"))
    assert "assets/compute.yaml:" in line
    data = _json(run_infc("explain", "mixtral", "--repo", str(example_copy), "--format", "json"))
    row = next(r for r in data["rows"] if r["path"] == "compute.gpuDevicesRequest")
    assert row["value"] == 4 and row["rules"][0]["attribute"] == "max"
    missing = run_infc("explain", "nope", "--repo", str(example_copy))
    assert missing.returncode == 2 and "no workload named 'nope'" in missing.stderr
    # As reports name it: project/name.
    keyed = run_infc("explain", "nlp/mixtral", "--repo", str(example_copy))
    assert keyed.returncode == 0 and keyed.stdout == result.stdout
    elsewhere = run_infc("explain", "vision/mixtral", "--repo", str(example_copy))
    assert elsewhere.returncode == 2 and "in project 'vision'" in elsewhere.stderr


def test_explain_reports_the_workloads_own_findings_and_exits_1_on_an_error(example_copy: Path):
    path = example_copy / "workloads/nlp/llama-chat.yaml"
    path.write_text(path.read_text() + "  autoscaling: {maxReplicas: 20}\n")  # above the policy's 8
    result = run_infc("explain", "llama-chat", "--repo", str(example_copy))
    assert result.returncode == 1 and "error[IC104]" in result.stdout
    assert result.stdout.startswith("nlp/llama-chat")  # the explanation first, then the findings
    data = _json(run_infc("explain", "llama-chat", "--repo", str(example_copy), "--format", "json"))
    assert data["summary"]["errors"] == 1 and {d["code"] for d in data["diagnostics"]} >= {"IC104"}
    assert data["workload"] == "llama-chat" and data["rows"]
    # Another workload's explanation does not carry this one's findings.
    other = run_infc("explain", "mixtral", "--repo", str(example_copy), "--format", "json")
    assert other.returncode == 0 and _json(other)["diagnostics"] == []


@pytest.mark.parametrize("args, shows", [(["quota"], "DESERVED"), (["endpoints"], "curl -sS"),
                                         (["plan"], "prod runai-nlp/llama-chat: 1 → 2"),
                                         (["explain", "mixtral", "--repo"], "compute.gpuDevicesRequest")])
def test_under_github_actions_reports_keep_their_text_beside_the_annotations(example_copy: Path, args, shows):
    assert run_infc("compile", str(example_copy)).returncode == 0
    path = example_copy / "workloads/nlp/llama-chat.yaml"
    path.write_text(path.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))
    result = run_infc(*args, str(example_copy), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 0 and shows in result.stdout, result.stdout


def test_schema_and_init(tmp_path: Path):
    data = _json(run_infc("schema"))
    assert "InferenceWorkloadDocument" in data["$defs"]
    one = _json(run_infc("schema", "Cluster"))
    assert one["title"] == "infc/v1 Cluster"
    assert run_infc("schema", "Nope").returncode == 2
    starter = tmp_path / "starter"
    assert run_infc("init", str(starter)).returncode == 0
    assert json.loads((starter / "infc.schema.json").read_text()) == data  # what editors check against
    assert "yaml-language-server: $schema=../../infc.schema.json" in (starter / "workloads/team-a/qwen.yaml").read_text()
    result = run_infc("compile", str(starter))
    assert result.returncode == 0 and "no problems found" in result.stdout
    assert run_infc("init", str(starter)).returncode == 2  # not empty
    (tmp_path / "a-file").write_text("x")
    os.symlink("nowhere", tmp_path / "a-dangling-link")
    for target in ("a-file", "a-dangling-link"):
        result = run_infc("init", str(tmp_path / target))
        assert result.returncode == 2 and "is not a directory" in result.stderr, result.stderr


def test_field_reference_is_generated_from_the_models():
    result = run_infc("schema", "--markdown")
    assert result.stdout == (PROJECT / "docs/fields.md").read_text(), \
        "docs/fields.md is stale: run `infc schema --markdown > docs/fields.md`"


def test_validate_reads_stdin_and_uses_the_cluster_flags(example_copy: Path):
    assert run_infc("compile", str(example_copy)).returncode == 0
    service = (example_copy / "deploy/prod/runai-nlp/mixtral/service.yaml").read_text()
    plain = run_infc("validate", "-", input=service)
    assert plain.returncode == 1 and "kubernetes.podspec-schedulername" in plain.stdout
    flagged = run_infc("validate", "--cluster", str(example_copy / "clusters/prod.yaml"), "-", input=service)
    assert flagged.returncode == 0, flagged.stdout


def test_github_format_is_the_default_under_github_actions(example_copy: Path):
    (example_copy / "workloads/nlp/bad.yaml").write_text(
        "apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: bad, project: nlp}\nspec: {imagee: x}\n")
    result = run_infc("check", "--repo", str(example_copy), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert "::error file=workloads/nlp/bad.yaml,line=4,col=8,title=IC006::" in result.stdout


def test_check_with_files_reports_only_those_files(example_copy: Path):
    (example_copy / "workloads/nlp/bad.yaml").write_text(
        "apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: bad, project: nlp}\nspec: {imagee: x}\n")
    other = run_infc("check", str(example_copy / "workloads/nlp/llama-chat.yaml"), "--format", "json")
    assert _json(other)["diagnostics"] == [] and other.returncode == 0
    bad = _json(run_infc("check", str(example_copy / "workloads/nlp/bad.yaml"), "--format", "json"))
    assert [d["code"] for d in bad["diagnostics"]] == ["IC006"]


def test_check_of_a_directory_reports_the_files_under_it(example_copy: Path):
    (example_copy / "workloads/nlp/bad.yaml").write_text(
        "apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: bad, project: nlp}\nspec: {imagee: x}\n")
    nlp = run_infc("check", "workloads", "--format", "json", cwd=example_copy)
    assert [(d["code"], d["file"]) for d in _json(nlp)["diagnostics"]] == [("IC006", "workloads/nlp/bad.yaml")]
    search = run_infc("check", "workloads/search", "--format", "json", cwd=example_copy)
    assert _json(search)["diagnostics"] == [] and search.returncode == 0


def test_check_of_the_repository_directory_from_outside_finds_its_root(example_copy: Path):
    (example_copy / "workloads/nlp/bad.yaml").write_text(
        "apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: bad, project: nlp}\nspec: {imagee: x}\n")
    found = run_infc("check", example_copy.name, "--format", "json", cwd=example_copy.parent)
    assert [(d["code"], d["file"]) for d in _json(found)["diagnostics"]] == [("IC006", "workloads/nlp/bad.yaml")]


def test_check_refuses_paths_it_cannot_check(example_copy: Path, tmp_path: Path):
    missing = run_infc("check", "workloads/nlp/nope.yaml", cwd=example_copy)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    elsewhere = tmp_path / "other.yaml"
    elsewhere.write_text("a: 1\n")
    outside = run_infc("check", "--repo", str(example_copy), str(elsewhere))
    assert outside.returncode == 2 and "is outside the repository" in outside.stderr


def test_a_repository_may_override_a_template(example_copy: Path):
    override = example_copy / "templates"
    override.mkdir()
    original = (PROJECT / "templates/namespace.yaml.j2").read_text()
    (override / "namespace.yaml.j2").write_text(original.replace(
        "  labels: {{ labels | tojson }}", "  labels: {{ labels | tojson }}\n  annotations: {\"team\": \"platform\"}"))
    assert run_infc("compile", str(example_copy)).returncode == 0
    ns = yaml.safe_load((example_copy / "deploy/prod/cluster/namespace-runai-nlp.yaml").read_text())
    assert ns["metadata"]["annotations"] == {"team": "platform"}


def test_flux_delivery(example_copy: Path):
    config = example_copy / "infc.yaml"
    config.write_text(config.read_text().replace("delivery: argocd", "delivery: flux"))
    assert run_infc("compile", str(example_copy)).returncode == 0
    flux = example_copy / "deploy/prod/flux"
    assert not (example_copy / "deploy/prod/argocd").exists()
    ks = yaml.safe_load((flux / "kustomization-runai-nlp.yaml").read_text())
    assert ks["spec"]["prune"] is True and ks["spec"]["path"] == "./deploy/prod/runai-nlp"
    assert (flux / "gitrepository.yaml").is_file()


def test_fail_on_change_for_pre_commit(example_copy: Path):
    first = run_infc("compile", str(example_copy), "--fail-on-change")
    assert first.returncode == 1 and "changed" in first.stderr
    assert run_infc("compile", str(example_copy), "--fail-on-change").returncode == 0


def test_labels_and_annotations_may_be_maps(tmp_path: Path):
    from repo_builder import make_repo, workload

    make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat", "labels: {team: nlp}\nannotations: {owner: alice}")})
    assert run_infc("compile", str(tmp_path)).returncode == 0
    service = yaml.safe_load((tmp_path / "deploy/prod/runai-nlp/chat/service.yaml").read_text())
    assert service["metadata"]["labels"]["team"] == "nlp"
    assert service["metadata"]["annotations"]["owner"] == "alice"


def test_an_unwritable_output_is_a_clear_error(example_copy: Path, monkeypatch):
    import errno

    from click.testing import CliRunner

    import compiler.output.write as write
    from compiler.cli import cli

    def refuse(target, tree, digests=None):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(write, "write_tree", refuse)
    result = CliRunner().invoke(cli, ["compile", str(example_copy)])
    assert result.exit_code == 1
    assert "cannot write deploy/: Read-only file system (the previous output tree is unchanged)" in result.output


@pytest.mark.parametrize("command", [["compile"], ["quota"], ["endpoints"], ["check"], ["--help"]])
def test_a_reader_that_leaves_early_is_no_internal_error(example_copy: Path, command: list[str]):
    """`infc compile | head -1`: the pipe closes before the report is written."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([str(Path(sys.executable).with_name("infc")), *command, str(example_copy)],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300,
                                env={**os.environ, "NO_COLOR": "1"})
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.returncode == 1  # as click ends `infc --help` into a closed pipe


def test_a_full_disk_or_a_closed_stream_is_said_plainly(example_copy: Path, tmp_path: Path):
    import subprocess
    import sys

    infc = str(Path(sys.executable).with_name("infc"))
    full = subprocess.run(f"{infc} quota {example_copy} > /dev/full", shell=True, capture_output=True, text=True)
    assert full.returncode == 1 and full.stderr == "infc: No space left on device\n", full.stderr
    closed = subprocess.run(f"{infc} compile {example_copy} >&-", shell=True, capture_output=True, text=True)
    assert closed.returncode == 0 and closed.stderr == "", closed.stderr  # no report, the tree written
    assert (example_copy / "deploy/prod/infc.lock.json").is_file()
    (tmp_path / "a-file").write_text("x\n")
    result = run_infc("init", str(tmp_path / "a-file" / "starter"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("infc: Not a directory: ") and "a-file" in result.stderr, result.stderr
