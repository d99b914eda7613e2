"""`infc validate` reads manifests as Kubernetes does (go-yaml v2, through sigs.k8s.io/yaml),
not as infc reads its own repository (YAML 1.2)."""

from __future__ import annotations

import pytest

from compiler.load.yamlfile import parse_yaml
from compiler.validate import ValidationSettings, validate_paths
from vhelpers import assert_clean, assert_finding, service, validate_text

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  enabled: {}  #!\n"

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostNetwork: off
  containers:
    - name: c
      image: nginx:1.27
      volumeMounts: [{name: v, mountPath: /data, readOnly: no}]
  volumes:
    - name: v
      configMap: {name: c, optional: Yes, defaultMode: 0644}
"""


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Y", "N", "Yes", "NO", "On", "OFF"])
def test_yaml_1_1_booleans_are_refused_where_text_is_expected(word):
    d = assert_finding(CONFIG_MAP.format(word), "IC601", "data.enabled", contains="expected string, got boolean")
    assert d.location.column == 12
    assert "yes/no" in d.hint
    assert_clean(CONFIG_MAP.format(f'"{word}"'))
    assert_clean(CONFIG_MAP.format(f"{word}x"))  # only the exact words are booleans


def test_yaml_1_1_booleans_and_octal_are_what_kubectl_accepts():
    assert_clean(POD)
    assert parse_yaml(POD.encode(), "infc-input.yaml")[1]  # infc's own input stays YAML 1.2: 0644 is flagged


def test_numbers_read_as_go_yaml_reads_them():
    # 02000 is octal 1024, over Knative's container-concurrency-max-limit of 1000; 01750 is 1000.
    assert_finding(service(spec="containerConcurrency: 02000  #!"), "IC603", "spec.template.spec.containerConcurrency",
                   contains="expected 0 <= 1024 <= 1000")
    assert_clean(service(spec="containerConcurrency: 01750"))
    assert_clean(service(spec="timeoutSeconds: 0x12C"))
    # Beyond a float64 go-yaml keeps the text, which Kubernetes refuses where a number belongs.
    assert_finding(service(spec="timeoutSeconds: 1e400  #!"), "IC602", "spec.template.spec.timeoutSeconds",
                   contains="expected integer, got string '1e400'")


def test_boolean_keys_become_json_keys(tmp_path):
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                      "data:\n  yes: a\n  true: b\n")
    diags, _ = validate_paths([str(tmp_path / "cm.yaml")], ValidationSettings(), tmp_path)
    assert [(d.code, d.message, d.location.line) for d in diags] == [("IC002", "duplicate key 'true'", 6)]


def test_positions_are_exact():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: 'x'\n  b: [1, yes]\n  c: on  #!\n"
    diags = validate_text(text)
    assert [(str(d.location), d.message.split(":")[0]) for d in diags] == [
        ("m.yaml:6:6", "data.b"), ("m.yaml:7:6", "data.c")]


def test_a_number_of_thousands_of_digits_is_too_large_not_a_syntax_error(tmp_path):
    (tmp_path / "cm.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{a: {'9' * 5000}}}\n")
    diags, _ = validate_paths([str(tmp_path / "cm.yaml")], ValidationSettings(), tmp_path)
    assert [(d.code, d.location.line, d.location.column) for d in diags] == [("IC007", 4, 11)]
    assert "is too large" in diags[0].message
