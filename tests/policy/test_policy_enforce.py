"""IC101-IC108: one case per rule attribute per value type, against the effective workload."""

from __future__ import annotations

from policy_helpers import at, policy, workload

WL = "workloads/nlp/chat.yaml"
POL = "policies/p.yaml"


def files(rules: str, spec_extra: str = "", defaults: str = "", scope: str = "project") -> dict[str, str]:
    body = ""
    if defaults:
        body += "defaults:\n" + _indent(defaults)
    body += "rules:\n" + _indent(rules)
    return {WL: workload("chat", spec_extra), POL: policy("p", scope, body)}


def _indent(text: str) -> str:
    import textwrap

    return textwrap.indent(textwrap.dedent(text).strip("\n"), "  ") + "\n"


# --- boolean ---------------------------------------------------------------------------------


def test_boolean_required_missing(run):
    f = files("compute: {largeShmRequest: {required: true}}")
    d = run(f).one("IC101")
    assert str(d.location) == at(WL, f[WL], "compute:", "{gpuDevicesRequest")  # the compute block to add it to
    assert "compute.largeShmRequest is required by policy 'p' (policies/p.yaml:7)" in d.message
    assert d.hint == "set compute.largeShmRequest in the workload, its template or an asset"
    assert str(d.related[0]) == at(POL, f[POL], "largeShmRequest", "true")


def test_boolean_required_satisfied_by_default(run):
    f = files("compute: {largeShmRequest: {required: true}}", defaults="compute: {largeShmRequest: true}")
    assert run(f).codes() == []


def test_boolean_can_edit_differs_from_default(run):
    f = files("compute: {largeShmRequest: {canEdit: false}}", defaults="compute: {largeShmRequest: true}",
              spec_extra="compute: {largeShmRequest: false}")
    d = run(f).one("IC102")
    assert str(d.location) == at(WL, f[WL], "largeShmRequest: false", "false")
    assert "compute.largeShmRequest is false, but policy 'p' (policies/p.yaml:9) does not allow editing it" in d.message
    assert "it must be true (the default at policies/p.yaml:7)" in d.message
    assert d.hint == f"remove compute.largeShmRequest from {WL} (or set it to true)"


def test_boolean_can_edit_equal_to_default_is_fine(run):
    f = files("compute: {largeShmRequest: {canEdit: false}}", defaults="compute: {largeShmRequest: true}",
              spec_extra="compute: {largeShmRequest: true}")
    assert run(f).codes() == []


def test_can_edit_false_without_default_means_unset(run):
    f = files("security: {runAsNonRoot: {canEdit: false}}", spec_extra="security: {runAsNonRoot: true}")
    d = run(f).one("IC102")
    assert str(d.location) == at(WL, f[WL], "runAsNonRoot: true", "true")
    assert "gives no default, so it must stay unset" in d.message
    assert d.hint == f"remove security.runAsNonRoot from {WL}"


def test_blocked_field_must_stay_unset(run):
    f = files("workingDir: {blocked: true}", spec_extra="workingDir: /srv")
    d = run(f).one("IC102")
    assert str(d.location) == at(WL, f[WL], "workingDir: /srv", "/srv")
    assert "workingDir is set to /srv, but policy 'p' (policies/p.yaml:7) blocks it" in d.message


# --- string ----------------------------------------------------------------------------------


def test_string_options_as_value_and_displayed(run):
    f = files("""
        autoscaling:
          metric:
            options: [{value: concurrency, displayed: Concurrency}, {value: throughput, displayed: RPS}]
        """, spec_extra="autoscaling: {minReplicas: 1, maxReplicas: 3, metric: latency, metricThreshold: 5}")
    d = run(f).one("IC106")
    assert str(d.location) == at(WL, f[WL], "metric: latency", "latency")
    assert "autoscaling.metric is latency, not one of the options of policy 'p' (policies/p.yaml:9): concurrency, throughput" in d.message
    assert d.hint == "set autoscaling.metric to one of: concurrency, throughput"


