"""Kubernetes schemas (IC601), the Knative schema (IC602), settings and file handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.load.document import Document
from compiler.spec.kinds import ClusterSpec
from compiler.validate import ValidationSettings, validate_document, validate_paths
from vhelpers import assert_clean, assert_finding, validate_text

SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "knative" / "service-serving-v1.json"

REALISTIC = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: llama-3-8b
  namespace: team-nlp
  labels:
    networking.knative.dev/visibility: cluster-local
  annotations:
    infc/source: workloads/llama.yaml
spec:
  template:
    metadata:
      name: llama-3-8b-00003
      labels: {app: llama-3-8b}
      annotations:
        autoscaling.knative.dev/class: kpa.autoscaling.knative.dev
        autoscaling.knative.dev/metric: concurrency
        autoscaling.knative.dev/target: "8"
        autoscaling.knative.dev/min-scale: "1"
        autoscaling.knative.dev/max-scale: "4"
        autoscaling.knative.dev/initial-scale: "1"
        autoscaling.knative.dev/scale-down-delay: "5m"
        autoscaling.knative.dev/window: "60s"
        serving.knative.dev/progress-deadline: "1800s"
    spec:
      containerConcurrency: 16
      timeoutSeconds: 600
      responseStartTimeoutSeconds: 600
      schedulerName: kai-scheduler
      serviceAccountName: inference
      enableServiceLinks: false
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      imagePullSecrets: [{name: ghcr}]
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "/models/llama", "--port", "8080", "--tensor-parallel-size", "1"]
          ports:
            - {name: http1, containerPort: 8080}
          env:
            - name: HF_TOKEN
              valueFrom: {secretKeyRef: {name: hf-token, key: token}}
            - name: HF_HOME
              value: /models/cache
          resources:
            requests: {cpu: "8", memory: 32Gi, nvidia.com/gpu: 1}
            limits: {memory: 32Gi, nvidia.com/gpu: 1}
          readinessProbe:
            httpGet: {path: /health, port: 8080}
            periodSeconds: 10
            failureThreshold: 60
          startupProbe:
            httpGet: {path: /health}
            periodSeconds: 10
            failureThreshold: 180
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            seccompProfile: {type: RuntimeDefault}
            capabilities: {drop: [ALL]}
          volumeMounts:
            - {name: dshm, mountPath: /dev/shm}
            - {name: weights, mountPath: /models}
      volumes:
        - name: dshm
          emptyDir: {medium: Memory, sizeLimit: 16Gi}
        - name: weights
          persistentVolumeClaim: {claimName: llama-weights}
  traffic:
    - {latestRevision: true, percent: 100}
"""

FLAGS = {"kubernetes.podspec-persistent-volume-claim": "enabled",
         "kubernetes.podspec-persistent-volume-write": "enabled",
         "kubernetes.podspec-tolerations": "enabled",
         "kubernetes.podspec-schedulername": "enabled"}


def test_realistic_service_passes():
    assert_clean(REALISTIC, ValidationSettings(features=FLAGS))


def test_realistic_service_without_flags_names_each_flag():
    messages = " ".join(d.message for d in validate_text(REALISTIC))
    for flag in FLAGS:
        assert flag in messages


def test_realistic_service_against_the_knative_crd_schema():
    if not SHARED_SCHEMA.is_file():
        pytest.skip(f"{SHARED_SCHEMA} is absent: the Knative CRD schemas are not in this checkout")
    import jsonschema_rs
    import yaml

    validator = jsonschema_rs.validator_for(json.loads(SHARED_SCHEMA.read_text()))
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(REALISTIC))]
    assert errors == []


def test_deployment_replicas_two():
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: two  #!\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
            "    spec:\n      containers: [{name: web, image: \"nginx:1.27\"}]\n")
    d = assert_finding(text, "IC601", "spec.replicas", contains="expected integer, got string")
    assert d.location.column == 13


def test_unknown_field_strict_and_not_strict():
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n    spec:\n      containers:\n"
            "        - name: web\n          image: nginx:1.27\n          imagePullPolicyy: Always  #!\n")
    d = assert_finding(text, "IC601", "spec.template.spec.containers[0].imagePullPolicyy", contains="unknown field")
    assert "imagePullPolicy" in d.hint
    assert_clean(text.replace("  #!", ""), ValidationSettings(strict=False))


def test_unknown_field_in_knative_service():
    from vhelpers import service
    text = service(container="imagePullPolicyy: Always  #!")
    d = assert_finding(text, "IC602", "spec.template.spec.containers[0].imagePullPolicyy", contains="unknown field")
    assert "imagePullPolicy" in d.hint
    text = service(spec="nodeName: gpu-1  #!")
    d = assert_finding(text, "IC602", "spec.template.spec.nodeName", contains="unknown field")
    assert "Knative does not allow" in d.hint
    assert_clean(text.replace("  #!", ""), ValidationSettings(strict=False))


