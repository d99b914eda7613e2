"""Knative admission rules (IC603), one case table per rule family of knative-rules.md."""

from __future__ import annotations

import pytest

from compiler.diagnostics import Severity
from compiler.validate import ValidationSettings
from vhelpers import SECURE, assert_clean, assert_finding, service, validate_text

C = "spec.template.spec.containers[0]"
ANN = "spec.template.metadata.annotations"


# --- ports (§7.1) -------------------------------------------------------------------------------

@pytest.mark.parametrize("port", [8012, 8013, 8022, 9090, 9091, 8008])
def test_reserved_ports(port):
    text = service(ports=f"- containerPort: {port}  #!")
    d = assert_finding(text, "IC603", f"{C}.ports[0].containerPort", contains=f"{port} is a reserved port")
    assert "reserved-port" in d.message


@pytest.mark.parametrize("name,ok", [("http", False), ("grpc", False), ("h2c", True), ("http1", True), ("", True)])
def test_port_names(name, ok):
    text = service(ports=f"- containerPort: 8080\n  name: \"{name}\"  #!")
    if ok:
        assert_clean(text)
    else:
        assert_finding(text, "IC603", f"{C}.ports[0].name", contains=f"Port name {name} is not allowed")


def test_more_than_one_port():
    text = service(ports="- containerPort: 8080\n- containerPort: 8081  #!")
    assert_finding(text, "IC603", f"{C}.ports[1]", contains="more than one container port is set")


def test_one_port_across_containers():
    text = service(extra_containers=f"""
        - image: ghcr.io/acme/sidecar:1
          {SECURE}
          ports:
            - containerPort: 9000  #!
        """)
    assert_finding(text, "IC603", "spec.template.spec.containers[1].ports[0]",
                   contains="Only a single port is allowed across all containers")


def test_several_containers_need_one_port():
    text = service(ports="", extra_containers=f"""
        - image: ghcr.io/acme/sidecar:1
          {SECURE}
        """).replace("      containers:\n", "      containers:  #!\n")
    assert_finding(text, "IC603", "spec.template.spec.containers", contains="[*].ports")


def test_port_protocol():
    text = service(ports="- containerPort: 8080\n  protocol: UDP  #!")
    assert_finding(text, "IC603", f"{C}.ports[0].protocol", contains="invalid value: UDP")


# --- env (§7) -----------------------------------------------------------------------------------

@pytest.mark.parametrize("var", ["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"])
def test_reserved_env_in_serving_container(var):
    text = service(container=f"env:\n  - name: {var}  #!\n    value: x")
    assert_finding(text, "IC603", f"{C}.env[0].name", contains=f'"{var}" is a reserved environment variable')


def test_sidecar_may_set_port_but_not_k_service():
    sidecar = f"""
        - image: ghcr.io/acme/sidecar:1
          {SECURE}
          env:
            - name: PORT
              value: "9000"
            - name: K_SERVICE  #!
              value: x
        """
    text = service(extra_containers=sidecar)
    assert_finding(text, "IC603", "spec.template.spec.containers[1].env[1].name", contains="K_SERVICE")
    assert not [d for d in validate_text(text) if "env[0]" in d.message]


def test_fieldref_needs_flag():
    container = "env:\n  - name: POD\n    valueFrom:\n      fieldRef: {fieldPath: metadata.name}  #!"
    text = service(container=container)
    d = assert_finding(text, "IC603", f"{C}.env[0].valueFrom.fieldRef", contains="kubernetes.podspec-fieldref")
    assert "kubernetes.podspec-fieldref" in d.hint
    assert_clean(text, ValidationSettings(features={"kubernetes.podspec-fieldref": "enabled"}))


# --- mounts and volumes (§7.3, §9) --------------------------------------------------------------

@pytest.mark.parametrize("mount,reserved", [("/", "/"), ("/dev", "/dev"), ("/dev/log", "/dev/log"),
                                            ("/dev/log/", "/dev/log"), ("//dev", "/dev")])
def test_reserved_mount_paths(mount, reserved):
    text = service(container=f"volumeMounts:\n  - name: scratch\n    mountPath: {mount}  #!",
                   volumes="volumes:\n  - name: scratch\n    emptyDir: {}")
    assert_finding(text, "IC603", f"{C}.volumeMounts[0].mountPath", contains=f'"{reserved}" is a reserved path')


