"""IC006/IC007 for the rules and defaults of a policy, reported once, at the policy file."""

from __future__ import annotations

import pytest
from policy_helpers import at, policy, workload

POL = "policies/p.yaml"


def check(run, body: str, scope: str = "project", workloads: int = 1):
    f = {POL: policy("p", scope, body)}
    for i in range(workloads):
        f[f"workloads/nlp/w{i}.yaml"] = workload(f"w{i}")
    return f, run(f)


@pytest.mark.parametrize("rules,code,line_has,token,message,hint", [
    ("compute: {gpuDevicesRequst: {max: 4}}", "IC006", "gpuDevicesRequst", "gpuDevicesRequst",
     "policy 'p': unknown field 'compute.gpuDevicesRequst' in rules", "did you mean 'gpuDevicesRequest'?"),
    ("replicas: {max: 4}", "IC006", "replicas", "replicas",
     "unknown field 'replicas' in rules", "fields here: "),
    ("autoscaling: {maxReplicas: {maxx: 4}}", "IC006", "maxx", "maxx",
     "unknown rule attribute 'maxx' for 'autoscaling.maxReplicas'", "did you mean 'max'?"),
    ("compute: {gpuDevicesRequest: {options: ['1', '2']}}", "IC007", "options", "options",
     "rule attribute 'options' does not apply to 'compute.gpuDevicesRequest' (an integer)",
     "an integer field takes: required, canEdit, blocked, min, max, step, defaultFrom"),
    ("compute: {largeShmRequest: {min: 1}}", "IC007", "largeShmRequest", "min",
     "rule attribute 'min' does not apply to 'compute.largeShmRequest' (a boolean)",
     "a boolean field takes: required, canEdit, blocked"),
    ("compute: {cpuMemoryRequest: {step: 1G}}", "IC007", "cpuMemoryRequest", "step",
     "rule attribute 'step' does not apply to 'compute.cpuMemoryRequest' (a quantity)", "a quantity field takes"),
    ("compute: {gpuDevicesRequest: {max: four}}", "IC007", "gpuDevicesRequest", "four",
     "'max' for 'compute.gpuDevicesRequest' must be an integer such as 4, not four", "is an integer"),
    ("compute: {cpuMemoryRequest: {max: lots}}", "IC007", "cpuMemoryRequest", "lots",
     "'max' for 'compute.cpuMemoryRequest' must be a quantity such as 20Gi or 20G, not lots", "is a quantity"),
    ("imagePullPolicy: {canEdit: 'no'}", "IC007", "canEdit", "'no'",
     "'canEdit' for 'imagePullPolicy' must be true or false, not no", "write canEdit: true or canEdit: false"),
    ("imagePullPolicy: {options: [IfNotPresent, Allways]}", "IC007", "options", "Allways",
     "option 'Allways' is not a valid value of 'imagePullPolicy'", "did you mean 'Always'?"),
    ("autoscaling: {maxReplicas: {min: 8, max: 4}}", "IC007", "maxReplicas", "8",
     "min 8 is above max 4 for 'autoscaling.maxReplicas'", "no value could satisfy both"),
    ("compute: {gpuDevicesRequest: {step: 0}}", "IC007", "step", "0",
     "'step' for 'compute.gpuDevicesRequest' must be a positive integer, not 0", "min + a multiple of step"),
    ("compute: {cpuCoreRequest: {defaultFrom: {field: autoscaling.maxReplicas, factor: 0.5}}}", "IC007",
     "defaultFrom", "autoscaling",
     "'defaultFrom.field' 'autoscaling.maxReplicas' of 'compute.cpuCoreRequest' is not a numeric field of compute",
     "same section"),
    ("environmentVariables: {instances: {canAdd: false, lock: [A]}}", "IC006", "lock", "lock",
     "unknown key 'lock' in 'instances' of 'environmentVariables'", "did you mean 'locked'?"),
    ("environmentVariables: {instances: {locked: A}}", "IC007", "locked", "A}",
     "'instances.locked' for 'environmentVariables' must be a list of names", "locked: [HF_HOME]"),
    ("environmentVariables: {attributes: {valu: {canEdit: false}}}", "IC006", "valu", "valu",
     "unknown field 'environmentVariables[*].valu' in rules", "did you mean 'value'?"),
    ("autoscaling: {maxReplicas: 4}", "IC007", "maxReplicas", "4",
     "the rule for 'autoscaling.maxReplicas' must be a mapping of rule attributes, not 4", "maxReplicas: {max: 4}"),
])
def test_bad_rules(run, rules, code, line_has, token, message, hint):
    f, r = check(run, "rules:\n  " + rules)
    d = r.one(code)
    assert str(d.location) == at(POL, f[POL], line_has, token)
    assert message in d.message
    assert hint in d.hint
    assert r.codes() == [code]  # the bad rule is dropped, nothing is enforced from it


