"""`infc endpoints`: the URL of every serving endpoint and a ready curl for it."""

from __future__ import annotations

from compiler.resolve import derived


def endpoint_url(w) -> str:
    cluster = w.cluster.obj.spec
    sp = w.spec.servingPort
    if sp and sp.clusterLocalAccessOnly:
        return f"http://{w.name}.{w.namespace}.svc.cluster.local"
    host = cluster.knative.domainTemplate.format(name=w.name, namespace=w.namespace, domain=cluster.domain)
    return f"https://{host}"


def endpoints(analysis) -> list[dict]:
    rows = []
    for w in sorted(analysis.workloads, key=lambda w: w.key):
        sp = w.spec.servingPort
        auth = (sp.authorizationType if sp and sp.authorizationType else "public")
        hf = w.spec.huggingFace
        model = (hf.servedModelName if hf and hf.servedModelName else w.name)
        if derived.server(w.spec) == "tgi":
            model = "tgi"  # TGI's Messages API accepts any model name
        url = endpoint_url(w)
        header = ' -H "Authorization: Bearer $TOKEN"' if auth != "public" else ""
        body = ('{"model": "%s", "messages": [{"role": "user", "content": "Hello!"}]}' % model)
        curl = (f"curl -sS {url}/v1/chat/completions{header} -H 'Content-Type: application/json' -d '{body}'")
        rows.append({"workload": w.key, "namespace": w.namespace, "url": url,
                     "visibility": "cluster-local" if sp and sp.clusterLocalAccessOnly else "external",
                     "authorization": auth, "model": model, "curl": curl})
    return rows


def format_endpoints_text(rows: list[dict]) -> str:
    if not rows:
        return "no workloads\n"
    lines = []
    for r in rows:
        lines.append(f"{r['workload']}  {r['url']}  ({r['visibility']}, {r['authorization']})")
        lines.append(f"  {r['curl']}")
    return "\n".join(lines) + "\n"