def test_dev_shm_is_fine():
    text = service(container="volumeMounts:\n  - name: shm\n    mountPath: /dev/shm",
                   volumes="volumes:\n  - name: shm\n    emptyDir: {medium: Memory, sizeLimit: 8Gi}")
    assert_clean(text)


def test_mount_without_volume_and_unmounted_volume():
    text = service(container="volumeMounts:\n  - name: nope  #!\n    mountPath: /data")
    assert_finding(text, "IC603", f"{C}.volumeMounts[0].name", contains="no matching volume")
    text = service(volumes="volumes:\n  - name: cache  #!\n    emptyDir: {}")
    assert_finding(text, "IC603", "spec.template.spec.volumes[0].name", contains="not mounted")


PVC_MOUNT = "volumeMounts:\n  - name: weights\n    mountPath: /models"


@pytest.mark.parametrize("features,claim,expected", [
    ({}, "{claimName: hf, readOnly: true}", "Persistent volume claim support is disabled"),
    ({"kubernetes.podspec-persistent-volume-claim": "allowed"}, "{claimName: hf, readOnly: true}",
     "Persistent volume claim support is disabled"),  # volumes need "enabled"
    ({"kubernetes.podspec-persistent-volume-claim": "enabled"}, "{claimName: hf}",
     "Persistent volume write support is disabled"),
    ({"kubernetes.podspec-persistent-volume-claim": "enabled"}, "{claimName: hf, readOnly: false}",
     "Persistent volume write support is disabled"),
])
def test_pvc_flags(features, claim, expected):
    text = service(container=PVC_MOUNT + "\n    readOnly: true",
                   volumes=f"volumes:\n  - name: weights\n    persistentVolumeClaim: {claim}  #!")
    d = assert_finding(text, "IC603", "spec.template.spec.volumes[0].persistentVolumeClaim",
                       ValidationSettings(features=features), contains=expected)
    assert "kubernetes.podspec-persistent-volume" in d.hint


def test_pvc_allowed_with_flags():
    flags = {"kubernetes.podspec-persistent-volume-claim": "enabled",
             "kubernetes.podspec-persistent-volume-write": "enabled"}
    text = service(container=PVC_MOUNT, volumes="volumes:\n  - name: weights\n    persistentVolumeClaim: {claimName: hf}")
    assert_clean(text, ValidationSettings(features=flags))


def test_readonly_claim_needs_readonly_mount():
    flags = {"kubernetes.podspec-persistent-volume-claim": "enabled"}
    text = service(container="volumeMounts:\n  - name: weights  #!\n    mountPath: /models",
                   volumes="volumes:\n  - name: weights\n    persistentVolumeClaim: {claimName: hf, readOnly: true}")
    assert_finding(text, "IC603", f"{C}.volumeMounts[0]", ValidationSettings(features=flags),
                   contains="volume is readOnly but volume mount is not")


def test_hostpath_volume_needs_flag():
    text = service(container="volumeMounts:\n  - name: h\n    mountPath: /h",
                   volumes="volumes:\n  - name: h\n    hostPath: {path: /var}  #!")
    assert_finding(text, "IC603", "spec.template.spec.volumes[0].hostPath", contains="kubernetes.podspec-volumes-hostpath")


def test_mount_propagation_needs_flag():
    text = service(container="volumeMounts:\n  - name: s\n    mountPath: /s\n    mountPropagation: HostToContainer  #!",
                   volumes="volumes:\n  - name: s\n    emptyDir: {}")
    assert_finding(text, "IC603", f"{C}.volumeMounts[0].mountPropagation",
                   contains="kubernetes.podspec-volumes-mount-propagation")


# --- feature-gated PodSpec fields (§6) ----------------------------------------------------------

