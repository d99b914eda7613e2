"""IC201 names, IC202 / IC203 GPU requests."""

from __future__ import annotations

import pytest

from helpers import CLUSTER, ORG, at, check, none_of, only, run, workload_doc




def test_ic201_revision_name_too_long(tmp_path):
    name = "a" * 60
    d = only(run(tmp_path, name=name), "IC201")
    check(d, f"revision name '{name}-00001' would exceed 63", at(workload_doc(name=name), f"name: {name}"),
          "at most 57 characters")


def test_ic201_name_of_57_characters_is_fine(tmp_path):
    none_of(run(tmp_path, name="a" * 57), "IC201")


def test_ic201_port_env_and_volume_names(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1}
    ports: [{name: Metrics_Port, container: 9400}]
    environmentVariables: [{name: 1BAD, value: x}]
    storage:
      emptyDirVolume: [{name: Cache_Dir, path: /cache}]
    """
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC201", "port name"), "'Metrics_Port' is not a valid Kubernetes port name",
          at(doc, "name: Metrics_Port"), "at most 15")
    check(only(diags, "IC201", "environment variable"), "'1BAD'", at(doc, "name: 1BAD"), "not starting with a digit")
    check(only(diags, "IC201", "volume name"), "'Cache_Dir' (storage.emptyDirVolume)", at(doc, "name: Cache_Dir"),
          "lowercase letters")


def test_ic201_valid_item_names(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1}
    ports: [{name: metrics, container: 9400}]
    environmentVariables: [{name: LOG_LEVEL, value: info}]
    labels: [{name: app.kubernetes.io/part-of, value: chat}]
    storage:
      emptyDirVolume: [{name: cache, path: /cache}]
    """
    none_of(run(tmp_path, spec), "IC201")


PROJECT = """
---
apiVersion: infc/v1
kind: Project
metadata: {name: NAME}
spec:
  cluster: prod
  department: research
"""


def _org(*projects: tuple[str, str | None]) -> str:
    """The base organisation plus projects (name, spec.namespace or None)."""
    text = ORG
    for name, namespace in projects:
        text += PROJECT.replace("NAME", name) + (f"  namespace: {namespace}\n" if namespace else "")
    return text


@pytest.mark.parametrize("namespace, owner", [("kube-system", "Kubernetes"), ("default", "Kubernetes"),
                                              ("knative-serving", "Knative"), ("runai", "Run:ai")])
def test_ic201_a_project_may_not_deploy_into_the_platforms_namespaces(tmp_path, namespace, owner):
    org = _org(("ops", namespace))
    d = only(run(tmp_path, files={"org/research.yaml": org}), "IC201")
    check(d, f"project 'ops' would deploy into namespace '{namespace}', which belongs to {owner}",
          at(org, f"namespace: {namespace}", file="org/research.yaml"), "spec.namespace: runai-ops")


def test_ic201_a_default_namespace_can_be_reserved_too(tmp_path):
    org = _org(("backend", None))  # runai-backend: Run:ai's control plane
    d = only(run(tmp_path, files={"org/research.yaml": org}), "IC201")
    check(d, "namespace 'runai-backend', which belongs to Run:ai", at(org, "name: backend", file="org/research.yaml"),
          "spec.namespace: team-backend")


def test_ic004_two_projects_in_one_namespace(tmp_path):
    org = _org(("vision", "runai-nlp"), ("search", "search"))
    d = only(run(tmp_path, files={"org/research.yaml": org}), "IC004")
    check(d, "project 'vision' shares namespace 'runai-nlp' with project 'nlp'",
          at(org, "namespace: runai-nlp", file="org/research.yaml"), "one namespace per project")
    assert [str(r) for r in d.related] == [at(org, "name: nlp", file="org/research.yaml")]