def test_string_options_plain_strings(run):
    f = files("imagePullPolicy: {options: [IfNotPresent, Always]}", spec_extra="imagePullPolicy: Never")
    d = run(f).one("IC106")
    assert str(d.location) == at(WL, f[WL], "imagePullPolicy: Never", "Never")
    assert "imagePullPolicy is Never, not one of the options of policy 'p' (policies/p.yaml:7): IfNotPresent, Always" in d.message


def test_string_options_satisfied(run):
    f = files("imagePullPolicy: {options: [IfNotPresent, Always]}", spec_extra="imagePullPolicy: Always")
    assert run(f).codes() == []


def test_string_can_edit(run):
    f = files("imagePullPolicy: {canEdit: false}", defaults="imagePullPolicy: IfNotPresent",
              spec_extra="imagePullPolicy: Always")
    d = run(f).one("IC102")
    assert str(d.location) == at(WL, f[WL], "imagePullPolicy: Always", "Always")
    assert "imagePullPolicy is Always" in d.message and "must be IfNotPresent" in d.message


def test_string_required(run):
    f = files("nodeType: {required: true}")
    d = run(f).one("IC101")
    assert "nodeType is required by policy 'p'" in d.message


# --- integer ---------------------------------------------------------------------------------


def test_integer_max(run):
    f = files("compute: {gpuDevicesRequest: {max: 4}}", spec_extra="compute: {gpuDevicesRequest: 8}")
    d = run(f).one("IC104")
    assert str(d.location) == at(WL, f[WL], "gpuDevicesRequest: 8", "8")
    assert d.message == ("compute.gpuDevicesRequest is 8, above the maximum 4 of policy 'p' (policies/p.yaml:7)")
    assert d.hint == "set compute.gpuDevicesRequest to at most 4"
    assert str(d.related[0]) == at(POL, f[POL], "gpuDevicesRequest", "4")


def test_integer_min(run):
    f = files("autoscaling: {minReplicas: {min: 2}}")  # minReplicas 1 comes from infc's baseline
    d = run(f).one("IC103")
    assert str(d.location) == "<infc>/policies/baseline.yaml:13:20"
    assert "autoscaling.minReplicas is 1, below the minimum 2 of policy 'p' (policies/p.yaml:7)" in d.message
    assert "(workload nlp/chat)" in d.message  # the location is outside the workload's file
    assert d.hint == "set autoscaling.minReplicas to at least 2"


def test_integer_step_from_min(run):
    f = files("compute: {gpuDevicesRequest: {min: 1, step: 2}}", spec_extra="compute: {gpuDevicesRequest: 4}")
    d = run(f).one("IC105")
    assert str(d.location) == at(WL, f[WL], "gpuDevicesRequest: 4", "4")
    assert "compute.gpuDevicesRequest is 4, not 1 + a multiple of 2" in d.message
    assert d.hint == "use 3 or 5"


def test_integer_step_default_min_zero(run):
    f = files("compute: {gpuDevicesRequest: {step: 2}}", spec_extra="compute: {gpuDevicesRequest: 3}")
    d = run(f).one("IC105")
    assert "compute.gpuDevicesRequest is 3, not a multiple of 2" in d.message
    assert d.hint == "use 2 or 4"


def test_integer_within_bounds(run):
    f = files("compute: {gpuDevicesRequest: {min: 1, max: 8, step: 1}}", spec_extra="compute: {gpuDevicesRequest: 8}")
    assert run(f).codes() == []


# --- number ----------------------------------------------------------------------------------


def test_number_min_with_millicores(run):
    f = files("compute: {cpuCoreRequest: {min: 1, max: 16}}", spec_extra="compute: {cpuCoreRequest: 500m}")
    d = run(f).one("IC103")
    assert str(d.location) == at(WL, f[WL], "cpuCoreRequest: 500m", "500m")
    assert "compute.cpuCoreRequest is 0.5, below the minimum 1" in d.message