GATED = [
    ("tolerations", "tolerations:  #!\n  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}",
     "kubernetes.podspec-tolerations"),
    ("nodeSelector", "nodeSelector: {gpu: h100}  #!", "kubernetes.podspec-nodeselector"),
    ("schedulerName", "schedulerName: kai-scheduler  #!", "kubernetes.podspec-schedulername"),
    ("runtimeClassName", "runtimeClassName: nvidia  #!", "kubernetes.podspec-runtimeclassname"),
    ("priorityClassName", "priorityClassName: high  #!", "kubernetes.podspec-priorityclassname"),
    ("affinity", "affinity:  #!\n  nodeAffinity: {}\n  podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: []}",
     "kubernetes.podspec-affinity"),
    ("hostNetwork", "hostNetwork: true  #!", "kubernetes.podspec-hostnetwork"),
    ("dnsPolicy", "dnsPolicy: ClusterFirst  #!", "kubernetes.podspec-dnspolicy"),
    ("securityContext", "securityContext: {runAsUser: 1000}  #!", "kubernetes.podspec-securitycontext"),
    ("initContainers", f"initContainers:  #!\n  - image: busybox:1\n    name: fetch\n    {SECURE}",
     "kubernetes.podspec-init-containers"),
]


@pytest.mark.parametrize("field,block,flag", GATED, ids=[g[0] for g in GATED])
def test_feature_gated_fields(field, block, flag):
    text = service(spec=block)
    d = assert_finding(text, "IC603", f"spec.template.spec.{field}", contains=flag)
    assert flag in d.hint
    assert_clean(text, ValidationSettings(features={flag: "enabled"}))


def test_zero_values_of_gated_fields_are_unset():
    assert_clean(service(spec="hostNetwork: false\ntolerations: []\nnodeSelector: {}"))


def test_automount_service_account_token_true():
    text = service(spec="automountServiceAccountToken: true  #!")
    assert_finding(text, "IC603", "spec.template.spec.automountServiceAccountToken", contains="must not set")
    assert_clean(service(spec="automountServiceAccountToken: false"))


def test_sidecar_probe_needs_flag():
    text = service(extra_containers=f"""
        - image: ghcr.io/acme/sidecar:1
          {SECURE}
          readinessProbe:  #!
            tcpSocket: {{port: 9000}}
        """)
    assert_finding(text, "IC603", "spec.template.spec.containers[1].readinessProbe", contains="multi-container-probing")
    assert_clean(text, ValidationSettings(features={"multi-container-probing": "enabled"}))


# --- probes (§7.2) -----------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["failureThreshold", "timeoutSeconds"])
def test_readiness_period_zero_disallows(field):
    text = service(container=f"readinessProbe:\n  httpGet: {{path: /health}}\n  periodSeconds: 0\n  {field}: 3  #!")
    assert_finding(text, "IC603", f"{C}.readinessProbe.{field}",
                   contains=f"{field} is disallowed when periodSeconds is zero")


def test_readiness_unset_period_also_disallows_failure_threshold():
    text = service(container="readinessProbe:\n  httpGet: {path: /health}\n  failureThreshold: 3  #!")
    assert_finding(text, "IC603", f"{C}.readinessProbe.failureThreshold", contains="disallowed")


def test_readiness_with_period_is_fine():
    text = service(container="readinessProbe:\n  httpGet: {path: /health}\n  periodSeconds: 10\n"
                             "  failureThreshold: 3\n  timeoutSeconds: 5")
    assert_clean(text)


def test_probe_with_two_handlers():
    text = service(container="livenessProbe:  #!\n  httpGet: {path: /health}\n  tcpSocket: {}")
    assert_finding(text, "IC603", f"{C}.livenessProbe", contains="expected exactly one, got both")


def test_named_probe_port_must_match():
    text = service(ports="- containerPort: 8080\n  name: h2c",
                   container="readinessProbe:\n  tcpSocket: {port: http}  #!")
    assert_finding(text, "IC603", f"{C}.readinessProbe.tcpSocket.port", contains="Probe port must match")
    assert_clean(service(container="readinessProbe:\n  httpGet: {path: /health, port: http}"))


# --- RevisionSpec scalars (§5) ------------------------------------------------------------------

def test_timeout_seconds_bound():
    text = service(spec="timeoutSeconds: 601  #!")
    assert_finding(text, "IC603", "spec.template.spec.timeoutSeconds", contains="expected 0 <= 601 <= 600")
    assert_clean(service(spec="timeoutSeconds: 600"))
    assert_clean(text, ValidationSettings(max_revision_timeout_seconds=900))


def test_container_concurrency_bound():
    text = service(spec="containerConcurrency: 1001  #!")
    assert_finding(text, "IC603", "spec.template.spec.containerConcurrency", contains="expected 0 <= 1001 <= 1000")
    assert_clean(service(spec="containerConcurrency: 0"))


