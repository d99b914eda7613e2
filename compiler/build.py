"""compile: analyse, render, number revisions, validate and lay out the output tree in memory.

Nothing is written here; `compiler.output.write.write_tree` swaps the tree in afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location
from compiler.load.document import Document
from compiler.output.lock import LOCK_NAME, next_revision, read_lock, render_lock, template_hash
from compiler.output.yamlout import dump
from compiler.pipeline import Analysis, _read_config, analyse, apply_ignores


@dataclass
class Build:
    analysis: Analysis
    tree: dict[str, bytes] | None = None  # relative to the output directory
    revisions: dict[str, dict] = field(default_factory=dict)  # "<cluster>/<ns>/<name>" -> lock entry + old
    placements: dict[str, str] = field(default_factory=dict)  # workload key -> node pool
    lock_entries: dict[str, dict[str, dict]] = field(default_factory=dict)  # cluster -> lock entries

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.analysis.diagnostics


def read_previous(root: Path) -> tuple[dict[str, dict[str, dict]], list[Diagnostic]]:
    config, _ = _read_config(root)
    out_dir = (root / config.output)
    previous: dict[str, dict[str, dict]] = {}
    diags: list[Diagnostic] = []
    if out_dir.is_dir():
        for cluster_dir in sorted(p for p in out_dir.iterdir() if p.is_dir()):
            entries, lock_diags = read_lock(cluster_dir / LOCK_NAME,
                                            f"{config.output}/{cluster_dir.name}/{LOCK_NAME}")
            previous[cluster_dir.name] = entries
            diags.extend(lock_diags)
    return previous, diags


def compile_repository(root: Path) -> Build:
    from compiler.render.engine import Renderer

    previous, lock_diags = read_previous(root)
    analysis = analyse(root, previous)
    build = Build(analysis)
    if lock_diags:
        analysis.diagnostics = apply_ignores(analysis.diagnostics + lock_diags, analysis.config.ignore)
    if analysis.has_errors:
        return build
    user_templates = root / analysis.config.templates if analysis.config.templates else root / "templates"
    renderer = Renderer(user_templates)
    tree, extra = _render_tree(analysis, renderer, previous, build)
    diags = analysis.diagnostics + extra
    analysis.diagnostics = apply_ignores(diags, analysis.config.ignore)
    if not analysis.has_errors:
        build.tree = tree
    return build


def _pool_for(w, placement) -> str:
    """The pool the simulation placed the revision in (first fitting pool in the workload's order)."""
    from compiler.resolve import derived

    return placement.pool_for(w.key) or derived.node_pools(w.spec, w.project.obj.spec)[0]


def _render_tree(analysis: Analysis, renderer, previous, build: Build) -> tuple[dict[str, bytes], list[Diagnostic]]:
    from compiler.render.cluster import render_cluster
    from compiler.render.workload import render_workload
    from compiler.output.gitops import render_delivery
    from compiler.validate import ValidationSettings, validate_document

    repo = analysis.repo
    tree: dict[str, bytes] = {}
    diags: list[Diagnostic] = []
    from compiler.check.footprint import footprint
    from compiler.check.placement import simulate

    placement = simulate(analysis.workloads)
    changed: set[str] = set()
    by_cluster: dict[str, list] = {}
    for w in analysis.workloads:
        by_cluster.setdefault(w.cluster.name, []).append(w)
    for cluster_name, cluster in sorted(repo.clusters.items()):
        settings = ValidationSettings.from_cluster(cluster.obj.spec)
        # Queues, Argo CD, Flux and Istio objects have no bundled schema; Knative and core kinds do.
        settings.ignore_missing_schemas = True
        workloads = by_cluster.get(cluster_name, [])
        old_entries = previous.get(cluster_name, {})
        entries: dict[str, dict] = {}
        resources: list[str] = ["cluster"]
        ns_dirs: dict[str, list[str]] = {}

        def emit(rel: str, obj: dict, source: Location) -> None:
            out_rel = f"{cluster_name}/{rel}"
            doc = Document(f"{analysis.config.output}/{out_rel}", 0, obj)
            for d in validate_document(doc, settings):
                if not d.is_error:
                    continue  # Knative's advisory warnings are not defects of the manifest
                diags.append(Diagnostic(d.code, f"infc produced an invalid manifest {doc.file}: {d.message}",
                                        source, hint=f"this is a bug in infc; {d.hint}".rstrip("; "),
                                        severity=d.severity))
            tree[out_rel] = dump(obj)

        projects = sorted((p for p in repo.projects.values() if p.obj.spec.cluster == cluster_name), key=lambda p: p.name)
        departments = sorted((d for d in repo.departments.values() if d.obj.spec.cluster == cluster_name), key=lambda d: d.name)
        cluster_files = []
        for r in render_cluster(cluster, departments, projects, renderer):
            emit(f"cluster/{r.filename}", r.obj, cluster.doc.loc())
            cluster_files.append(r.filename)
        tree[f"{cluster_name}/cluster/kustomization.yaml"] = dump(
            renderer.render("kustomization.yaml.j2", resources=sorted(cluster_files)))

        for w in workloads:
            key = f"{w.namespace}/{w.name}"
            pool = _pool_for(w, placement)
            build.placements[w.key] = pool
            objs = render_workload(w, repo, renderer, pool, revision_name=f"{w.name}-00000")
            service = objs[0].obj
            spec_hash = template_hash(service["spec"]["template"])
            number = next_revision(old_entries.get(key), spec_hash)
            if key in old_entries and number != old_entries[key]["revision"]:
                changed.add(w.key)
            service["spec"]["template"]["metadata"]["name"] = f"{w.name}-{number:05d}"
            service["metadata"]["annotations"]["infc/spec-hash"] = spec_hash
            entries[key] = {"revision": number, "specHash": spec_hash, "footprint": footprint(w, pool),
                            "source": w.file, "nodePool": pool}
            build.revisions[f"{cluster_name}/{key}"] = {
                "workload": w.key, "old": old_entries.get(key, {}).get("revision"), "new": number}
            files = []
            for r in objs:
                emit(f"{key}/{r.filename}", r.obj, w.doc.loc(("metadata", "name")))
                files.append(r.filename)
            tree[f"{cluster_name}/{key}/kustomization.yaml"] = dump(
                renderer.render("kustomization.yaml.j2", resources=sorted(files)))
            ns_dirs.setdefault(w.namespace, []).append(w.name)
        for ns, names in sorted(ns_dirs.items()):
            tree[f"{cluster_name}/{ns}/kustomization.yaml"] = dump(
                renderer.render("kustomization.yaml.j2", resources=sorted(names)))
            resources.append(ns)
        tree[f"{cluster_name}/kustomization.yaml"] = dump(
            renderer.render("kustomization.yaml.j2", resources=resources))
        subdir, delivery = render_delivery(analysis.config, cluster_name, analysis.config.output,
                                           sorted(ns_dirs), renderer)
        for r in delivery:
            emit(f"{subdir}/{r.filename}", r.obj, (analysis.repo.config.doc.loc() if analysis.repo.config else cluster.doc.loc()))
        tree[f"{cluster_name}/{LOCK_NAME}"] = render_lock(entries)
        build.lock_entries[cluster_name] = entries
    diags.extend(_rolling(analysis, changed, previous, placement))
    return dict(sorted(tree.items())), diags


def _rolling(analysis: Analysis, changed: set[str], previous, placement) -> list[Diagnostic]:
    if not changed:
        return []
    from compiler.check.rolling import rolling_update_diagnostics

    diags = rolling_update_diagnostics(analysis.workloads, changed, previous, placement)
    by_key = {w.key: w for w in analysis.workloads}
    return [d for d in diags if not (d.subject in by_key and d.code in by_key[d.subject].ignore)]
