"""IC207 data sources, IC208 Knative feature flags, IC214 reserved names."""

from __future__ import annotations

from helpers import CLUSTER, WORKLOAD_FILE, at, check, none_of, only, run, workload_doc

from compiler.pipeline import analyse
from tests.repo_builder import make_repo

BASE = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
compute: {gpuDevicesRequest: 1}
"""

S3 = """
apiVersion: infc/v1
kind: DataSource
metadata: {name: bucket}
spec:
  s3: {bucket: models, path: /models, url: 'https://s3.example.com'}
"""


def test_ic207_s3_data_source_points_at_the_asset(tmp_path):
    spec = BASE + "dataSources: [bucket]\n"
    d = only(run(tmp_path, spec, files={"assets/bucket.yaml": S3}), "IC207")
    check(d, "S3 data source 'bucket' is not supported", at(S3, "s3: {", file="assets/bucket.yaml"), "modelStore")


def test_ic207_nfs_ephemeral_and_block(tmp_path):
    spec = BASE + """
storage:
  nfs: [{name: share, server: nfs.example.com, path: /export, mountPath: /share}]
  pvc:
    - {name: scratch, path: /scratch, ephemeral: true}
    - name: raw
      path: /raw
      claimInfo: {size: 10Gi, volumeMode: Block}
"""
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC207", "NFS"), "Knative accepts no nfs volumes", at(doc, "nfs: [|{"),
          "PersistentVolume")
    check(only(diags, "IC207", "ephemeral"), "PVC 'scratch' is ephemeral", at(doc, "ephemeral: true"),
          "emptyDir")
    check(only(diags, "IC207", "Block"), "PVC 'raw' has volumeMode Block", at(doc, "volumeMode: Block"),
          "Filesystem")


def test_ic207_pvc_filesystem_passes(tmp_path):
    spec = BASE + "storage:\n  pvc: [{name: cache, path: /models, existingPvc: true, claimName: cache}]\n"
    none_of(run(tmp_path, spec), "IC207")


def test_ic208_tolerations_flag_disabled(tmp_path):
    cluster = CLUSTER.replace("kubernetes.podspec-tolerations: enabled", "kubernetes.podspec-tolerations: disabled")
    spec = BASE + "tolerations: [{name: gpu, operator: Exists, key: nvidia.com/gpu, effect: NoSchedule}]\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC208")
    check(d, "Knative feature flag 'kubernetes.podspec-tolerations' is 'disabled'",
          at(workload_doc(spec), "tolerations: [|{"), "'kubernetes.podspec-tolerations: enabled'")


def test_ic208_defaults_apply_when_flags_unset(tmp_path):
    cluster = CLUSTER.split("    features:")[0] + "    version: '1.23'\n  nodePools:" + CLUSTER.split("  nodePools:")[1]
    diags = run(tmp_path, BASE + "nodePools: [h100]\n", files={"clusters/prod.yaml": cluster})
    flags = sorted(d.message.split("flag '")[1].split("'")[0] for d in diags if d.code == "IC208")
    assert flags == ["kubernetes.podspec-nodeselector", "kubernetes.podspec-priorityclassname",
                     "kubernetes.podspec-schedulername"]
    d = only(diags, "IC208", "schedulername")
    check(d, "is 'disabled' by default on cluster 'prod'", at(cluster, "scheduler: kai", file="clusters/prod.yaml"),
          "spec.knative.features")


def test_ic208_volume_flags_need_enabled_not_allowed(tmp_path):
    cluster = CLUSTER.replace("kubernetes.podspec-persistent-volume-claim: enabled",
                              "kubernetes.podspec-persistent-volume-claim: allowed")
    spec = BASE + "storage:\n  pvc: [{name: cache, path: /models, existingPvc: true, readOnly: true}]\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC208")
    check(d, "'kubernetes.podspec-persistent-volume-claim' is 'allowed'", at(workload_doc(spec), "pvc: [|{"),
          "must be 'enabled'")


def test_ic208_hostpath_and_fieldref_disabled_by_default(tmp_path):
    spec = BASE + """