def test_good_rules_accepted(run):
    _, r = check(run, """
        rules:
          compute:
            gpuDevicesRequest: {min: 0, max: 8, step: 1, required: true, canEdit: true}
            cpuCoreRequest: {min: 500m, max: 32, defaultFrom: {field: compute.cpuCoreLimit, factor: 0.5}}
            gpuPortionRequest: {min: "10%", max: 1, step: 0.05}
            cpuMemoryRequest: {min: 1G, max: 64Gi}
            extendedResources: {instances: {canAdd: false}, attributes: {quantity: {max: "2"}}}
          nodeAffinityRequired: {canEdit: false}
          servingPort: {authorizationType: {options: [public, authenticatedUsers]}, container: {min: 1024}}
          probes: {readiness: {periodSeconds: {min: 5}}}
          storage: {pvc: {instances: {locked: [model-cache]}, attributes: {claimInfo: {size: {max: 1Ti}}}}}
          huggingFace: {server: {options: [vllm]}}
          nodePools: {options: [h100, l40s]}
        """)
    assert r.codes() == []


def test_rules_checked_once_per_policy_even_without_workloads(run):
    _, r = check(run, "rules: {compute: {gpuDevicesRequst: {max: 4}}}", scope="cluster", workloads=0)
    assert r.codes() == ["IC006"]
    _, r = check(run, "rules: {compute: {gpuDevicesRequst: {max: 4}}}", scope="cluster", workloads=3)
    assert r.codes() == ["IC006"]


def test_defaults_unknown_field(run):
    f, r = check(run, "defaults: {compute: {gpuDevicesRequst: 2}}", workloads=2)
    d = r.one("IC006")
    assert str(d.location) == at(POL, f[POL], "gpuDevicesRequst", "2")
    assert d.message == "unknown field 'compute.gpuDevicesRequst'"
    assert d.hint == "did you mean 'gpuDevicesRequest'?"


def test_defaults_wrong_type(run):
    f, r = check(run, "defaults: {autoscaling: {maxReplicas: many}}", workloads=2)
    d = r.one("IC007")
    assert str(d.location) == at(POL, f[POL], "maxReplicas", "many")
    assert "invalid value for 'autoscaling.maxReplicas' ('many')" in d.message


def test_defaults_itemized_instances_checked_at_their_line(run):
    f, r = check(run, """
        defaults:
          environmentVariables:
            instances:
              - {name: A, value: x}
              - {name: B, valeu: y}
            extra: true
        """, scope="cluster", workloads=0)
    assert sorted(r.codes()) == ["IC006", "IC006"]
    by_msg = {d.message: d for d in r.diagnostics}
    d = by_msg["unknown field 'environmentVariables[1].valeu'"]
    assert str(d.location) == at(POL, f[POL], "{name: B", "y}")
    assert d.hint == "did you mean 'value'?"
    e = by_msg["unknown field 'environmentVariables.extra' in policy defaults"]
    assert str(e.location) == at(POL, f[POL], "extra: true", "extra")


def test_defaults_itemized_attributes_checked(run):
    f, r = check(run, """
        defaults:
          tolerations:
            attributes: {effect: Sometimes}
        """, scope="cluster", workloads=0)
    d = r.one("IC007")
    assert str(d.location) == at(POL, f[POL], "attributes:", "Sometimes")
    assert "'tolerations[*].effect'" in d.message
