"""WorkloadFacts come back from the cache exactly as they were computed: quota, placement and
rolling-update diagnostics of an unchanged workload point at the same places."""

from __future__ import annotations

import pickle
from pathlib import Path

from compiler.pipeline import analyse
from repo_builder import make_repo, workload


def test_cached_facts_answer_as_the_computed_ones(tmp_path: Path):
    extra = ("autoscaling: {minReplicas: 2, maxReplicas: 5, metric: concurrency, metricThreshold: 4}\n"
             "ports: [{name: ui, container: 7860, serviceType: NodePort, external: 30080}]")
    root = make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat", extra)})
    analysis = analyse(root)
    assert not analysis.has_errors, analysis.diagnostics
    [facts] = analysis.facts
    back = pickle.loads(pickle.dumps(facts)).link(analysis.repo)

    for attr in ("name", "file", "key", "project_name", "cluster_name", "department_name", "namespace",
                 "ignore", "demand", "ports", "fallback", "spec_digest"):
        assert getattr(back, attr) == getattr(facts, attr), attr
    assert back.provenance == facts.provenance
    assert back.loc("autoscaling", "maxReplicas") == facts.loc("autoscaling", "maxReplicas")
    assert back.loc("autoscaling", "maxReplicas").line > facts.fallback.line
    assert back.project is analysis.repo.projects["nlp"] and back.cluster is analysis.repo.clusters["prod"]
