"""Conflicts set by a template or an asset point at that file; imposed assets and defaults."""

from __future__ import annotations

import textwrap

import pytest
from policy_helpers import at, policy, workload
from repo_builder import BASE_FILES

WL = "workloads/nlp/chat.yaml"

TEMPLATE = """\
apiVersion: infc/v1
kind: WorkloadTemplate
metadata: {name: chat-defaults}
spec:
  imagePullPolicy: Always
  autoscaling: {minReplicas: 1, maxReplicas: 8, metric: concurrency, metricThreshold: 8}
"""

ASSETS = """\
apiVersion: infc/v1
kind: ComputeResource
metadata: {name: eight-h100}
spec:
  compute: {gpuDevicesRequest: 8, cpuCoreRequest: 16, cpuMemoryRequest: 128Gi, largeShmRequest: false}
---
apiVersion: infc/v1
kind: Environment
metadata: {name: vllm-env}
spec:
  image: vllm/vllm-openai:v0.11.0
  environmentVariables: [{name: VLLM_LOGGING_LEVEL, value: DEBUG}]
"""

MODEL_CACHE = """\
apiVersion: infc/v1
kind: DataSource
metadata: {name: model-cache}
spec:
  pvc: {path: /models, existingPvc: true, claimName: model-cache}
---
apiVersion: infc/v1
kind: DataSource
metadata: {name: scratch}
spec:
  pvc: {path: /scratch, existingPvc: true, claimName: scratch}
"""


def test_conflict_from_template_points_at_the_template(run):
    f = {
        "assets/templates.yaml": TEMPLATE,
        WL: workload("chat", "template: chat-defaults"),
        "policies/p.yaml": policy("p", "department", """
            defaults: {imagePullPolicy: IfNotPresent}
            rules:
              imagePullPolicy: {canEdit: false}
              autoscaling: {maxReplicas: {max: 4}}
            """),
    }
    r = run(f)
    assert sorted(r.codes()) == ["IC102", "IC104"]
    d = r.one("IC102")
    assert str(d.location) == at("assets/templates.yaml", TEMPLATE, "imagePullPolicy", "Always")
    assert "imagePullPolicy is Always, but policy 'p' (policies/p.yaml:8) does not allow editing it" in d.message
    assert d.message.endswith("(workload nlp/chat)")
    assert d.hint == "remove imagePullPolicy from assets/templates.yaml (or set it to IfNotPresent)"
    m = r.one("IC104")
    assert str(m.location) == at("assets/templates.yaml", TEMPLATE, "maxReplicas", "8")


def test_workload_value_overriding_a_bad_template_value_is_fine(run):
    f = {
        "assets/templates.yaml": TEMPLATE,
        WL: workload("chat", "template: chat-defaults\nimagePullPolicy: IfNotPresent\n"
                             "autoscaling: {maxReplicas: 4}"),
        "policies/p.yaml": policy("p", "department", """
            defaults: {imagePullPolicy: IfNotPresent}
            rules: {imagePullPolicy: {canEdit: false}, autoscaling: {maxReplicas: {max: 4}}}
            """),
    }
    assert run(f).codes() == []


def test_conflicts_from_assets_point_at_the_asset(run):
    f = {
        "assets/assets.yaml": ASSETS,
        WL: workload("chat", "computeResource: eight-h100\nenvironment: vllm-env", compute=None),
        "policies/p.yaml": policy("p", "cluster", """
            defaults:
              compute: {largeShmRequest: true}
              environmentVariables: {instances: [{name: VLLM_LOGGING_LEVEL, value: INFO}]}
            rules:
              compute:
                gpuDevicesRequest: {max: 4}
                cpuMemoryRequest: {max: 100G}
                largeShmRequest: {canEdit: false}
              image: {options: ["vllm/vllm-openai:v0.10.2"]}
              environmentVariables: {instances: {locked: [VLLM_LOGGING_LEVEL]}}
            """),
    }
    r = run(f)
    found = {d.code: d for d in r.diagnostics}
    assert sorted(found) == ["IC102", "IC104", "IC106", "IC108"]
    assert sorted(d.code for d in r.diagnostics) == ["IC102", "IC104", "IC104", "IC106", "IC108"]
    gpu = next(d for d in r.diagnostics if "gpuDevicesRequest" in d.message)
    assert str(gpu.location) == at("assets/assets.yaml", ASSETS, "compute:", "8")
    mem = next(d for d in r.diagnostics if "cpuMemoryRequest" in d.message)
    assert str(mem.location) == at("assets/assets.yaml", ASSETS, "compute:", "128Gi")
    assert "compute.cpuMemoryRequest is 128Gi, above the maximum 100G" in mem.message
    assert str(found["IC102"].location) == at("assets/assets.yaml", ASSETS, "compute:", "false")
    assert str(found["IC106"].location) == at("assets/assets.yaml", ASSETS, "image:", "vllm/")
    assert str(found["IC108"].location) == at("assets/assets.yaml", ASSETS, "environmentVariables", "DEBUG")
    assert all(d.message.endswith("(workload nlp/chat)") for d in r.diagnostics)


