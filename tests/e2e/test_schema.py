"""`infc schema`: editors check files against it, so it must agree with infc itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from compiler.build import compile_repository
from compiler.diagnostics import Severity
from compiler.load.yamlfile import parse_yaml
from compiler.schema import field_reference_markdown, json_schema
from compiler.spec.kinds import KINDS
from compiler.spec.parse import parse_documents
from support import EXAMPLE, PROJECT, run_infc

# A fixture repository is a directory with clusters in it (fixtures/invalid/* have no infc.yaml).
REPOSITORIES = sorted(p.parent for p in (PROJECT / "fixtures").rglob("clusters") if p.is_dir())


@pytest.fixture(scope="module")
def validator():
    result = run_infc("schema")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    schema = json.loads(result.stdout)
    return validator_for(schema)(schema)


def _documents(root: Path):
    """Every document of the repository, read as infc reads it (YAML 1.2: `yes` is a string)."""
    for path in sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")]):
        if not any(part.startswith(".") or part == "deploy" for part in path.relative_to(root).parts):
            yield from parse_yaml(path.read_bytes(), str(path.relative_to(PROJECT)))[0]


def _infc_accepts(doc) -> bool:
    """infc's verdict on one document alone: apiVersion, kind, fields, values and name."""
    return not parse_documents([doc])[1]


def _schema_errors(validator, doc) -> list[str]:
    return [f"{doc.file} (document {doc.index + 1}) {'.'.join(map(str, e.absolute_path)) or '(document)'}:"
            f" {e.message[:120]}" for e in validator.iter_errors(doc.data)]


def test_every_document_of_a_clean_fixture_repository_is_valid(validator):
    clean = [root for root in REPOSITORIES
             if not any(d.severity == Severity.ERROR for d in compile_repository(root, use_cache=False).diagnostics)]
    assert EXAMPLE in clean and len(clean) > 1, clean
    problems = [problem for root in clean for doc in _documents(root) for problem in _schema_errors(validator, doc)]
    assert not problems, "\n".join(problems)


def test_the_schema_and_infc_agree_on_every_fixture_document(validator):
    disagree = []
    for root in REPOSITORIES:
        for doc in _documents(root):
            errors = _schema_errors(validator, doc)
            if _infc_accepts(doc) == bool(errors):
                disagree.append("\n  ".join(errors) if errors else f"{doc.file} (document {doc.index + 1}):"
                                " infc refuses it, the schema accepts it")
    assert not disagree, "\n".join(disagree)


# Each case is a document template and the text put into it, as a user writes it.
TEMPLATES = {
    "workload": "apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: chat, project: nlp}\nspec: %s\n",
    "workload named": "apiVersion: infc/v1\nkind: InferenceWorkload\nmetadata: {name: %s, project: nlp}\n",
    "cluster": "apiVersion: infc/v1\nkind: Cluster\nmetadata: {name: prod}\nspec: %s\n",
    "node group": "apiVersion: infc/v1\nkind: Cluster\nmetadata: {name: prod}\n"
                  "spec: {nodePools: [{name: h100, nodes: [{name: dgx, cpu: 112, memory: 2Ti, %s}]}]}\n",
    "department quota": "apiVersion: infc/v1\nkind: Department\nmetadata: {name: research}\n"
                        "spec: {cluster: prod, resources: [{nodePool: h100, %s}]}\n",
}

