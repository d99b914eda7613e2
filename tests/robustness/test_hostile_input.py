"""Hostile input never crashes infc, never escapes the repository, never evaluates templates."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repo_builder import make_repo, workload
from support import fuzz_examples, run_infc
from compiler.load.yamlfile import parse_yaml
from compiler.pipeline import analyse
from compiler.spec.parse import parse_documents


def check_json(repo: Path) -> tuple[int, dict, str]:
    result = run_infc("check", "--repo", str(repo), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def codes(data: dict) -> set[str]:
    return {d["code"] for d in data["diagnostics"]}


def test_alias_bomb_is_refused(tmp_path: Path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    make_repo(tmp_path, {"bomb.yaml": "\n".join(lines) + "\n"})
    code, data, _ = check_json(tmp_path)
    assert code == 1
    bomb = [d for d in data["diagnostics"] if d["file"] == "bomb.yaml"]
    assert bomb and bomb[0]["code"] == "IC005" and "alias" in bomb[0]["message"]


def test_very_deep_document_is_refused(tmp_path: Path):
    make_repo(tmp_path, {"deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"})
    code, data, _ = check_json(tmp_path)
    deep = [d for d in data["diagnostics"] if d["code"] == "IC005"]
    assert code == 1 and deep and "nested deeper" in deep[0]["message"] and "flatten" in deep[0]["hint"]


def test_very_large_file_is_refused(tmp_path: Path):
    make_repo(tmp_path, {"big.yaml": "x: " + "a" * (9 * 1024 * 1024) + "\n"})
    code, data, _ = check_json(tmp_path)
    assert code == 1
    assert any(d["code"] == "IC005" and d["file"] == "big.yaml" for d in data["diagnostics"])


def test_binary_and_non_utf8_files_are_reported_where_the_bad_byte_is(tmp_path: Path):
    make_repo(tmp_path)
    (tmp_path / "blob.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.yaml").write_bytes("# caf\u00e9\nname: caf\xe9\n".encode("utf-8")[:7] + "\nname: caf\xe9\n".encode("latin-1"))
    (tmp_path / "nul.yaml").write_bytes(b"a: 1\nb: x\x00y\n")
    (tmp_path / "windows.yaml").write_text("apiVersion: infc/v1\n", encoding="utf-16")  # PowerShell's `>`
    code, data, _ = check_json(tmp_path)
    assert code == 1
    found = {d["file"]: (d["code"], d["line"], d["column"], d["message"]) for d in data["diagnostics"]}
    assert found["blob.yaml"][0] == "IC001"
    assert found["latin1.yaml"] == ("IC001", 2, 10, "file is not UTF-8 text (byte 17)")  # after "name: caf"
    assert found["nul.yaml"] == ("IC001", 2, 5, "file contains NUL bytes (binary file?)")
    assert found["windows.yaml"] == ("IC001", 1, 1, "file is UTF-16 text, not UTF-8")
    # The code frame spells the bytes out, as file names are, rather than replacing them.
    text = run_infc("check", str(tmp_path)).stdout
    assert "2 | name: caf\\xe9" in text and "\ufffd" not in text, text


def test_symlinks_leaving_the_repository_or_looping_are_not_followed(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("apiVersion: infc/v1\nkind: Nope\n")
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat")})
    os.symlink(outside, repo / "escape")
    os.symlink(outside / "secret.yaml", repo / "escape-file.yaml")
    os.symlink(repo / "workloads", repo / "workloads" / "loop")
    os.symlink("self.yaml", repo / "workloads" / "self.yaml")  # a link to itself
    os.symlink("gone.yaml", repo / "workloads" / "dangling.yaml")
    code, data, _ = check_json(repo)
    assert code == 0, data
    skipped = {d["file"]: d for d in data["diagnostics"] if d["code"] == "IC001"}
    assert {d["severity"] for d in skipped.values()} == {"warning"}
    assert "outside the repository" in skipped["escape-file.yaml"]["message"]
    assert "symbolic link loop" in skipped["workloads/self.yaml"]["message"]
    assert "symbolic link to nothing" in skipped["workloads/dangling.yaml"]["message"]
    assert "IC003" not in codes(data)  # the outside file was never read
    # The same when the files are named: a directory holding them, or the link itself.
    for named in ("workloads", "workloads/self.yaml", "escape-file.yaml"):
        result = run_infc("check", "--repo", str(repo), str(repo / named), "--format", "json")
        assert result.returncode == 0 and "Traceback" not in result.stderr, (named, result.stderr)
        assert {d["code"] for d in json.loads(result.stdout)["diagnostics"]} == {"IC001"}


def test_file_names_that_are_not_utf8_are_reported_and_a_repository_path_that_is_not_works(tmp_path: Path):
    # Git stores names as bytes: a checkout on Linux may hold names in Latin-1.
    root = Path(os.fsdecode(bytes(tmp_path) + b"/r\xe9po"))
    repo = make_repo(root, {"workloads/nlp/chat.yaml": workload("chat")})
    bad_file = Path(os.fsdecode(bytes(repo) + b"/workloads/nlp/caf\xe9.yaml"))
    bad_dir = Path(os.fsdecode(bytes(repo) + b"/workloads/\xff"))
    bad_file.write_text(workload("cafe"))
    bad_dir.mkdir()
    (bad_dir / "x.yaml").write_text(workload("x"))
    for args in (["check", "--repo", str(repo)], ["check", "--repo", str(repo), str(bad_file)],
                 ["compile", str(repo)]):
        result = run_infc(*args, "--format", "json")
        assert result.returncode == 1 and "Traceback" not in result.stderr, (args, result.stderr)
        found = {(d["file"], d["code"], d["severity"]) for d in json.loads(result.stdout)["diagnostics"]}
        assert ("workloads/nlp/caf\\xe9.yaml", "IC001", "error") in found, args
        if args[-1] != str(bad_file):
            assert ("workloads/\\xff", "IC001", "error") in found, args
    bad_file.unlink()
    shutil.rmtree(bad_dir)
    result = run_infc("compile", str(repo))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (repo / "deploy/prod/runai-nlp/chat/service.yaml").is_file()
    assert run_infc("compile", str(repo)).returncode == 0  # and again, from the cache


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit", "tap"])
def test_validate_names_a_file_whose_name_is_not_utf8_in_every_format(tmp_path: Path, fmt: str):
    directory = tmp_path / "out"
    directory.mkdir()
    Path(os.fsdecode(bytes(directory) + b"/caf\xe9.yaml")).write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: 5\n")
    result = run_infc("validate", "--format", fmt, "out", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    # As each format writes a backslash: plain, JSON or YAML-escaped, or percent-encoded in a URI.
    assert any(name in result.stdout for name in ("caf\\xe9.yaml", "caf\\\\xe9.yaml", "caf%5Cxe9.yaml")), \
        result.stdout


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_in_a_legacy_encoding_gets_escapes_not_a_crash(tmp_path: Path, encoding: str):
    extra = """
    bogusField: "漢字 ✓"
    """
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat", extra)})
    result = run_infc("check", "--repo", str(tmp_path), env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "unknown field 'spec.bogusField'" in result.stdout and "\\u6f22\\u5b57" in result.stdout


def test_names_cannot_traverse_paths(tmp_path: Path):
    evil = workload("chat").replace("name: chat", "name: ../../etc")
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": evil,
                         "org/evil.yaml": "apiVersion: infc/v1\nkind: Project\nmetadata: {name: evil}\n"
                                          "spec: {cluster: prod, namespace: ../../tmp}\n"})
    result = run_infc("compile", str(tmp_path))
    assert result.returncode == 1
    assert "IC201" in result.stdout and "IC007" in result.stdout
    assert not (tmp_path / "deploy").exists() and not (tmp_path.parent / "etc").exists()


def test_jinja_syntax_in_values_is_rendered_literally(tmp_path: Path):
    extra = """
    environmentVariables:
      - {name: GREETING, value: "{{ 7 * 7 }} {% raw %}x{% endraw %} ${HOME}"}
    annotations:
      - {name: note, value: "{{ config.__class__ }}"}
    """
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat", extra)})
    result = run_infc("compile", str(tmp_path))
    assert result.returncode == 0, result.stdout
    service = (tmp_path / "deploy/prod/runai-nlp/chat/service.yaml").read_text()
    assert "{{ 7 * 7 }} {% raw %}x{% endraw %} ${HOME}" in service
    assert "{{ config.__class__ }}" in service
    assert "49" not in service


def test_duplicate_keys_and_huge_integers(tmp_path: Path):
    extra = """
    autoscaling: {minReplicas: 1, minReplicas: 2, maxReplicas: 99999999999999999999999}
    """
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat", extra)})
    code, data, _ = check_json(tmp_path)
    assert code == 1
    by_code = {d["code"]: d for d in data["diagnostics"]}
    assert by_code["IC002"]["line"] == 7 and "minReplicas" in by_code["IC002"]["message"]
    huge = [d for d in data["diagnostics"] if d["code"] == "IC007"]
    assert len(huge) == 1 and "too large" in huge[0]["message"] and huge[0]["line"] == 7
    # Where the field cannot be unset (an integer with a default), still one finding, not a
    # second one for the null the number was read as.
    cluster = tmp_path / "clusters/prod.yaml"
    cluster.write_text(cluster.read_text().replace("  knative:\n", "  knative:\n    revisionTimeoutSeconds: 1" + "0" * 30 + "\n", 1))
    _, data, _ = check_json(tmp_path)
    at_cluster = [d for d in data["diagnostics"] if d["file"] == "clusters/prod.yaml"]
    assert [d["message"] for d in at_cluster] == ["integer 1" + "0" * 29 + "... is too large"], at_cluster


_yaml_text = st.text(alphabet=st.sampled_from(list("abc: -[]{}&*!|>'\"#\n\t,?%@`0123456789.~\\")), max_size=300)


@settings(max_examples=fuzz_examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yaml_text)
def test_loader_never_raises_on_arbitrary_text(text: str):
    docs, diags = parse_yaml(text.encode(), "fuzz.yaml")
    parse_documents(docs)
    for d in diags:
        assert d.location is not None and d.location.file == "fuzz.yaml"


# File and directory names as a checkout may hold them: any bytes but '/' and NUL.
_names = st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))


@settings(max_examples=fuzz_examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                               HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_names, _names, st.sampled_from([b".yaml", b".yml", b""])), min_size=1, max_size=4))
def test_discovery_names_every_file_it_cannot_read_whatever_its_name(tmp_path_factory, entries):
    root = make_repo(tmp_path_factory.mktemp("names"), {"workloads/nlp/chat.yaml": workload("chat")})
    expected = set()  # what must be reported: the outermost name that is not UTF-8 (dot-names are not read)
    for directory, name, suffix in entries:
        folder = Path(os.fsdecode(bytes(root / "workloads") + b"/" + directory))
        try:
            folder.mkdir(exist_ok=True)
            Path(os.fsdecode(bytes(folder) + b"/" + name + suffix)).write_text("kind: Unread\n")
        except OSError:  # a name taken by a file, or too long for the file system
            continue
        if directory.startswith(b"."):
            continue
        if not _utf8(directory):
            expected.add("workloads/" + directory.decode("utf-8", "backslashreplace"))
        elif suffix and not name.startswith(b".") and not _utf8(name + suffix):
            expected.add("workloads/" + (directory + b"/" + name + suffix).decode("utf-8", "backslashreplace"))
    analysis = analyse(root)  # must not raise, whatever the names are
    for d in analysis.diagnostics:
        d.location.file.encode("utf-8")  # every name a diagnostic gives is UTF-8 text
    reported = {d.location.file for d in analysis.diagnostics if d.code == "IC001" and d.is_error}
    assert reported == expected


def _utf8(name: bytes) -> bool:
    try:
        name.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False),
                     st.text(max_size=20))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                       max_leaves=20)
_spec_keys = st.sampled_from(["huggingFace", "compute", "autoscaling", "servingPort", "storage", "security",
                              "tolerations", "environmentVariables", "nodePools", "labels", "probes", "ports",
                              "image", "args", "priorityClass", "exposedUrls", "servingConfiguration"])


@settings(max_examples=fuzz_examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.dictionaries(_spec_keys, _values, max_size=6))
def test_models_and_checks_never_raise_on_arbitrary_specs(tmp_path_factory, spec: dict):
    import yaml

    root = tmp_path_factory.mktemp("fuzz")
    doc = {"apiVersion": "infc/v1", "kind": "InferenceWorkload",
           "metadata": {"name": "fuzz", "project": "nlp"}, "spec": spec}
    make_repo(root, {"workloads/nlp/fuzz.yaml": yaml.safe_dump(doc)})
    analysis = analyse(root)  # must not raise, whatever the spec holds
    assert all(d.location is not None for d in analysis.diagnostics if d.code.startswith(("IC00", "IC2")))


def test_the_output_directory_must_stay_inside_the_repository(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {
        "infc.yaml": "apiVersion: infc/v1\nkind: Config\nspec: {output: ../escape}\n",
        "workloads/nlp/chat.yaml": workload("chat")})
    result = run_infc("compile", str(repo))
    assert result.returncode == 1
    assert "infc.yaml:3:16: error[IC007]" in result.stdout
    assert not (tmp_path / "escape").exists() and not (repo / "deploy").exists()


@pytest.mark.parametrize("directory", ["deploy", "templates"])
def test_an_output_or_template_directory_linking_outside_is_refused(tmp_path: Path, directory: str):
    outside = tmp_path / "outside"
    (outside / "prod").mkdir(parents=True)
    (outside / "prod" / "infc.lock.json").write_text("runner-secret: the lock file is not read\n")
    (outside / "namespace.yaml.j2").write_text("runner-secret: {{ nor the template\n")
    repo = make_repo(tmp_path / "repo", {
        "infc.yaml": "apiVersion: infc/v1\nkind: Config\nspec:\n  output: deploy\n",
        "workloads/nlp/chat.yaml": workload("chat")})
    os.symlink(outside, repo / directory)
    for command in ("compile", "check"):
        result = run_infc(command, str(repo))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        field = "output" if directory == "deploy" else "templates"
        assert f"error[IC007] {field} directory '{directory}' is a symbolic link leading outside the repository" \
            in result.stdout, result.stdout
        assert "runner-secret" not in result.stdout
    assert sorted(p.name for p in outside.rglob("*")) == ["infc.lock.json", "namespace.yaml.j2", "prod"]


def test_an_output_directory_linking_to_itself_is_refused(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat")})
    os.symlink("deploy", repo / "deploy")
    result = run_infc("compile", str(repo))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "error[IC007] output directory 'deploy' is a symbolic link in a loop" in result.stdout
    assert os.readlink(repo / "deploy") == "deploy"


def test_a_repository_template_linking_outside_is_not_read(tmp_path: Path):
    secret = tmp_path / "runner-secret.txt"
    secret.write_text("kind: Secret-on-the-runner\n")
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat")})
    (repo / "templates").mkdir()
    os.symlink(secret, repo / "templates" / "namespace.yaml.j2")
    result = run_infc("compile", str(repo))
    assert result.returncode == 0, result.stdout  # infc's own template is used instead
    ns = (repo / "deploy/prod/cluster/namespace-runai-nlp.yaml").read_text()
    assert "Secret-on-the-runner" not in ns and "kind: Namespace" in ns


@pytest.mark.parametrize("template, line, message", [
    ("metadata:\n  name: {{ name \n", 4, "unexpected end of template"),
    ("metadata:\n  labels: {{ labels | tojson }}\n  name: {{ nosuch.x }}\n", 5, "'nosuch' is undefined"),
    # The output's line is named in the message; the template's is unknown.
    ("metadata: [\n  name: {{ name | tojson }}\n", 1, "renders invalid YAML (did not find expected ',' or ']', line 5"),
    # Too deep for the stages after it (their recursion would exhaust the stack), with or without anchors.
    ("metadata:\n  name: {{ name | tojson }}\n  labels: " + "[" * 600 + "]" * 600 + "\n", 1,
     "renders invalid YAML (nested deeper than 100 levels)"),
    ("deep: &deep " + "[" * 600 + "]" * 600 + "\nmetadata:\n  name: {{ name | tojson }}\n  labels: *deep\n", 1,
     "renders invalid YAML (nested deeper than 100 levels)"),
    # What a pull request could do to exhaust the CI runner: stopped, and reported where it happened.
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\nmetadata: {{ m(0) }}\n", 3,
     "recurses too deeply (a macro that calls itself without end?)"),
    ("metadata:\n  name: {{ 'x' * 10000000000 }}\n", 4, "a product longer than 1572864 characters"),
    ("metadata:\n  name: {{ 10 ** 10000000000 }}\n", 4, "a power of more than 65536 bits"),
    ("metadata:\n  name: {{ 1 / 0 }}\n", 4, "division by zero (ZeroDivisionError)"),
    # CVE-2025-27516: str.format reached through |attr escaped the sandbox before Jinja2 3.1.6.
    ("metadata:\n  name: {{ ('{0.__class__.__mro__}'|attr('format'))(1) }}\n", 4,
     "access to attribute '__class__' of 'int' object is unsafe."),
    ("{% for i in range(100000) %}# {{ i }} and some more text\n{% endfor %}metadata: {}\n", 1,
     "renders more than 1572864 characters (a loop too long?)"),
])
def test_a_broken_repository_template_is_a_diagnostic_and_the_tree_is_kept(tmp_path: Path, template, line, message):
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat")})
    assert run_infc("compile", str(repo)).returncode == 0
    before = {p: p.read_bytes() for p in (repo / "deploy").rglob("*") if p.is_file()}
    (repo / "templates").mkdir()
    (repo / "templates" / "namespace.yaml.j2").write_text("apiVersion: v1\nkind: Namespace\n" + template)
    result = run_infc("compile", str(repo))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert f"templates/namespace.yaml.j2:{line}:1: error[IC001] template namespace.yaml.j2: {message}" \
        in result.stdout, result.stdout
    assert {p: p.read_bytes() for p in (repo / "deploy").rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("make, message", [
    (lambda path: path.write_bytes(b"\xff\xfe metadata: {}\n"), "is not UTF-8 text"),
    (lambda path: path.mkdir(), "is not a readable file"),
    (lambda path: os.symlink(path.name, path), "is not a readable file"),  # a link to itself
])
def test_a_repository_template_that_cannot_be_read_is_reported_not_replaced(tmp_path: Path, make, message):
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat")})
    (repo / "templates").mkdir()
    make(repo / "templates" / "namespace.yaml.j2")
    for command in ("compile", "check"):
        result = run_infc(command, str(repo))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"error[IC001] template namespace.yaml.j2: {message}" in result.stdout, result.stdout
    assert not (repo / "deploy").exists()


def test_a_repository_template_that_renders_too_long_is_stopped(tmp_path: Path, monkeypatch, capsys):
    from compiler import cli
    from compiler.render import engine

    monkeypatch.setattr(engine, "MAX_SECONDS", 1)
    monkeypatch.setenv("INFC_NO_CACHE", "1")
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat")})
    (repo / "templates").mkdir()
    (repo / "templates" / "namespace.yaml.j2").write_text(
        "metadata:\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n")
    assert cli.run(["compile", str(repo)]) == 1
    assert "templates/namespace.yaml.j2:2:1: error[IC001] template namespace.yaml.j2: still rendering after 1 s" \
        in capsys.readouterr().out
    assert not (repo / "deploy").exists()


@pytest.mark.parametrize("output, problem", [
    ("workloads", "holds input documents (workloads/nlp/chat.yaml)"),
    ("workloads/nlp", "holds input documents (workloads/nlp/chat.yaml)"),
    ("org", "holds input documents"),
    (".git", "is inside Git's own directory"),
    (".git/refs", "is inside Git's own directory"),
    ("templates", "holds the repository's templates"),
    ("infc.yaml", "is a file of the repository"),
])
def test_an_output_directory_holding_what_a_compile_would_replace_is_refused(tmp_path: Path, output, problem):
    # A compile replaces its output directory's contents: pointed at the inputs, Git's directory
    # or the templates, it deleted them (exit 0, no word).
    repo = make_repo(tmp_path / "repo", {"workloads/nlp/chat.yaml": workload("chat"),
                                         "templates/README.md": "overrides\n", ".git/HEAD": "ref: refs/heads/main\n",
                                         ".git/refs/heads/main": "0" * 40 + "\n"})
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and p.name != "infc.yaml"}
    (repo / "infc.yaml").write_text(f"apiVersion: infc/v1\nkind: Config\nspec: {{output: {output}}}\n")
    for command in ("compile", "check", "plan"):
        result = run_infc(command, str(repo))
        assert result.returncode == 1 and "Traceback" not in result.stderr, (command, result.stdout, result.stderr)
        assert f"error[IC007] output directory '{output}' {problem}" in result.stdout, result.stdout
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and p.name != "infc.yaml"} == before