# --- autoscaling annotations (§4.2) -------------------------------------------------------------

AUTOSCALING_BAD = [
    ("min-scale", "-1", "expected 0 <= -1 <= 2147483647"),
    ("min-scale", "one", "invalid value: one"),
    ("minScale", "-1", "expected 0 <= -1"),
    ("max-scale", "-3", "expected 0 <= -3"),
    ("initial-scale", "-1", "invalid value: -1"),
    ("initial-scale", "0", "initial-scale=0 not allowed by cluster"),
    ("activation-scale", "1", "activation-scale=1 must be greater than 1"),
    ("class", "foo.knative.dev", "invalid value: foo.knative.dev"),
    ("metric", "cpu", "invalid value: cpu"),
    ("target", "0.001", "target 0.001 should be at least 0.01"),
    ("target", "lots", "invalid value: lots"),
    ("target-utilization-percentage", "101", "expected 1 <= 101 <= 100"),
    ("target-utilization-percentage", "0.5", "expected 1 <= 0.5 <= 100"),
    ("target-burst-capacity", "-2", "invalid value: -2"),
    ("window", "5s", "expected 6s <= 5s <= 1h0m0s"),
    ("window", "61m", "expected 6s <= 61m <= 1h0m0s"),
    ("window", "6.5s", "at most second precision"),
    ("window", "ten", "invalid value: ten"),
    ("panic-window-percentage", "0.5", "expected 1 <= 0.5 <= 100"),
    ("panic-window-percentage", "101", "expected 1 <= 101 <= 100"),
    ("panic-threshold-percentage", "100", "expected 110 <= 100 <= 1000"),
    ("panic-threshold-percentage", "1001", "expected 110 <= 1001 <= 1000"),
    ("scale-to-zero-pod-retention-period", "2h", "expected 0s <= 2h <= 1h0m0s"),
    ("scale-to-zero-pod-retention-period", "-1s", "expected 0s <= -1s"),
    ("scale-down-delay", "1.5s", "at most second precision"),
    ("scale-down-delay", "90m", "expected 0s <= 90m <= 1h0m0s"),
]


@pytest.mark.parametrize("key,value,message", AUTOSCALING_BAD, ids=[f"{k}={v}" for k, v, _ in AUTOSCALING_BAD])
def test_autoscaling_bounds(key, value, message):
    full = f"autoscaling.knative.dev/{key}"
    text = service(annotations=f'{full}: "{value}"  #!')
    d = assert_finding(text, "IC603", f'{ANN}["{full}"]', contains=message)
    assert "autoscaling-annotation" in d.message


def test_a_huge_duration_is_refused_at_once_and_quoted_in_short():
    """Go durations are parsed in linear time (a backtracking pattern took minutes on 100,000 digits),
    and a diagnostic quotes at most a thousand characters of a value."""
    full = "autoscaling.knative.dev/window"
    text = service(annotations=f'{full}: "{"1" * 300_000}"  #!')  # a number without its unit
    d = assert_finding(text, "IC603", f'{ANN}["{full}"]', contains="invalid value: 1111")
    assert len(d.message) <= 1000 and "characters left out" in d.message


AUTOSCALING_GOOD = [
    {"min-scale": "1", "max-scale": "4", "initial-scale": "1", "activation-scale": "2"},
    {"max-scale": "0", "min-scale": "3"},
    {"class": "hpa.autoscaling.knative.dev", "metric": "cpu", "target": "80"},
    {"class": "example.com/custom", "metric": "latency"},
    {"metric": "rps", "target": "0.01", "target-utilization-percentage": "100"},
    {"target-burst-capacity": "-1", "window": "1h", "panic-window-percentage": "10",
     "panic-threshold-percentage": "200"},
    {"scale-to-zero-pod-retention-period": "1m30s", "scale-down-delay": "0s", "window": "6s"},
    {"metric-aggregation-algorithm": "whatever"},  # only checked when class is explicitly KPA
]


@pytest.mark.parametrize("values", AUTOSCALING_GOOD)
def test_autoscaling_valid(values):
    block = "\n".join(f'autoscaling.knative.dev/{k}: "{v}"' for k, v in values.items())
    assert_clean(service(annotations=block))