CASES = [
    # CPU cores: a number or a quantity
    ("workload", "{compute: {cpuCoreRequest: 4}}", True),
    ("workload", "{compute: {cpuCoreRequest: 0.5}}", True),
    ("workload", "{compute: {cpuCoreRequest: 500m}}", True),
    ("workload", "{compute: {cpuCoreLimit: '2'}}", True),
    ("workload", "{compute: {cpuCoreRequest: -1}}", False),
    ("workload", "{compute: {cpuCoreRequest: four}}", False),
    ("workload", "{compute: {cpuCoreRequest: true}}", False),
    ("node group", "cpu: 1500m", True),
    ("cluster", "{knative: {queueSidecarCpuRequest: 25m}}", True),
    # GPU portions: a number or a percentage
    ("workload", "{compute: {gpuPortionRequest: 0.5}}", True),
    ("workload", "{compute: {gpuPortionRequest: 50%}}", True),
    ("workload", "{compute: {gpuPortionLimit: '0.75'}}", True),
    ("workload", "{compute: {gpuPortionRequest: half}}", False),
    ("workload", "{compute: {gpuPortionRequest: 50%%}}", False),
    # memory: Kubernetes and Run:ai spellings, or a plain number of bytes
    ("workload", "{compute: {cpuMemoryRequest: 16Gi}}", True),
    ("workload", "{compute: {gpuMemoryRequest: 20GB}}", True),
    ("workload", "{compute: {cpuMemoryLimit: 1.5Ti}}", True),
    ("workload", "{compute: {cpuMemoryRequest: 17179869184}}", True),
    ("workload", "{compute: {extendedResources: [{resource: nvidia.com/mig-1g.10gb, quantity: 1}]}}", True),
    ("workload", "{storage: {emptyDirVolume: [{name: tmp, sizeLimit: 8Gi}]}}", True),
    ("workload", "{compute: {cpuMemoryRequest: 16GiB}}", False),
    ("workload", "{compute: {cpuMemoryRequest: -1Gi}}", False),
    ("workload", "{compute: {cpuMemoryRequest: -5}}", False),
    ("node group", "gpu: {model: H100, count: 8, memory: 80Gi}", True),
    # quota: a number, a quantity, or -1 for unlimited
    ("department quota", "gpu: {deserved: 0.5, limit: -1}", True),
    ("department quota", "gpu: {deserved: '8', limit: '-1'}", True),
    ("department quota", "cpu: {deserved: 500m, limit: -1}", True),
    ("department quota", "memory: {deserved: 2Ti, limit: '-1'}", True),
    ("department quota", "gpu: {deserved: -2}", False),
    ("department quota", "gpu: {deserved: lots}", False),
    ("department quota", "memory: {deserved: 2 apples}", False),
    # labels and annotations: a list of {name, value} or a {key: value} map
    ("workload", "{labels: [{name: team, value: nlp}]}", True),
    ("workload", "{labels: {team: nlp, tier: 1}, annotations: {owner: alice}}", True),
    ("workload", "{labels: team=nlp}", False),
    ("workload", "{labels: {'': nlp}}", False),
    # command and args: one string or a list
    ("workload", "{command: vllm serve --port 8000}", True),
    ("workload", "{args: [--port, 8000]}", True),
    ("workload", "{args: [--trust-remote-code, true]}", False),
    # supplementalGroups: comma-separated ids, one id, or a list
    ("workload", "{security: {supplementalGroups: '2000, 3000'}}", True),
    ("workload", "{security: {supplementalGroups: 2000}}", True),
    ("workload", "{security: {supplementalGroups: [2000, 3000]}}", True),
    ("workload", "{security: {supplementalGroups: staff}}", False),
    # numbers and booleans as YAML 1.2 reads them: quoted numbers, yes/no/on/off are strings
    ("workload", "{compute: {gpuDevicesRequest: '2'}}", True),
    ("workload", "{autoscaling: {minReplicas: '1', maxReplicas: '4', metric: concurrency, metricThreshold: '8'}}", True),
    ("workload", "{compute: {largeShmRequest: yes}}", True),
    ("workload", "{servingPort: {clusterLocalAccessOnly: off}}", True),
    ("workload", "{compute: {gpuDevicesRequest: two}}", False),
    ("workload", "{compute: {gpuDevicesRequest: 2.5}}", False),
    ("workload", "{compute: {gpuDevicesRequest: '2.5'}}", False),
    ("workload", "{compute: {largeShmRequest: maybe}}", False),
    # names: DNS-1123 labels that start with a letter (IC201)
    ("workload named", "llama-chat", True),
    ("workload named", "Llama", False),
    ("workload named", "1llama", False),
    ("workload named", "a" * 64, False),
]


@pytest.mark.parametrize("template, text, accepted", CASES,
                         ids=[f"{t} {x[:40]} {'valid' if ok else 'invalid'}" for t, x, ok in CASES])
def test_values_infc_accepts_are_valid_and_values_it_refuses_are_not(validator, template, text, accepted):
    (doc,), _ = parse_yaml((TEMPLATES[template] % text).encode(), "case.yaml")
    assert _infc_accepts(doc) == accepted, "the case itself is wrong: infc disagrees"
    errors = _schema_errors(validator, doc)
    assert (not errors) == accepted, errors or "the schema accepts it"


def _strict(meta_schema_id: str) -> Draft202012Validator:
    """The draft's meta-schema, refusing keywords outside its vocabularies (a bare meta-schema
    allows any): `$dynamicAnchor: meta` makes every subschema answer to this one."""
    return Draft202012Validator({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:infc-test:strict-meta-schema",
        "$dynamicAnchor": "meta", "$ref": meta_schema_id, "unevaluatedProperties": False,
    })


@pytest.mark.parametrize("kind", [None, *KINDS])
def test_the_schema_uses_only_keywords_of_its_draft(kind):
    schema = json_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    errors = sorted(_strict(schema["$schema"]).iter_errors(schema), key=lambda e: -len(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
    assert '"ge"' not in json.dumps(schema)


def test_markdown_of_one_kind_is_that_kind_section():
    full = (PROJECT / "docs/fields.md").read_text()
    result = run_infc("schema", "Cluster", "--markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("## Cluster\n") and "`spec.nodePools[].nodes[].cpu`" in result.stdout
    assert "## InferenceWorkload" not in result.stdout and "# Field reference" not in result.stdout
    assert result.stdout in full
    unknown = run_infc("schema", "Nope", "--markdown")
    assert unknown.returncode == 2 and "unknown kind 'Nope'" in unknown.stderr and "Traceback" not in unknown.stderr
    # The sections of all kinds, in order, are the whole reference after its heading.
    sections = "\n".join(field_reference_markdown(kind) for kind in KINDS)
    assert full.endswith("\n\n" + sections) and full.count("\n## ") == len(KINDS)