def test_imposed_asset_adds_a_data_source(run):
    f = {
        "assets/data.yaml": MODEL_CACHE,
        WL: workload("chat"),
        "policies/p.yaml": policy("p", "department", "imposedAssets: [model-cache]"),
    }
    r = run(f)
    assert r.codes() == []
    w = r.workload()
    assert [(v.name, v.path, v.claimName) for v in w.spec.storage.pvc] == [("model-cache", "/models", "model-cache")]
    assert str(w.loc("storage", "pvc", 0, "path")) == at("assets/data.yaml", MODEL_CACHE, "pvc:", "/models")


def test_imposed_asset_is_not_an_added_item_but_others_are(run):
    f = {
        "assets/data.yaml": MODEL_CACHE,
        WL: workload("chat", "dataSources: [scratch]"),
        "policies/p.yaml": policy("p", "cluster", """
            imposedAssets: [model-cache]
            rules: {storage: {pvc: {instances: {canAdd: false}}}}
            """),
    }
    r = run(f)
    d = r.one("IC107")
    assert "storage.pvc adds 'scratch'" in d.message and "(policy items: model-cache)" in d.message
    assert str(d.location) == at("assets/data.yaml", MODEL_CACHE, "claimName: scratch", "{path: /scratch")


def test_imposed_asset_locked_cannot_be_excluded(run):
    f = {
        "assets/data.yaml": MODEL_CACHE,
        WL: workload("chat", "storage: {pvc: [{name: model-cache, exclude: true}]}"),
        "policies/p.yaml": policy("p", "project", """
            imposedAssets: [model-cache]
            rules: {storage: {pvc: {instances: {locked: [model-cache]}}}}
            """),
    }
    d = run(f).one("IC108")
    assert str(d.location) == at(WL, f[WL], "storage:", "{name: model-cache")
    assert "storage.pvc excludes 'model-cache', which policy 'p' (policies/p.yaml:7) locks" in d.message


def test_missing_imposed_asset(run):
    f = {WL: workload("chat"), "policies/p.yaml": policy("p", "project", "imposedAssets: [model-cahe]"),
         "assets/data.yaml": MODEL_CACHE}
    d = run(f).one("IC008")
    assert str(d.location) == at("policies/p.yaml", f["policies/p.yaml"], "imposedAssets", "model-cahe")
    assert d.hint == "did you mean 'model-cache'?"


def test_workload_overrides_defaults_and_attribute_defaults_nearest_wins(run):
    f = {
        WL: workload("chat", "workingDir: /mine\ntolerations: [{name: gpu, key: nvidia.com/gpu}]"),
        "policies/c.yaml": policy("c", "cluster", """
            defaults:
              workingDir: /cluster
              tolerations: {attributes: {operator: Exists, effect: NoExecute}}
            """),
        "policies/p.yaml": policy("p", "project", "defaults: {tolerations: {attributes: {effect: NoSchedule}}}"),
    }
    w = run(f).workload()
    assert w.spec.workingDir == "/mine"
    t = w.spec.tolerations[0]
    assert (t.operator, t.effect) == ("Exists", "NoSchedule")
    assert str(w.loc("tolerations", 0, "effect")) == at("policies/p.yaml", f["policies/p.yaml"], "tolerations", "NoSchedule")
    assert str(w.loc("tolerations", 0, "operator")) == at("policies/c.yaml", f["policies/c.yaml"], "operator", "Exists")


@pytest.mark.parametrize("scope, named, kind", [("{department: reserch}", "reserch", "Department"),
                                                ("{project: nlpp}", "nlpp", "Project"),
                                                ("{cluster: prdo}", "prdo", "Cluster")])
def test_a_scope_naming_what_does_not_exist_is_reported_not_applied_to_nothing(run, scope, named, kind):
    text = policy("p", "tenant", "defaults: {autoscaling: {maxReplicas: 2}}").replace("scope: {}", f"scope: {scope}")
    f = {WL: workload("chat"), "policies/p.yaml": text}
    d = run(f).one("IC008")
    assert d.message == f"{kind} '{named}' of policy 'p' does not exist: the policy applies to nothing"
    assert str(d.location) == at("policies/p.yaml", text, "scope:", named)
    assert d.hint.startswith("did you mean '")


def test_a_department_on_a_cluster_that_does_not_exist_is_reported_at_the_department(run):
    text = textwrap.dedent(BASE_FILES["org/research.yaml"]).lstrip("\n").replace("cluster: prod", "cluster: prdo", 1)
    d = next(d for d in run({"org/research.yaml": text}).diagnostics if d.code == "IC008")
    assert d.message == "Cluster 'prdo' of department 'research' does not exist" and d.hint == "did you mean 'prod'?"
    assert str(d.location) == at("org/research.yaml", text, "cluster:", "prdo")