def test_metric_aggregation_algorithm_with_explicit_kpa():
    text = service(annotations='autoscaling.knative.dev/class: "kpa.autoscaling.knative.dev"\n'
                               'autoscaling.knative.dev/metric-aggregation-algorithm: "median"  #!')
    assert_finding(text, "IC603", f'{ANN}["autoscaling.knative.dev/metric-aggregation-algorithm"]',
                   contains="invalid value: median")


def test_initial_scale_zero_allowed_by_cluster():
    text = service(annotations='autoscaling.knative.dev/initial-scale: "0"')
    assert_clean(text, ValidationSettings(allow_zero_initial_scale=True))


def test_max_below_min():
    text = service(annotations='autoscaling.knative.dev/min-scale: "5"\nautoscaling.knative.dev/max-scale: "2"  #!')
    assert_finding(text, "IC603", f'{ANN}["autoscaling.knative.dev/max-scale"]',
                   contains="max-scale=2 is less than min-scale=5")


def test_activation_scale_cross_rules():
    text = service(annotations='autoscaling.knative.dev/min-scale: "5"\nautoscaling.knative.dev/activation-scale: "3"  #!')
    assert_finding(text, "IC603", f'{ANN}["autoscaling.knative.dev/activation-scale"]',
                   contains="min-scale=5 is greater than activation-scale=3")
    text = service(annotations='autoscaling.knative.dev/max-scale: "2"\nautoscaling.knative.dev/activation-scale: "3"  #!')
    assert_finding(text, "IC603", f'{ANN}["autoscaling.knative.dev/activation-scale"]',
                   contains="max-scale=2 is less than activation-scale=3")


def test_max_scale_limit():
    text = service(annotations='autoscaling.knative.dev/max-scale: "20"  #!')
    assert_finding(text, "IC603", f'{ANN}["autoscaling.knative.dev/max-scale"]',
                   ValidationSettings(max_scale_limit=10), contains="expected 1 <= 20 <= 10")


def test_autoscaling_annotation_on_the_service():
    text = service(meta='annotations:\n  autoscaling.knative.dev/min-scale: "1"  #!')
    d = assert_finding(text, "IC603", 'metadata.annotations["autoscaling.knative.dev/min-scale"]',
                       contains="invalid key name")
    assert "spec.template.metadata.annotations" in d.hint


def test_unquoted_integer_annotation_is_a_schema_error():
    text = service(annotations="autoscaling.knative.dev/min-scale: 1  #!")
    d = assert_finding(text, "IC602", f'{ANN}["autoscaling.knative.dev/min-scale"]', contains="expected string")
    assert '"1"' in d.hint


# --- other annotations (§3, §4.3, §4.4) --------------------------------------------------------

def test_networking_annotation_on_template():
    text = service(annotations="networking.knative.dev/visibility: cluster-local  #!")
    d = assert_finding(text, "IC603", f'{ANN}["networking.knative.dev/visibility"]', contains="invalid key name")
    assert "label" in d.hint
    assert_clean(service(annotations="networking.knative.dev/ingress.class: istio.ingress.networking.knative.dev"))


def test_rollout_duration_and_progress_deadline():
    text = service(meta='annotations:\n  serving.knative.dev/rollout-duration: "1.5s"  #!')
    assert_finding(text, "IC603", 'metadata.annotations["serving.knative.dev/rollout-duration"]',
                   contains="not at second precision")
    text = service(annotations='serving.knative.dev/progress-deadline: "soon"  #!')
    assert_finding(text, "IC603", f'{ANN}["serving.knative.dev/progress-deadline"]', contains="invalid value")


def test_queue_resource_percentage_is_deprecated():
    text = service(annotations='queue.sidecar.serving.knative.dev/resource-percentage: "10"  #!')
    assert_finding(text, "IC603", f'{ANN}["queue.sidecar.serving.knative.dev/resource-percentage"]',
                   contains="deprecated", severity=Severity.WARNING)


# --- names (§3, §4.1, §11) ----------------------------------------------------------------------

def test_byo_revision_name_prefix():
    text = service(tmeta="name: other-00001  #!")
    assert_finding(text, "IC603", "spec.template.metadata.name", contains='must have prefix "llm-"')
    assert_clean(service(tmeta="name: llm-00001"))