def test_number_max(run):
    f = files("compute: {cpuCoreRequest: {max: 2.5}}")
    d = run(f).one("IC104")
    assert "compute.cpuCoreRequest is 4, above the maximum 2.5" in d.message


def test_number_step(run):
    f = files("compute: {gpuPortionRequest: {step: 0.25}}",
              spec_extra="compute: {gpuDevicesRequest: 1, gpuRequestType: portion, gpuPortionRequest: 0.3}")
    d = run(f).one("IC105")
    assert "compute.gpuPortionRequest is 0.3, not a multiple of 0.25" in d.message
    assert d.hint == "use 0.25 or 0.5"


# --- quantity --------------------------------------------------------------------------------


def test_quantity_max_compares_units(run):
    f = files("compute: {cpuMemoryRequest: {max: 20G}}", spec_extra="compute: {cpuMemoryRequest: 32Gi}")
    d = run(f).one("IC104")
    assert str(d.location) == at(WL, f[WL], "cpuMemoryRequest: 32Gi", "32Gi")
    assert d.message == "compute.cpuMemoryRequest is 32Gi, above the maximum 20G of policy 'p' (policies/p.yaml:7)"


def test_quantity_min(run):
    f = files("compute: {cpuMemoryRequest: {min: 1G}}", spec_extra="compute: {cpuMemoryRequest: 512Mi}")
    d = run(f).one("IC103")
    assert "compute.cpuMemoryRequest is 512Mi, below the minimum 1G" in d.message


def test_quantity_equal_in_other_units_is_fine(run):
    f = files("compute: {cpuMemoryRequest: {min: 1G, max: 20GB}}", spec_extra="compute: {cpuMemoryRequest: 20000M}")
    assert run(f).codes() == []


# --- array -----------------------------------------------------------------------------------


def test_array_options_every_element(run):
    f = files("nodePools: {options: [h100]}", spec_extra="nodePools: [h100, l40s]")
    d = run(f).one("IC106")
    assert str(d.location) == at(WL, f[WL], "nodePools:", "l40s")
    assert "nodePools[1] is l40s, not one of the options of policy 'p' (policies/p.yaml:7): h100" in d.message
    assert d.hint == "use only h100 in nodePools"


def test_array_can_edit(run):
    f = files("security: {capabilities: {canEdit: false}}", defaults="security: {capabilities: [SYS_PTRACE]}",
              spec_extra="security: {capabilities: [NET_ADMIN]}")
    d = run(f).one("IC102")
    assert "security.capabilities is [NET_ADMIN]" in d.message and "must be [SYS_PTRACE]" in d.message


# --- object ----------------------------------------------------------------------------------


def test_object_required(run):
    f = files("nodeAffinityRequired: {required: true}")
    d = run(f).one("IC101")
    assert "nodeAffinityRequired is required by policy 'p'" in d.message


# --- itemized --------------------------------------------------------------------------------

ITEMIZED_DEFAULTS = """
environmentVariables:
  instances:
    - {name: HF_HUB_OFFLINE, value: "0"}
    - {name: VLLM_LOGGING_LEVEL, value: INFO}
tolerations:
  attributes: {operator: Exists, effect: NoSchedule}
"""


def test_itemized_can_add_false(run):
    f = files("environmentVariables: {instances: {canAdd: false}}", defaults=ITEMIZED_DEFAULTS,
              spec_extra="environmentVariables: [{name: HF_HUB_OFFLINE, value: '1'}, {name: EXTRA, value: x}]")
    d = run(f).one("IC107")
    assert str(d.location) == at(WL, f[WL], "environmentVariables:", "{name: EXTRA")
    assert "environmentVariables adds 'EXTRA', but policy 'p' (policies/p.yaml:14) does not allow adding items" in d.message
    assert "(policy items: HF_HUB_OFFLINE, VLLM_LOGGING_LEVEL)" in d.message
    assert d.hint == f"remove 'EXTRA' from environmentVariables in {WL}"


