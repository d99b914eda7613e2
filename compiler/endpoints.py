"""`infc endpoints`: the URL of every serving endpoint and a ready curl for it.

The curl is meant to be pasted into a shell: every value in it is shell-quoted and its body
is JSON-encoded, whatever the repository holds (a served model name may be any text), and a
secret-shaped value is masked as in diagnostics (compiler/secret_shapes.py).
"""

from __future__ import annotations

import json
import shlex

from compiler.resolve import derived
from compiler.secret_shapes import mask


def endpoint_url(w) -> str:
    cluster = w.cluster.obj.spec
    sp = w.spec.servingPort
    if sp and sp.clusterLocalAccessOnly:
        return f"http://{w.name}.{w.namespace}.svc.cluster.local"
    # The template is checked when the Cluster is read (kinds.check_domain_template).
    host = cluster.knative.domainTemplate.format(name=w.name, namespace=w.namespace, domain=cluster.domain)
    return f"https://{host}"


def _pooling_task(spec) -> str | None:
    """'embed' or another pooling task when the vLLM server runs a pooling model rather than a
    generative one (`--task embed`, or `--runner pooling` and `--convert embed` since vLLM 0.10),
    from the arguments infc passes through; None for a generative model."""
    hf = spec.huggingFace
    words = [*(hf.extraArgs if hf and hf.extraArgs else []), *(spec.args or [])]
    options: dict[str, str] = {}
    for i, word in enumerate(words):
        if word.startswith("--") and "=" in word:
            key, _, value = word.partition("=")
            options[key] = value
        elif word.startswith("--") and i + 1 < len(words):
            options[word] = words[i + 1]
    task = options.get("--task") or options.get("--convert")
    if task in ("embed", "embedding"):
        return "embed"
    if task in ("classify", "score", "reward") or options.get("--runner") == "pooling":
        return task or "pooling"
    return None


def _request(spec, model: str) -> tuple[str, dict]:
    """The API path and body of a first request that the workload's server answers."""
    task = _pooling_task(spec) if derived.server(spec) == "vllm" else None
    if task == "embed":
        return "/v1/embeddings", {"model": model, "input": "Hello!"}
    if task == "classify":
        return "/classify", {"model": model, "input": "Hello!"}
    if task:
        return "/pooling", {"model": model, "input": "Hello!"}
    return "/v1/chat/completions", {"model": model, "messages": [{"role": "user", "content": "Hello!"}]}


def endpoints(analysis) -> list[dict]:
    rows = []
    for w in sorted(analysis.workloads, key=lambda w: w.key):
        sp = w.spec.servingPort
        auth = (sp.authorizationType if sp and sp.authorizationType else "public")
        hf = w.spec.huggingFace
        model = mask(hf.servedModelName if hf and hf.servedModelName else w.name)
        if derived.server(w.spec) == "tgi":
            model = "tgi"  # TGI's Messages API accepts any model name
        url = endpoint_url(w)
        path, body = _request(w.spec, model)
        # The token stays a shell variable, expanded when the command runs.
        header = ' -H "Authorization: Bearer $TOKEN"' if auth != "public" else ""
        curl = (f"curl -sS {shlex.quote(url + path)}{header} -H 'Content-Type: application/json'"
                f" -d {shlex.quote(json.dumps(body, ensure_ascii=False))}")
        rows.append({"workload": w.key, "namespace": w.namespace, "url": url,
                     "visibility": "cluster-local" if sp and sp.clusterLocalAccessOnly else "external",
                     "authorization": auth, "model": model, "path": path, "curl": curl})
    return rows


def format_endpoints_text(rows: list[dict]) -> str:
    if not rows:
        return "no workloads\n"
    lines = []
    for r in rows:
        lines.append(f"{r['workload']}  {r['url']}  ({r['visibility']}, {r['authorization']})")
        lines.append(f"  {r['curl']}")
    return "\n".join(lines) + "\n"