def test_service_name_length_and_shape():
    long = "a" * 64
    text = service(name=long).replace(f"name: {long}", f"name: {long}  #!")
    assert_finding(text, "IC603", "metadata.name", contains="not a DNS 1035 label")
    assert_clean(service(name="a" * 63))
    text = service(name="9lives").replace("name: 9lives", "name: 9lives  #!")
    assert_finding(text, "IC603", "metadata.name", contains="not a DNS 1035 label")


def test_image_reference():
    text = service().replace("- image: ghcr.io/acme/server:1.0", "- image: foo:bar:baz  #!")
    assert_finding(text, "IC603", f"{C}.image", contains="Failed to parse image reference")
    text = service().replace("- image: ghcr.io/acme/server:1.0", "- image: Ghcr.io/Acme/Server  #!")
    assert_finding(text, "IC603", f"{C}.image", contains="Failed to parse image reference")
    ok = "registry.local:5000/team/vllm@sha256:" + "a" * 64
    assert_clean(service().replace("ghcr.io/acme/server:1.0", ok))


def test_queue_proxy_container_name():
    text = service(container="name: queue-proxy  #!")
    assert_finding(text, "IC603", f"{C}.name", contains="reserved container name")


# --- traffic (§10) ------------------------------------------------------------------------------

def test_traffic_sum():
    text = service(traffic="traffic:  #!\n  - {latestRevision: true, percent: 50}\n  - {revisionName: llm-00001, percent: 20}")
    assert_finding(text, "IC603", "spec.traffic", contains="Traffic targets sum to 70, want 100")


def test_configuration_name_in_service_traffic():
    text = service(traffic="traffic:\n  - configurationName: llm  #!\n    percent: 100")
    assert_finding(text, "IC603", "spec.traffic[0].configurationName", contains="must not set")


def test_latest_revision_with_revision_name():
    text = service(traffic="traffic:\n  - revisionName: llm-00001\n    latestRevision: true  #!\n    percent: 100")
    assert_finding(text, "IC603", "spec.traffic[0].latestRevision", contains="may not set revisionName")


def test_duplicate_tags():
    text = service(traffic="traffic:\n  - {latestRevision: true, percent: 100, tag: canary}\n"
                           "  - revisionName: llm-00001\n    percent: 0\n    tag: canary  #!")
    assert_finding(text, "IC603", "spec.traffic[1].tag", contains='Multiple definitions for "canary"')


@pytest.mark.parametrize("spec", ["spec:\n  traffic: []  #!\n", "spec: {}  #!\n"])
def test_route_without_traffic_targets(spec):
    # Only a Service's traffic is defaulted (to the latest revision); a Route's sums to 0.
    route = f"apiVersion: serving.knative.dev/v1\nkind: Route\nmetadata: {{name: r}}\n{spec}"
    d = assert_finding(route, "IC603", "spec.traffic", contains="Traffic targets sum to 0, want 100")
    assert "configurationName" in d.hint
    assert_clean(service(traffic="traffic: []"))


def test_valid_split_traffic():
    assert_clean(service(traffic="traffic:\n  - {latestRevision: true, percent: 90, tag: current}\n"
                                 "  - {revisionName: llm-00001, percent: 10, tag: previous}"))


# --- warnings (§12) -----------------------------------------------------------------------------

def test_insecure_security_context_is_a_warning():
    text = service().replace(f"          {SECURE}\n", "")
    text = text.replace("- image: ghcr.io/acme/server:1.0", "- image: ghcr.io/acme/server:1.0  #!")
    d = assert_finding(text, "IC603", C, contains="insecure", severity=Severity.WARNING)
    assert "runAsNonRoot" in d.message
    assert_clean(text, ValidationSettings(features={"secure-pod-defaults": "enabled"}))


# --- other Knative kinds ------------------------------------------------------------------------

def test_route_and_configuration():
    route = ("apiVersion: serving.knative.dev/v1\nkind: Route\nmetadata: {name: r}\nspec:\n  traffic:\n"
             "    - {configurationName: c, percent: 100}\n")
    assert_clean(route)
    route = route.replace("{configurationName: c, percent: 100}", "{percent: 100}  #!")
    assert_finding(route, "IC603", "spec.traffic[0]", contains="got neither")
    config = service().replace("kind: Service", "kind: Configuration")
    assert_clean(config)