environmentVariables: [{name: POD_IP, podFieldRef: {path: status.podIP}}]
storage:
  hostPath: [{name: drivers, path: /usr/local/nvidia, mountPath: /nvidia, readOnly: true}]
"""
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC208", "hostpath"), "hostPath 'drivers' needs hostPath volume", at(doc, "hostPath: [|{"),
          "kubernetes.podspec-volumes-hostpath")
    check(only(diags, "IC208", "fieldref"), "environment variable 'POD_IP' (podFieldRef)",
          at(doc, "podFieldRef: {"), "kubernetes.podspec-fieldref")


def test_ic208_emptydir_and_shm_enabled_by_default(tmp_path):
    spec = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
compute: {gpuDevicesRequest: 2, largeShmRequest: true}
storage:
  emptyDirVolume: [{name: cache, path: /cache}]
"""
    none_of(run(tmp_path, spec), "IC208")


def test_ic214_reserved_env_port_and_path(tmp_path):
    spec = BASE + """
servingPort: {container: 8012}
ports: [{name: metrics, container: 9091}]
environmentVariables: [{name: K_SERVICE, value: x}, {name: RUNAI_GPU_MEMORY_LIMIT, value: "0.5"}]
storage:
  emptyDirVolume: [{name: scratch, path: /tmp/}]
"""
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC214", "serving port"), "serving port 8012 is reserved by Knative (queue-proxy)",
          at(doc, "container: 8012"), "8000")
    check(only(diags, "IC214", "9091"), "ports 'metrics': container port 9091", at(doc, "container: 9091"),
          "another container port")
    check(only(diags, "IC214", "K_SERVICE"), "is reserved: Knative sets it", at(doc, "name: K_SERVICE"), "rename")
    check(only(diags, "IC214", "RUNAI_"), "Run:ai sets RUNAI_*", at(doc, "name: RUNAI_GPU_MEMORY_LIMIT"),
          "gpuMemoryLimit")
    check(only(diags, "IC214", "mounted"), "volume 'scratch' is mounted at reserved path '/tmp'",
          at(doc, "path: /tmp/"), "/models")


def test_ic214_ordinary_names_pass(tmp_path):
    spec = BASE + """
servingPort: {container: 8000}
ports: [{name: metrics, container: 9400}]
environmentVariables: [{name: VLLM_LOGGING_LEVEL, value: INFO}]
storage:
  emptyDirVolume: [{name: scratch, path: /tmp/scratch}]
"""
    none_of(run(tmp_path, spec), "IC214")


STORE = """\
apiVersion: infc/v1
kind: DataSource
metadata: {name: model-cache}
spec:
  pvc: {name: model-cache, path: /models, existingPvc: true, claimName: hf-model-cache}
"""
TEMPLATE = """\
apiVersion: infc/v1
kind: WorkloadTemplate
metadata: {name: chat-defaults}
spec:
  huggingFace: {modelStore: STORE}
"""


def test_a_model_store_set_by_a_template_is_mounted_and_checked(tmp_path):
    spec = BASE + "template: chat-defaults\n"
    files = {WORKLOAD_FILE: workload_doc(spec), "assets/store.yaml": STORE,
             "assets/template.yaml": TEMPLATE.replace("STORE", "model-cache")}
    analysis = analyse(make_repo(tmp_path / "ok", files))
    [w] = analysis.workloads
    assert [v.name for v in w.spec.storage.pvc] == ["model-cache"]  # mounted, as if in dataSources
    files["assets/template.yaml"] = TEMPLATE.replace("STORE", "model-cahe")
    d = only(run(tmp_path / "typo", spec, files=files), "IC008")
    check(d, "DataSource 'model-cahe' does not exist", at(files["assets/template.yaml"], "modelStore: model-cahe",
                                                            file="assets/template.yaml"), "model-cache")
