"""`infc validate` as a click command, and the --kubeconform merge with a fake binary."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest
from click.testing import CliRunner

from compiler.validate.command import validate_command
from vhelpers import service

BAD_DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: two\n"
                  "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                  "    spec:\n      containers: [{name: web, image: \"nginx:1.27\"}]\n")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args, input=None):
    return CliRunner().invoke(validate_command, list(args), input=input, catch_exceptions=False)


def test_clean_file_exits_0(workdir):
    (workdir / "svc.yaml").write_text(service())
    result = run("svc.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["errors"] == 0 and report["documents"] == 1


def test_errors_exit_1_with_json_locations(workdir):
    (workdir / "d.yaml").write_text(BAD_DEPLOYMENT)
    result = run("d.yaml", "--format", "json")
    assert result.exit_code == 1
    diag = json.loads(result.output)["diagnostics"][0]
    assert (diag["code"], diag["file"], diag["line"]) == ("IC601", "d.yaml", 5)


def test_stdin(workdir):
    result = run("-", "--format", "json", input=service(spec="timeoutSeconds: 601"))
    assert result.exit_code == 1
    assert json.loads(result.output)["diagnostics"][0]["file"] == "stdin"


def test_cluster_file_enables_flags(workdir):
    (workdir / "svc.yaml").write_text(service(spec="tolerations: [{key: a, operator: Exists}]"))
    assert run("svc.yaml").exit_code == 1
    (workdir / "cluster.yaml").write_text(
        "apiVersion: infc/v1\nkind: Cluster\nmetadata: {name: prod}\nspec:\n  knative:\n"
        "    features: {kubernetes.podspec-tolerations: enabled}\n")
    result = run("svc.yaml", "--cluster", "cluster.yaml")
    assert result.exit_code == 0, result.output


def test_a_cluster_file_that_cannot_be_read_is_reported_alone(workdir):
    # Its features are unknown: Knative's defaults would report the tolerations it may allow.
    (workdir / "svc.yaml").write_text(service(spec="tolerations: [{key: a, operator: Exists}]"))
    (workdir / "cluster.yaml").write_text(
        "apiVersion: infc/v1\nkind: Cluster\nmetadata: {name: prod}\nspec:\n  knative:\n"
        "    features: {kubernetes.podspec-tolerations: enabled}\n    revisionTimeoutSeconds: -1\n")
    result = run("svc.yaml", "--cluster", "cluster.yaml", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 1 and data["documents"] == 0
    assert [(d["code"], d["file"]) for d in data["diagnostics"]] == [("IC007", "cluster.yaml")]


@pytest.mark.parametrize("args", [["missing.yaml"], ["x.yaml", "--kubernetes-version", "1.9"],
                                  ["x.yaml", "--schema-location", "nowhere"]])
def test_usage_errors_exit_2(workdir, args):
    (workdir / "x.yaml").write_text(service())
    assert run(*args).exit_code == 2


def test_kubeconform_not_on_path(workdir, monkeypatch):
    (workdir / "svc.yaml").write_text(service())
    monkeypatch.setenv("PATH", str(workdir / "empty-bin"))
    result = run("svc.yaml", "--kubeconform")
    assert result.exit_code == 2
    assert "kubeconform is not on PATH" in result.output


FAKE = """\
#!{python}
import json, os, sys
args = sys.argv[1:]
location = args[args.index("-schema-location") + 1]
schema_dir = os.path.dirname(location)
schemas = sorted(os.listdir(schema_dir))
for name in schemas:  # every schema must be standalone: no reference outside the file
    text = open(os.path.join(schema_dir, name)).read()
    assert "_definitions.json" not in text, name
with open(os.environ["FAKE_KUBECONFORM_LOG"], "w") as log:
    json.dump({{"args": args, "schemas": schemas}}, log)
files = [a for a in args if a.endswith(".yaml")]
print(json.dumps({{"resources": [
    {{"filename": files[0], "kind": "Deployment", "name": "web", "version": "apps/v1",
      "status": "statusInvalid", "msg": "problem validating schema",
      "validationErrors": [{{"path": "/spec/replicas", "msg": "expected integer or null, but got string"}},
                           {{"path": "/spec/template/spec/containers/0/image",
                             "msg": "does not match pattern"}}]}}]}}))
