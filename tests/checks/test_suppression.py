"""`infc/ignore` on a workload and Config `ignore` silence codes of these checks."""

from __future__ import annotations

from helpers import none_of, only, run, workload_doc

SPEC = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
compute: {gpuDevicesRequest: 1}
security: {uidGidSource: fromIdpToken}
ports: [{name: ui, container: 7860, serviceType: NodePort, external: 20000}]
"""


def test_workload_annotation_silences_workload_and_repository_rules(tmp_path):
    diags = run(tmp_path, SPEC)
    only(diags, "IC216")
    only(diags, "IC212")
    quiet = run(tmp_path / "quiet", SPEC, metadata="annotations: {infc/ignore: 'IC216, ic212'}")
    none_of(quiet, "IC216", "IC212")


def test_annotation_on_another_workload_does_not_apply(tmp_path):
    other = workload_doc(name="other", metadata="annotations: {infc/ignore: IC216}")
    only(run(tmp_path, SPEC, files={"workloads/nlp/other.yaml": other}), "IC216")


def test_config_ignore_silences_repository_wide(tmp_path):
    config = "apiVersion: infc/v1\nkind: Config\nspec: {ignore: [IC216]}\n"
    diags = run(tmp_path, SPEC, files={"infc.yaml": config})
    none_of(diags, "IC216")
    only(diags, "IC212")
