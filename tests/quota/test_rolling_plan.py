"""IC406 rolling updates (seed: 3 → 8 replicas needs 8 more GPUs) and `infc plan` data."""

from __future__ import annotations

from quota_helpers import analyse, org, wl

from compiler.check import CheckContext, repository_diagnostics
from compiler.check.placement import simulate
from compiler.check.rolling import rolling_update_diagnostics
from compiler.output.plan import format_plan_text, plan

OLD_FOOTPRINT = {"project": "nlp", "pools": ["h100"], "pool": "h100", "replicas": 3,
                 "gpu": {"devices": 1, "portion": 1.0, "memory": None}, "cpu": 4.025, "memory": 0,
                 "priority": 150, "preemptible": False}
PREVIOUS = {"prod": {"runai-nlp/chat": {"revision": 1, "specHash": "abc", "footprint": OLD_FOOTPRINT}}}
EIGHT = "nodePools: [h100]\nautoscaling: {minReplicas: 8}\ncompute: {gpuDevicesRequest: 1, cpuCoreRequest: 4}"


def seed_repo(build, deserved):
    return analyse(build({
        "org/research.yaml": org("[{nodePool: h100, gpu: {deserved: 16}}]",
                                 f"[{{nodePool: h100, gpu: {{deserved: {deserved}}}}}]"),
        "workloads/nlp/chat.yaml": wl("chat", EIGHT)}))


def test_seed_three_to_eight_needs_eight_more(build):
    a = seed_repo(build, 8)
    assert [d.code for d in a.diagnostics if d.is_error] == []  # 8 alone fits the quota of 8
    diags = rolling_update_diagnostics(a.workloads, {"runai-nlp/chat"}, PREVIOUS, simulate(a.workloads))
    [d] = diags
    assert d.code == "IC406" and d.subject == "nlp/chat"
    assert d.message == ("nlp/chat: rolling update from 3 to 8 replicas needs the new revision's 8 GPU while the "
                         "old revision still holds 3: nlp/h100: non-preemptible GPU 11 > deserved 8 "
                         "(new revision 8, old revision 3, others 0)")
    assert (d.location.file, d.location.line, d.location.column) == ("workloads/nlp/chat.yaml", 7, 30)


def test_seed_with_eleven_free_is_fine(build):
    a = seed_repo(build, 11)
    assert rolling_update_diagnostics(a.workloads, {"runai-nlp/chat"}, PREVIOUS, simulate(a.workloads)) == []


def test_unchanged_or_new_workloads_are_not_rolling(build):
    a = seed_repo(build, 8)
    p = simulate(a.workloads)
    assert rolling_update_diagnostics(a.workloads, set(), PREVIOUS, p) == []
    assert rolling_update_diagnostics(a.workloads, {"runai-nlp/chat"}, {}, p) == []


def test_rolling_capacity(build):
    # quota is plenty, but h100 has 16 GPUs: 10 old + 8 new do not fit at once
    a = analyse(build({
        "org/research.yaml": org("[{nodePool: h100, gpu: {deserved: 64}}]", "[{nodePool: h100, gpu: {deserved: 64}}]"),
        "workloads/nlp/chat.yaml": wl("chat", EIGHT)}))
    previous = {"prod": {"runai-nlp/chat": {"revision": 1, "footprint": dict(OLD_FOOTPRINT, replicas=10)}}}
    [d] = rolling_update_diagnostics(a.workloads, {"runai-nlp/chat"}, previous, simulate(a.workloads))
    assert d.code == "IC406"
    assert d.message.startswith("nlp/chat: rolling update: the new revision's 8 replicas (pod: 1 GPU, 4.025 CPU, "
                                "0Gi memory) cannot be placed beside the old revision's 10 pods × 1 GPU in h100 — ")
    assert d.message.endswith("h100: needs 8 pods × 1 GPU, 6 free GPUs")


def test_registered_rule_reads_ctx_changed(build):
    a = seed_repo(build, 8)
    ctx = CheckContext(repo=a.repo, previous=PREVIOUS)
    assert [d.code for d in repository_diagnostics(a.facts, ctx) if d.code == "IC406"] == []
    ctx = CheckContext(repo=a.repo, previous=PREVIOUS)
    ctx.changed = {"runai-nlp/chat"}
    assert [d.code for d in repository_diagnostics(a.facts, ctx) if d.code == "IC406"] == ["IC406"]


def test_plan(build, tmp_path):
    a = seed_repo(build, 8)
    old = tmp_path / "deploy"
    (old / "prod" / "runai-nlp" / "chat").mkdir(parents=True)
    (old / "prod" / "kustomization.yaml").write_bytes(b"same\n")
    (old / "prod" / "runai-nlp" / "chat" / "service.yaml").write_bytes(b"old\n")
    (old / "prod" / "runai-nlp" / "gone.yaml").write_bytes(b"x\n")
    (old / "prod" / "infc.lock.json").write_text(
        '{"workloads": {"runai-nlp/chat": {"revision": 1, "specHash": "abc", "footprint": %s}}}'
        % __import__("json").dumps(OLD_FOOTPRINT))
    new_tree = {
        "prod/kustomization.yaml": b"same\n",
        "prod/runai-nlp/chat/service.yaml": b"new\n",
        "prod/runai-nlp/chat/kustomization.yaml": b"k\n",
        "prod/infc.lock.json": b"{}",
    }
    revisions = {"prod": {"runai-nlp/chat": {"revision": 2, "specHash": "def", "footprint": {}}}}
    previous = {"prod": {"runai-nlp/chat": {"revision": 1, "specHash": "abc", "footprint": OLD_FOOTPRINT}}}
    p = plan(a, new_tree, old, revisions, previous)
    assert p["files"] == {"added": ["prod/runai-nlp/chat/kustomization.yaml"],
                          "changed": ["prod/infc.lock.json", "prod/runai-nlp/chat/service.yaml"],
                          "removed": ["prod/runai-nlp/gone.yaml"]}
    assert p["revisions"] == [{"cluster": "prod", "workload": "runai-nlp/chat", "old": 1, "new": 2}]
    assert p["gpu"] == [{"cluster": "prod", "project": "nlp", "pool": "h100", "old": 3, "new": 8, "delta": 5}]
    assert p["placement"] == [{"cluster": "prod", "workload": "nlp/chat", "replicas": 8, "pool": "h100",
                               "placed": True, "nodes": {"dgx-h100-0": 8}, "reasons": []}]
    assert plan(a, new_tree, old, revisions, previous) == p  # deterministic
    text = format_plan_text(p)
    assert "Files: 1 added, 2 changed, 1 removed" in text
    assert "  + prod/runai-nlp/chat/kustomization.yaml" in text
    assert "  - prod/runai-nlp/gone.yaml" in text
    assert "  prod runai-nlp/chat: 1 → 2" in text
    assert "  prod nlp/h100  3 → 8 (+5)" in text
    assert "  nlp/chat: h100 (8 pods: dgx-h100-0 ×8)" in text


def test_plan_from_nothing(build, tmp_path):
    a = seed_repo(build, 8)
    p = plan(a, {"prod/x.yaml": b"x"}, tmp_path / "missing", {"prod": {"runai-nlp/chat": {"revision": 1}}}, {})
    assert p["files"]["added"] == ["prod/x.yaml"]
    assert p["revisions"] == [{"cluster": "prod", "workload": "runai-nlp/chat", "old": None, "new": 1}]
    assert p["gpu"] == [{"cluster": "prod", "project": "nlp", "pool": "h100", "old": 0, "new": 8, "delta": 8}]
    assert "prod runai-nlp/chat: none → 1" in format_plan_text(p)