def test_ic202_portion_out_of_range(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute:
      gpuDevicesRequest: 1
      gpuPortionRequest: 1.5
    """
    d = only(run(tmp_path, spec), "IC202")
    check(d, "gpuPortionRequest 1.5 is outside (0, 1]", at(workload_doc(spec), "gpuPortionRequest: 1.5"),
          "per device")


def test_ic202_fraction_within_range_passes(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 2, gpuRequestType: portion, gpuPortionRequest: "50%"}
    """
    none_of(run(tmp_path, spec), "IC202", "IC203")


def test_ic202_memory_request_with_several_devices(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 2, gpuRequestType: memory, gpuMemoryRequest: 20G}
    """
    d = only(run(tmp_path, spec), "IC202")
    check(d, "allowed with one device only (gpuDevicesRequest is 2)", at(workload_doc(spec), "gpuMemoryRequest: 20G"),
          "gpuRequestType: portion")


def test_ic202_limit_below_request(tmp_path):
    cluster = CLUSTER.replace("gpuSharing: true", "gpuSharing: true\n  gpuLimits: true")
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 1, gpuPortionRequest: 0.5, gpuPortionLimit: 0.25}
    """
    diags = run(tmp_path, spec, files={"clusters/prod.yaml": cluster})
    none_of(diags, "IC203")
    check(only(diags, "IC202"), "gpuPortionLimit 0.25 is below gpuPortionRequest 0.5",
          at(workload_doc(spec), "gpuPortionLimit: 0.25"), "at least the request")


def test_ic203_limit_without_cluster_gpu_limits(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 1, gpuPortionRequest: 0.5, gpuPortionLimit: 0.75}
    """
    diags = run(tmp_path, spec)
    none_of(diags, "IC202")
    check(only(diags, "IC203"), "GPU limits are not enabled on cluster 'prod'",
          at(workload_doc(spec), "gpuPortionLimit: 0.75"), "gpuLimits: true")


def test_ic203_fraction_on_default_scheduler(tmp_path):
    cluster = CLUSTER.replace("scheduler: kai", "scheduler: default")
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 1, gpuPortionRequest: 0.5}
    """
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC203")
    check(d, "whole GPUs only", at(workload_doc(spec), "gpuPortionRequest: 0.5"), "scheduler: kai")


def test_ic203_fraction_without_gpu_sharing(tmp_path):
    cluster = CLUSTER.replace("gpuSharing: true", "gpuSharing: false")
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 1, gpuRequestType: memory, gpuMemoryRequest: 10Gi}
    """
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC203")
    check(d, "GPU sharing is not enabled", at(workload_doc(spec), "gpuMemoryRequest: 10Gi"), "gpuSharing: true")


def test_ic203_whole_gpus_on_default_scheduler_pass(tmp_path):
    cluster = CLUSTER.replace("scheduler: kai", "scheduler: default").replace("gpuSharing: true", "gpuSharing: false")
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    compute: {gpuDevicesRequest: 1, gpuPortionRequest: 1}
    """
    none_of(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC202", "IC203")


def test_ic202_location_points_into_compute_resource_asset(tmp_path):
    asset = """
    apiVersion: infc/v1
    kind: ComputeResource
    metadata: {name: half}
    spec:
      compute: {gpuDevicesRequest: 1, gpuPortionRequest: 0}
    """
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
    computeResource: half
    """
    d = only(run(tmp_path, spec, files={"assets/compute.yaml": asset}), "IC202")
    check(d, "gpuPortionRequest 0 is outside", at(asset, "gpuPortionRequest: 0", file="assets/compute.yaml"),
          "above 0")


@pytest.mark.parametrize("url, problem", [
    ("https://UI.example.com/", "host 'UI.example.com' is not a lowercase DNS name"),
    ("https://ui_app.example.com/", "host 'ui_app.example.com' is not a lowercase DNS name"),
    ("https:///app", "host '' is not a lowercase DNS name"),
    ("https://ui.example.com/a//b", "path '/a//b' cannot be an Ingress path"),
    ("https://ui.example.com/app/..", "path '/app/..' cannot be an Ingress path"),
    ("https://ui.example.com/a%2Fb", "path '/a%2Fb' cannot be an Ingress path"),
    ("https://ui.example.com/a b", "path '/a b' cannot be an Ingress path"),
    ("http://10.0.0.1/", "host '10.0.0.1' is an IP address, not a DNS name"),
    ("a:b", "port 'b' is not a number"),
])
def test_ic201_an_exposed_url_kubernetes_would_refuse_as_an_ingress_rule(tmp_path, url, problem):
    spec = f"""
    huggingFace: {{model: Qwen/Qwen2.5-7B-Instruct}}
    compute: {{gpuDevicesRequest: 1}}
    exposedUrls: [{{name: ui, container: 7860, url: "{url}"}}]
    """
    check(only(run(tmp_path, spec), "IC201", "exposed URL"), problem, at(workload_doc(spec), f"url: \"{url}"), "")


@pytest.mark.parametrize("url", ["https://ui.example.com/", "http://ui.example.com:8080/app/v1",
                                 "https://*.apps.example.com/", "ui.example.com"])
def test_ic201_exposed_urls_an_ingress_takes(tmp_path, url):
    spec = f"""
    huggingFace: {{model: Qwen/Qwen2.5-7B-Instruct}}
    compute: {{gpuDevicesRequest: 1}}
    exposedUrls: [{{name: ui, container: 7860, url: "{url}"}}]
    """
    none_of(run(tmp_path, spec), "IC201")


def test_ic201_configmap_and_secret_names_a_volume_mounts(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1}
    storage:
      configMapVolume: [{name: app, configMap: "app config", mountPath: /etc/app}]
      secretVolume: [{name: tls, secret: Inference-TLS, mountPath: /etc/tls}, {name: ok, secret: a.b-c, mountPath: /x}]
    """
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC201", "configMap name"), "'app config' (storage.configMapVolume 'app')",
          at(doc, 'configMap: "app config"'), "lowercase")
    check(only(diags, "IC201", "secret name"), "'Inference-TLS' (storage.secretVolume 'tls')",
          at(doc, "secret: Inference-TLS"), "lowercase")