@pytest.mark.parametrize("kind,template", [("Service", True), ("Configuration", True), ("Revision", False)])
def test_empty_container_list_is_a_missing_field(kind, template):
    # Knative's ValidatePodSpec refuses zero containers: reported as a pod spec without the key is.
    head = f"apiVersion: serving.knative.dev/v1\nkind: {kind}\nmetadata: {{name: x}}\n"
    spec, path = ("spec:\n  template:\n    spec:", "spec.template.spec") if template else ("spec:", "spec")
    assert_finding(f"{head}{spec}\n      containers: []  #!\n", "IC602", path,
                   contains="missing required field 'containers' (the list is empty)")
    assert_finding(f"{head}{spec} {{}}  #!\n", "IC602", path, contains="missing required field 'containers'")


def test_a_non_finite_number_is_named_not_called_null():
    # jsonschema-rs hands NaN on as null; compile's self-check reads rendered manifests with PyYAML.
    from compiler.libyaml import load
    from vhelpers import service
    data = load(service(spec="timeoutSeconds: .nan"))
    [d] = validate_document(Document("m.yaml", 0, data), ValidationSettings())
    assert d.message.startswith("spec.template.spec.timeoutSeconds: expected integer, got number NaN [")


def test_unknown_kind():
    text = "apiVersion: example.com/v1\nkind: Widget  #!\nmetadata: {name: w}\n"
    d = assert_finding(text, "IC601", "kind", contains="no schema for example.com/v1 Widget (looked for widget-example-v1.json)")
    assert "--ignore-missing-schemas" in d.hint
    assert_clean(text, ValidationSettings(ignore_missing_schemas=True))


def test_missing_kind():
    diags = validate_text("apiVersion: v1\nmetadata: {name: x}\n")
    assert [d.code for d in diags] == ["IC601"] and "missing kind" in diags[0].message


def test_user_schema_location(tmp_path):
    schema = {"type": "object", "required": ["spec"],
              "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}
    (tmp_path / "widget-example-v1.json").write_text(json.dumps(schema))
    settings = ValidationSettings(schema_locations=[tmp_path])
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: big  #!\n"
    assert_finding(text, "IC601", "spec.size", settings, contains="expected integer")
    template = ValidationSettings(schema_locations=[Path(str(tmp_path) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json")])
    assert_finding(text, "IC601", "spec.size", template, contains="expected integer")


def test_other_kubernetes_version_and_bad_version():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"
    assert_clean(text, ValidationSettings(kubernetes_version="1.30"))
    diags = validate_text(text, ValidationSettings(kubernetes_version="1.9"))
    assert diags and diags[0].code == "IC601" and "1.9" in diags[0].message


def test_document_without_positions():
    data = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "x"},
            "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/a/b:1",
                                                            "ports": [{"containerPort": 8012}]}]}}}}
    diags = validate_document(Document("deploy/x/service.yaml", 0, data), ValidationSettings())
    reserved = [d for d in diags if "reserved port" in d.message]
    assert reserved and reserved[0].location.line == 1 and reserved[0].location.file == "deploy/x/service.yaml"


def test_from_cluster():
    spec = ClusterSpec.model_validate({"knative": {
        "features": {"kubernetes.podspec-tolerations": "Enabled"}, "maxRevisionTimeoutSeconds": 900,
        "allowZeroInitialScale": True, "containerConcurrencyMaxLimit": 50}})
    settings = ValidationSettings.from_cluster(spec)
    assert settings.features == {"kubernetes.podspec-tolerations": "enabled"}
    assert (settings.max_revision_timeout_seconds, settings.allow_zero_initial_scale,
            settings.container_concurrency_max_limit) == (900, True, 50)


def test_validate_paths_walks_directories(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                                           "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")
    (tmp_path / "a" / "bad.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: [1\n")
    (tmp_path / "a" / "notes.txt").write_text("ignored")
    diags, subjects = validate_paths([str(tmp_path)], ValidationSettings(), tmp_path)
    assert subjects == ["a/ok.yaml#0", "a/ok.yaml#1"]
    assert [d.code for d in diags] == ["IC001"] and diags[0].location.file == "a/bad.yml"


def test_subject_is_set_per_document(tmp_path):
    (tmp_path / "m.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {a: 1}\n")
    diags, subjects = validate_paths([str(tmp_path / "m.yaml")], ValidationSettings(), tmp_path)
    assert [d.subject for d in diags] == ["m.yaml#1"]
