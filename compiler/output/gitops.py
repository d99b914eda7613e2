"""Argo CD and Flux objects that apply the rendered tree, chosen by Config.spec.delivery."""

from __future__ import annotations

from compiler.render.engine import Renderer
from compiler.render.workload import Rendered

DEFAULT_REPO_URL = "https://git.example.com/platform/inference.git"


def render_delivery(config, cluster_name: str, output_rel: str, namespaces: list[str],
                    renderer: Renderer) -> tuple[str, list[Rendered]]:
    """(subdirectory, objects) for the delivery tool, or ("", []) for plain kustomize output."""
    repo_url = config.repoURL or DEFAULT_REPO_URL
    base = f"{output_rel}/{cluster_name}".lstrip("./") if output_rel not in ("", ".") else cluster_name
    if config.delivery == "argocd":
        app = renderer.render(
            "applicationset.yaml.j2", name=f"infc-{cluster_name}", repo_url=repo_url,
            revision=config.targetRevision, app_name=f"{cluster_name}-{{{{.path.basename}}}}",
            labels={"app.kubernetes.io/managed-by": "infc", "infc/cluster": cluster_name},
            directories=[{"path": f"{base}/*"}, {"path": f"{base}/argocd", "exclude": True}])
        return "argocd", [Rendered("applicationset.yaml", app)]
    if config.delivery == "flux":
        source = f"infc-{cluster_name}"
        branch = config.targetRevision if config.targetRevision != "HEAD" else "main"
        objs = [Rendered("gitrepository.yaml", renderer.render(
            "flux-gitrepository.yaml.j2", name=source, repo_url=repo_url, branch=branch))]
        objs.append(Rendered("kustomization-cluster.yaml", renderer.render(
            "flux-kustomization.yaml.j2", name=f"{cluster_name}-cluster", path=f"./{base}/cluster",
            source=source, depends_on=None)))
        for ns in namespaces:
            objs.append(Rendered(f"kustomization-{ns}.yaml", renderer.render(
                "flux-kustomization.yaml.j2", name=f"{cluster_name}-{ns}", path=f"./{base}/{ns}",
                source=source, depends_on=[{"name": f"{cluster_name}-cluster"}])))
        return "flux", objs
    return "", []