def test_ic201_a_name_with_a_trailing_line_break_is_refused_where_it_is_written(tmp_path):
    # Python's `$` matches before a final newline; Kubernetes' (Go's) does not.
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1}
    ports: [{name: "metrics\\n", container: 9400}]
    labels: [{name: "team\\n", value: a}]
    """
    diags = run(tmp_path, spec)
    assert {(d.code, d.message) for d in diags} == {
        ("IC201", "port name 'metrics\\n' is not a valid Kubernetes port name"),
        ("IC201", "label key 'team\\n' is not a valid Kubernetes label key")}
    named = run(tmp_path / "named", name='"chat\\n"')
    assert [(d.code, d.message) for d in named] == [("IC201", "invalid name 'chat\\n'")]  # not IC603 later


def test_ic201_what_the_pod_refers_to_by_name(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1}
    image: Registry/Vllm
    imagePullSecrets: [{name: Pull_Secret}]
    environmentVariables:
      - {name: A, secret: {name: My Secret, key: "bad key"}}
      - {name: B, podFieldRef: {path: metadata.nam}}
      - {name: C, podFieldRef: {path: "metadata.labels['team']"}}
    podAffinity: {type: Preferred, key: "host name"}
    storage:
      pvc: [{name: scratch, path: /scratch, claimInfo: {size: 10Gi, storageClass: Fast_SSD}}]
    """
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC603", "image"), "image 'Registry/Vllm' is not an image reference",
          at(doc, "image: Registry/Vllm"), "[registry/]repository")
    check(only(diags, "IC201", "image pull secret"), "'Pull_Secret'", at(doc, "[{name: Pull_Secret"), "lowercase")
    check(only(diags, "IC201", "secret of 'A'"), "'My Secret'", at(doc, "{name: My Secret"), "lowercase")
    check(only(diags, "IC201", "secret key"), "'bad key' of 'A'", at(doc, 'key: "bad key"'), "letters")
    check(only(diags, "IC201", "Pod field"), "'B': Pod field 'metadata.nam'", at(doc, "path: metadata.nam"),
          "metadata.labels['KEY']")
    check(only(diags, "IC201", "podAffinity"), "'host name'", at(doc, 'key: "host name"'), "kubernetes.io/hostname")
    check(only(diags, "IC201", "storage class"), "'Fast_SSD'", at(doc, "storageClass: Fast_SSD"), "lowercase")
    assert len([d for d in diags if d.code in ("IC201", "IC603")]) == 7, diags


def test_mount_paths_knative_refuses_and_a_sub_path_that_leaves_the_volume(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1}
    storage:
      emptyDirVolume: [{name: cache, path: cache}]
      configMapVolume: [{name: app, configMap: app, mountPath: /etc/app/x.properties, subPath: ../../etc/passwd}]
    """
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC603", "mount path"), "volume 'cache': mount path 'cache' is not an absolute path",
          at(doc, "path: cache"), "start it with '/'")
    check(only(diags, "IC007", "subPath"), "volume 'app': subPath '../../etc/passwd' leaves the volume",
          at(doc, "subPath: ../../etc/passwd"), "without '..'")


@pytest.mark.parametrize("image, code", [("-x", "IC201"), ("../../etc/passwd", "IC201"), ("a.-b/cc:1", "IC201"),
                                         ("Vllm/openai", "IC603"), ("vllm/openai:v 1", "IC603"), ("x", "IC603"),
                                         ("a" * 256, "IC603")])
def test_an_image_the_runtime_cannot_pull_is_refused(tmp_path, image, code):
    spec = f"""
    huggingFace: {{model: Qwen/Qwen2.5-7B-Instruct}}
    compute: {{gpuDevicesRequest: 1}}
    image: "{image}"
    """
    check(only(run(tmp_path, spec), code, "image"), f"image '{image}' is not",
          at(workload_doc(spec), f"image: \"{image}"), "[registry/]repository")


@pytest.mark.parametrize("image", ["vllm/vllm-openai:v0.11.0", "nvcr.io/nvidia/tritonserver:24.08-py3",
                                   "localhost:5000/team/vllm@sha256:" + "a" * 64, "a__b/c-d.e_f:1.0"])
def test_image_names_the_runtime_pulls(tmp_path, image):
    spec = f"""
    huggingFace: {{model: Qwen/Qwen2.5-7B-Instruct}}
    compute: {{gpuDevicesRequest: 1}}
    image: "{image}"
    """
    diags = run(tmp_path, spec)
    assert not [d for d in diags if "image" in d.message], diags


def test_ic201_node_affinity_and_extended_resource_names(tmp_path):
    spec = """
    huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
    compute: {gpuDevicesRequest: 1, extendedResources: [{resource: "mig 1g", quantity: 1}]}
    nodeAffinityRequired:
      nodeSelectorTerms: [{matchExpressions: [{key: "gpu type", operator: In, values: ["a:b"]}]}]
    """
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC201", "node affinity key"), "'gpu type'", at(doc, 'key: "gpu type"'), "nvidia.com")
    check(only(diags, "IC201", "node affinity value"), "'a:b'", at(doc, 'values: [|"a:b"'), "at most 63")
    check(only(diags, "IC201", "extended resource"), "'mig 1g'", at(doc, 'resource: "mig 1g"'), "domain/name")
