"""Scopes: compute.*/security.* rules top-down, other rules and defaults nearest-wins."""

from __future__ import annotations

import pytest
from policy_helpers import at, policy, workload

from compiler.resolve.policy import policy_context

WL = "workloads/nlp/chat.yaml"
PAIRS = [("tenant", "cluster"), ("tenant", "department"), ("tenant", "project"),
         ("cluster", "department"), ("cluster", "project"), ("department", "project")]


def pair_repo(high: str, low: str) -> dict[str, str]:
    return {
        WL: workload("chat", """
            compute: {gpuDevicesRequest: 4, cpuCoreRequest: 4}
            security: {runAsUid: 100}
            autoscaling: {minReplicas: 1, maxReplicas: 4, metric: concurrency, metricThreshold: 8}
            """),
        "policies/high.yaml": policy("high", high, """
            defaults:
              imagePullPolicy: Always
              workingDir: /high
            rules:
              compute: {gpuDevicesRequest: {max: 2}}
              security: {runAsUid: {min: 1000}}
              autoscaling: {maxReplicas: {max: 6}}
            """),
        "policies/low.yaml": policy("low", low, """
            defaults:
              imagePullPolicy: IfNotPresent
            rules:
              compute: {gpuDevicesRequest: {max: 6}}
              security: {runAsUid: {min: 10}}
              autoscaling: {maxReplicas: {max: 2}}
            """),
    }


@pytest.mark.parametrize("high,low", PAIRS)
def test_compute_and_security_rules_apply_top_down(run, high, low):
    f = pair_repo(high, low)
    r = run(f)
    hi = [x for x in r.diagnostics if x.code in ("IC103", "IC104") and "compute." in x.message]
    assert [x.code for x in hi] == ["IC104"]
    assert "compute.gpuDevicesRequest is 4, above the maximum 2 of policy 'high'" in hi[0].message
    assert str(hi[0].location) == at(WL, f[WL], "gpuDevicesRequest: 4", "4")
    sec = r.one("IC103")
    assert "security.runAsUid is 100, below the minimum 1000 of policy 'high'" in sec.message
    assert str(sec.related[0]) == at("policies/high.yaml", f["policies/high.yaml"], "runAsUid", "1000")


@pytest.mark.parametrize("high,low", PAIRS)
def test_other_rules_nearest_wins(run, high, low):
    f = pair_repo(high, low)
    f[WL] = f[WL].replace("gpuDevicesRequest: 4", "gpuDevicesRequest: 2").replace("runAsUid: 100", "runAsUid: 1000")
    r = run(f)
    d = r.one("IC104")
    assert "autoscaling.maxReplicas is 4, above the maximum 2 of policy 'low'" in d.message
    assert str(d.location) == at(WL, f[WL], "maxReplicas: 4", "4")
    rules = policy_context(r.workload(), r.analysis.repo).rules
    winner = rules.at(("autoscaling", "maxReplicas"))["max"]
    assert (winner.policy, winner.value) == ("low", 2)
    assert [(o.policy, o.value) for o in winner.overridden] == [("high", 6)]
    top = rules.at(("compute", "gpuDevicesRequest"))["max"]
    assert (top.policy, top.value, [o.policy for o in top.overridden]) == ("high", 2, ["low"])


@pytest.mark.parametrize("high,low", PAIRS)
def test_defaults_nearest_wins(run, high, low):
    f = pair_repo(high, low)
    w = run(f).workload()
    assert w.spec.imagePullPolicy == "IfNotPresent"
    assert str(w.loc("imagePullPolicy")) == at("policies/low.yaml", f["policies/low.yaml"], "imagePullPolicy", "IfNotPresent")
    assert w.spec.workingDir == "/high"  # only the farther policy sets it
    assert [p.name for p in w.policies] == ["infc-baseline", "high", "low"]


def test_precedence_is_per_attribute(run):
    f = {
        WL: workload("chat", "autoscaling: {minReplicas: 1, maxReplicas: 8, metric: concurrency, metricThreshold: 8}"),
        "policies/dep.yaml": policy("dep", "department", "rules: {autoscaling: {maxReplicas: {min: 2, max: 6}}}"),
        "policies/prj.yaml": policy("prj", "project", "rules: {autoscaling: {maxReplicas: {max: 4}}}"),
    }
    r = run(f)
    d = r.one("IC104")
    assert "above the maximum 4 of policy 'prj'" in d.message
    attrs = policy_context(r.workload(), r.analysis.repo).rules.at(("autoscaling", "maxReplicas"))
    assert {a: (s.policy, s.value) for a, s in attrs.items()} == {"min": ("dep", 2), "max": ("prj", 4)}


def test_same_scope_later_name_wins(run):
    f = {
        WL: workload("chat", "compute: {gpuDevicesRequest: 3}"),
        "policies/a.yaml": policy("a", "project", "rules: {compute: {gpuDevicesRequest: {max: 4}}}"),
        "policies/b.yaml": policy("b", "project", "rules: {compute: {gpuDevicesRequest: {max: 2}}}"),
    }
    assert "above the maximum 2 of policy 'b'" in run(f).one("IC104").message


def test_locked_instances_are_the_union_of_every_scope(run):
    f = {
        WL: workload("chat", "environmentVariables: [{name: A, exclude: true}, {name: B, exclude: true}]"),
        "policies/c.yaml": policy("c", "cluster", """
            defaults: {environmentVariables: {instances: [{name: A, value: a}, {name: B, value: b}]}}
            rules: {environmentVariables: {instances: {locked: [A]}}}
            """),
        "policies/p.yaml": policy("p", "project", "rules: {environmentVariables: {instances: {locked: [B]}}}"),
    }
    found = sorted((d.code, d.message.split(",")[0]) for d in run(f).diagnostics)
    assert found == [("IC108", "environmentVariables excludes 'A'"), ("IC108", "environmentVariables excludes 'B'")]


def test_policy_of_another_scope_does_not_apply(run):
    f = {
        WL: workload("chat", "compute: {gpuDevicesRequest: 8}"),
        "policies/x.yaml": policy("x", "project", "rules: {compute: {gpuDevicesRequest: {max: 1}}}").replace(
            "{project: nlp}", "{project: vision}"),
        "policies/y.yaml": policy("y", "department", "rules: {compute: {gpuDevicesRequest: {max: 1}}}").replace(
            "{department: research}", "{department: other}"),
    }
    # No rule of theirs applies to chat (the scopes' own IC008: neither vision nor other exists).
    assert sorted(run(f).codes()) == ["IC008", "IC008"]


@pytest.mark.parametrize("high,low", PAIRS)
def test_a_nearer_default_cannot_loosen_a_value_locked_above(run, high, low):
    f = {
        WL: workload("chat", compute="{cpuCoreRequest: 4, cpuMemoryRequest: 32G}"),
        "policies/high.yaml": policy("high", high, """
            defaults: {compute: {gpuDevicesRequest: 1}}
            rules: {compute: {gpuDevicesRequest: {canEdit: false}}}
            """),
        "policies/low.yaml": policy("low", low, """
            defaults: {compute: {gpuDevicesRequest: 2}}
            """),
    }
    d = run(f).one("IC102")
    assert "compute.gpuDevicesRequest is 2, but policy 'high'" in d.message and "it must be 1" in d.message
    assert d.location.file == "policies/low.yaml"