def test_itemized_locked_exclude(run):
    f = files("environmentVariables: {instances: {locked: [VLLM_LOGGING_LEVEL]}}", defaults=ITEMIZED_DEFAULTS,
              spec_extra="environmentVariables: [{name: VLLM_LOGGING_LEVEL, exclude: true}, {name: HF_HUB_OFFLINE, exclude: true}]")
    r = run(f)
    d = r.one("IC108")
    assert str(d.location) == at(WL, f[WL], "environmentVariables:", "{name: VLLM_LOGGING_LEVEL")
    assert "environmentVariables excludes 'VLLM_LOGGING_LEVEL', which policy 'p' (policies/p.yaml:14) locks" in d.message
    assert d.hint == f"remove the 'exclude: true' item 'VLLM_LOGGING_LEVEL' from {WL}"
    assert r.workload().spec.environmentVariables in (None, [])  # resolve still removed both


def test_itemized_locked_attribute_changed(run):
    f = files("environmentVariables: {instances: {locked: [VLLM_LOGGING_LEVEL]}}", defaults=ITEMIZED_DEFAULTS,
              spec_extra="environmentVariables: [{name: VLLM_LOGGING_LEVEL, value: DEBUG}, {name: HF_HUB_OFFLINE, value: '1'}]")
    d = run(f).one("IC108")
    assert str(d.location) == at(WL, f[WL], "environmentVariables:", "DEBUG")
    assert "environmentVariables 'VLLM_LOGGING_LEVEL' sets value to DEBUG" in d.message
    assert "value must stay INFO (set at policies/p.yaml:10)" in d.message


def test_itemized_locked_restated_unchanged_is_fine(run):
    f = files("environmentVariables: {instances: {locked: [VLLM_LOGGING_LEVEL], canAdd: false}}",
              defaults=ITEMIZED_DEFAULTS,
              spec_extra="environmentVariables: [{name: VLLM_LOGGING_LEVEL, value: INFO}]")
    assert run(f).codes() == []


def test_itemized_attribute_defaults_fill_items(run):
    f = files("tolerations: {attributes: {effect: {options: [NoSchedule]}}}", defaults=ITEMIZED_DEFAULTS,
              spec_extra="tolerations: [{name: gpu, key: nvidia.com/gpu}, {name: other, key: x, effect: NoExecute}]")
    r = run(f)
    w = r.workload()
    assert [(t.name, t.operator, t.effect) for t in w.spec.tolerations] == [
        ("gpu", "Exists", "NoSchedule"), ("other", "Exists", "NoExecute")]
    assert str(w.loc("tolerations", 0, "effect")) == at(POL, f[POL], "attributes: {operator", "NoSchedule")
    d = r.one("IC106")
    assert str(d.location) == at(WL, f[WL], "tolerations:", "NoExecute")
    assert "tolerations[other].effect is NoExecute, not one of the options" in d.message


def test_itemized_attribute_required(run):
    f = files("environmentVariables: {attributes: {description: {required: true}}}",
              spec_extra="environmentVariables: [{name: A, value: x, description: ok}, {name: B, value: y}]")
    d = run(f).one("IC101")
    assert str(d.location) == at(WL, f[WL], "environmentVariables:", "{name: B")
    assert "environmentVariables[B].description is required" in d.message


def test_ignore_annotation_silences_policy_code(run):
    f = files("compute: {gpuDevicesRequest: {max: 4}}", spec_extra="compute: {gpuDevicesRequest: 8}")
    f[WL] = f[WL].replace("metadata: {name: chat, project: nlp}",
                          "metadata: {name: chat, project: nlp, annotations: {infc/ignore: IC104}}")
    assert run(f).codes() == []