sys.exit(1)
"""


def test_kubeconform_merge_with_fake_binary(workdir, monkeypatch):
    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kubeconform"
    fake.write_text(FAKE.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_KUBECONFORM_LOG", str(workdir / "log.json"))
    (workdir / "d.yaml").write_text(BAD_DEPLOYMENT + "---\n" + service())
    result = run("d.yaml", "--format", "json", "--kubeconform")
    assert result.exit_code == 1, result.output
    log = json.loads((workdir / "log.json").read_text())
    assert log["schemas"] == ["deployment-apps-v1.json", "service-serving-v1.json"]
    assert "-strict" in log["args"] and "-output" in log["args"]
    diags = json.loads(result.output)["diagnostics"]
    replicas = [d for d in diags if d["line"] == 5]
    assert len(replicas) == 1 and "kubeconform" not in replicas[0]["message"]  # deduplicated
    extra = [d for d in diags if "kubeconform" in d["message"]]
    assert len(extra) == 1
    assert extra[0]["code"] == "IC601" and extra[0]["line"] == 10
    assert extra[0]["message"].startswith("spec.template.spec.containers[0].image: does not match pattern")


def test_a_list_is_validated_item_by_item(tmp_path):
    from pathlib import Path

    from compiler.validate import ValidationSettings, validate_paths

    path = Path(tmp_path) / "list.yaml"
    path.write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - {apiVersion: v1, kind: Service, metadata: {name: ok}, spec: {ports: [{port: 80}]}}\n"
        "  - apiVersion: v1\n    kind: Service\n    metadata: {name: bad}\n    spec: {ports: [{port: eighty}]}\n")
    diags, subjects = validate_paths([str(path)], ValidationSettings(), Path(tmp_path))
    assert subjects == ["list.yaml#0.0", "list.yaml#0.1"]
    assert [(d.code, d.location.line, d.subject) for d in diags] == [("IC601", 8, "list.yaml#0.1")]


def test_many_files_on_every_core_report_as_one_process_does(workdir, monkeypatch):
    import compiler.parallel

    (workdir / "m").mkdir()
    for i in range(6):
        (workdir / "m" / f"svc-{i}.yaml").write_text(service(spec=f"timeoutSeconds: {600 + i}"))
    (workdir / "m" / "d.yaml").write_text(BAD_DEPLOYMENT)
    (workdir / "m" / "broken.yaml").write_text("a: [1,\n")
    one = run("m", "-", "--format", "json", input=service(spec="timeoutSeconds: 700"))
    monkeypatch.setattr(compiler.parallel, "PARALLEL_FROM", 2)  # fork workers even for nine files
    many = run("m", "-", "--format", "json", input=service(spec="timeoutSeconds: 700"))
    assert many.exit_code == one.exit_code == 1
    assert many.output == one.output
    report = json.loads(many.output)
    assert report["documents"] == 8
    assert {d["file"] for d in report["diagnostics"]} == {"m/svc-1.yaml", "m/svc-2.yaml", "m/svc-3.yaml",
                                                         "m/svc-4.yaml", "m/svc-5.yaml", "m/d.yaml",
                                                         "m/broken.yaml", "stdin"}


def test_directories_are_walked_in_order_without_hidden_files_or_broken_links(workdir):
    (workdir / "m" / "b").mkdir(parents=True)
    (workdir / "m" / ".git").mkdir()
    (workdir / "m" / "b" / "svc.yaml").write_text(service(spec="timeoutSeconds: 601"))
    (workdir / "m" / "b-svc.yaml").write_text(service(spec="timeoutSeconds: 602"))
    (workdir / "m" / ".git" / "svc.yaml").write_text(service(spec="timeoutSeconds: 603"))
    (workdir / "m" / "notes.txt").write_text("not yaml")
    (workdir / "m" / "linked.yaml").symlink_to("b-svc.yaml")
    (workdir / "m" / "broken.yaml").symlink_to("nowhere.yaml")
    report = json.loads(run("m", "--format", "json").output)
    assert report["documents"] == 3
    assert [d["file"] for d in report["diagnostics"]] == ["m/b-svc.yaml", "m/b/svc.yaml", "m/linked.yaml"]


def test_a_path_that_does_not_exist_is_a_usage_error(workdir):
    result = run("missing.yaml")
    assert result.exit_code == 2 and "path 'missing.yaml' does not exist" in result.output


def test_unreadable_input_is_a_diagnostic_among_the_others(workdir, monkeypatch):
    import errno

    import compiler.validate.files as files

    real_read = files.read

    def read(path):
        if path in ("locked.yaml", "-"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(files, "read", read)
    (workdir / "svc.yaml").write_text(service(spec="timeoutSeconds: 601"))
    (workdir / "locked.yaml").write_text(service())
    result = run("locked.yaml", "-", "svc.yaml", "--format", "json")
    assert result.exit_code == 1
    found = {(d["code"], d["file"], d["message"]) for d in json.loads(result.output)["diagnostics"]}
    assert ("IC001", "locked.yaml", "cannot read locked.yaml: Permission denied") in found
    assert ("IC001", "stdin", "cannot read stdin: Permission denied") in found
    assert any(file == "svc.yaml" and code != "IC001" for code, file, _ in found)


@pytest.mark.parametrize("api_version, kind, line, message", [
    ("v1", "../../../etc/passwd", 2, "is not a Kubernetes kind name"),
    ("v1", "C" * 300, 2, "is not a Kubernetes kind name"),
    ("../../x/v1", "ConfigMap", 1, "is not GROUP/VERSION"),
    ("a" * 250 + ".io/v1", "Thing", 1, "is not GROUP/VERSION"),
    ("example.com/" + "v" * 200, "Thing", 1, "is not GROUP/VERSION"),
])
def test_a_kind_or_api_version_that_names_no_schema_is_reported(workdir, api_version, kind, line, message):
    """They would be looked up as schema file names: never a path, never a crash on a long name."""
    (workdir / "x.yaml").write_text(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n")
    result = run("x.yaml", "--format", "json", "--schema-location", str(workdir))
    assert result.exit_code == 1
    [diag] = json.loads(result.output)["diagnostics"]
    assert (diag["code"], diag["line"]) == ("IC601", line) and message in diag["message"]


@pytest.mark.parametrize("value,message", [
    (".nan", "'.nan' is NaN, which JSON cannot hold"),
    ("-.Inf", "'-.Inf' is infinity, which JSON cannot hold"),
    ("99999999999999999999999999999", "integer 99999999999999999999999999999 is too large"),
    ("1e400", "expected integer, got string '1e400' (a number too large for a float64"),
])
def test_a_value_that_cannot_be_a_number_is_reported_once_by_name(workdir, value, message):
    (workdir / "svc.yaml").write_text(service(spec=f"timeoutSeconds: {value}"))
    result = run("svc.yaml", "--format", "json")
    assert result.exit_code == 1
    [diag] = [d for d in json.loads(result.output)["diagnostics"] if d["severity"] == "error"]
    assert message in diag["message"] and "None" not in diag["message"]
    assert (diag["line"], diag["column"]) == (11, 23)


def test_a_cluster_file_value_too_large_is_reported_once(workdir):
    (workdir / "svc.yaml").write_text(service())
    (workdir / "cluster.yaml").write_text("apiVersion: infc/v1\nkind: Cluster\nmetadata: {name: prod}\nspec:\n"
                                          "  knative:\n    revisionTimeoutSeconds: 99999999999999999999999999\n")
    diags = json.loads(run("svc.yaml", "--cluster", "cluster.yaml", "--format", "json").output)["diagnostics"]
    assert [(d["file"], d["line"], d["message"]) for d in diags if d["file"] == "cluster.yaml"] == [
        ("cluster.yaml", 6, "integer 99999999999999999999999999 is too large")]
