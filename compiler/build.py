"""compile: analyse, render, number revisions, validate and lay out the output tree in memory.

Nothing is written here; `compiler.output.write.write_tree` swaps the tree in afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from compiler.cache import cached
from compiler.diagnostics import Diagnostic, Location
from compiler.load.document import Document
from compiler.output.lock import LOCK_NAME, next_revision, read_lock, render_lock, template_hash
from compiler.output.tree import OutputTree
from compiler.output.yamlout import dump
from compiler.pipeline import Analysis, read_config, analyse, apply_ignores, leads_astray, output_of, templates_of


@dataclass
class Build:
    analysis: Analysis
    tree: OutputTree | None = None  # relative to the output directory
    lock_entries: dict[str, dict[str, dict]] = field(default_factory=dict)  # cluster -> lock entries
    changed: set[str] = field(default_factory=set)  # workloads ("project/name") with a new revision
    previous: dict[str, dict[str, dict]] = field(default_factory=dict)  # the lock entries read
    # `infc check FILES`: only these files' workloads are rendered (the tree is not built).
    only_files: set[str] | None = None
    # Digests of the output tree's files recorded by the last write (for write_tree/diff_against).
    output_digests: object = None  # compiler.file_digests.FileDigests
    cache: object = None
    lock_diagnostics: list[Diagnostic] = field(default_factory=list)  # of reading the lock files
    pools: dict[str, str] = field(default_factory=dict)  # workload ("project/name") -> its node pool
    rendered: bool = False  # the workloads were rendered (nothing failed before)

    def remember_output(self) -> None:
        """Record the output files' digests once the tree is written or compared: the next
        run reads back only the files whose status changed."""
        if self.cache and self.output_digests is not None and self.output_digests.changed:
            self.output_digests.save()
            self.cache.save()

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.analysis.diagnostics


def read_previous(root: Path, config=None) -> tuple[dict[str, dict[str, dict]], list[Diagnostic]]:
    """The lock entries of the current output tree, per cluster."""
    if config is None:
        config, _ = read_config(root)
    out_dir = output_of(root, config)
    previous: dict[str, dict[str, dict]] = {}
    diags: list[Diagnostic] = []
    if out_dir.is_dir() and not leads_astray(root, config.output):
        for cluster_dir in sorted(p for p in out_dir.iterdir() if p.is_dir()):
            entries, lock_diags = read_lock(cluster_dir / LOCK_NAME,
                                            f"{config.output}/{cluster_dir.name}/{LOCK_NAME}")
            previous[cluster_dir.name] = entries
            diags.extend(lock_diags)
    return previous, diags


def compile_repository(root: Path, use_cache: bool = True, progress=None, only_files: set[str] | None = None,
                       front=None) -> Build:
    """`progress(iterable, length, label)` may wrap the per-workload loop (a TTY progress bar).

    With `only_files` (paths relative to the root) only their workloads are rendered and
    validated; the others' revisions are numbered from the cache (rendered if it has nothing),
    and no tree is returned: what `infc check FILES` needs. `front`: the repository as a
    quick check of FILES loaded it already (compiler.check_files)."""
    from compiler.cache import Cache
    from compiler.render.engine import Renderer, TemplateFailure

    root = root.resolve()
    cache = Cache(root) if use_cache else None
    if cache:
        cache.partial = only_files is not None
    config, _ = read_config(root, cache)
    previous, lock_diags = read_previous(root, config)
    analysis = analyse(root, previous, cache, config, front)
    build = Build(analysis, previous=previous, only_files=only_files, cache=cache, lock_diagnostics=lock_diags)
    if lock_diags:
        analysis.diagnostics = apply_ignores(analysis.diagnostics + lock_diags, analysis.config.ignore)
    if not analysis.has_errors:
        build.rendered = True
        user_templates = templates_of(root, analysis.config)
        try:
            tree, extra = _render_tree(analysis, Renderer(user_templates), previous, build, cache,
                                       _templates_digest(user_templates), progress)
        except TemplateFailure as exc:
            tree, extra = {}, [_template_diagnostic(root, exc)]
        analysis.diagnostics = apply_ignores(analysis.diagnostics + extra, analysis.config.ignore)
        if not analysis.has_errors and only_files is None:
            build.tree = tree
    if build.tree is not None:
        from compiler.file_digests import FileDigests

        build.output_digests = FileDigests.cached(cache, str(analysis.output_dir))
    if cache:
        cache.save()
    return build


def _template_diagnostic(root: Path, exc) -> Diagnostic:
    path = Path(exc.path)
    rel = path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root) else exc.path
    return Diagnostic("IC001", f"template {path.name}: {exc.problem}", Location(rel, exc.line, 1),
                      hint="fix the repository's template (or delete it to use infc's own); values reach "
                           "templates as data, write them with the tojson filter")


def _templates_digest(directory: Path | None) -> str:
    from compiler.cache import digest

    if directory is None or not directory.is_dir():
        return ""
    return digest(*(f"{p.name}:{_content(p)}" for p in sorted(directory.glob("*.j2"))))


def _content(path: Path) -> str:
    """A template's bytes (hex), or why they cannot be read: rendering reports that."""
    try:
        return path.read_bytes().hex()
    except OSError as exc:
        return f"unreadable: {exc.strerror}"


@dataclass
class _Emitter:
    """Validates each emitted object (a finding is a bug in infc) and adds it to the tree."""

    output: str
    cluster: str
    settings: object
    tree: dict[str, bytes]
    diags: list[Diagnostic]
    cache: object = None

    def check(self, rel: str, obj: dict) -> list[tuple[str, str, str]]:
        from compiler.validate import validate_document

        doc = Document(f"{self.output}/{self.cluster}/{rel}", 0, obj)
        return [(d.code, f"infc produced an invalid manifest {doc.file}: {d.message}",
                 f"this is a bug in infc; {d.hint}".rstrip("; "))
                for d in validate_document(doc, self.settings) if d.is_error]  # warnings are advisory

    def report(self, findings, source: Location) -> None:
        self.diags.extend(Diagnostic(code, message, source, hint=hint) for code, message, hint in findings)

    def emit(self, items: list[tuple[str, dict, Location]]) -> None:
        """Add each (path under the cluster, object, where it comes from): its bytes and findings
        from the cache when it was emitted before (one query for all: a cluster has hundreds)."""
        settings = repr(self.settings)
        keys = [_digest_of(self.output, self.cluster, rel, settings, obj) for rel, obj, _ in items]
        hits = self.cache.get_many("emitted", keys) if self.cache else [None] * len(keys)
        for (rel, obj, source), key, hit in zip(items, keys, hits):
            if hit is None:
                hit = (dump(obj), self.check(rel, obj))
                if self.cache:
                    self.cache.put("emitted", key, hit)
            content, findings = hit
            self.report(findings, source)
            self.tree[f"{self.cluster}/{rel}"] = content


def _render_tree(analysis: Analysis, renderer, previous, build: Build, cache,
                 templates_digest: str, progress=None) -> tuple[OutputTree, list[Diagnostic]]:
    from compiler.check.footprint import footprint_of
    from compiler.output.gitops import render_delivery
    from compiler.render.cluster import render_cluster

    repo = analysis.repo
    tree: dict[str, bytes] = {}
    deferred: dict[str, tuple] = {}  # path -> (render key, file name, workload name, revision number)
    tokens: dict[str, str] = {}
    sources: dict[str, tuple] = {}  # render key -> (facts, pool, emitter) of each deferred render
    diags: list[Diagnostic] = []
    changed = build.changed
    by_cluster: dict[str, list] = {}
    for f in analysis.facts:
        by_cluster.setdefault(f.cluster_name, []).append(f)
    context = _render_context_digest(repo, templates_digest)
    for cluster_name, cluster in sorted(repo.clusters.items()):
        out = _emitter(analysis, cluster_name, cluster, tree, diags, cache)
        old_entries = previous.get(cluster_name, {})
        entries: dict[str, dict] = {}
        ns_dirs: dict[str, list[str]] = {}

        projects = sorted((p for p in repo.projects.values() if p.obj.spec.cluster == cluster_name), key=lambda p: p.name)
        departments = sorted((d for d in repo.departments.values() if d.obj.spec.cluster == cluster_name), key=lambda d: d.name)
        objects = cached(cache, "cluster-objects", _digest_of(templates_digest, _sources(cluster, *departments, *projects)),
                         lambda: render_cluster(cluster, departments, projects, renderer))
        out.emit([(f"cluster/{r.filename}", r.obj, cluster.doc.loc()) for r in objects])
        cluster_files = [r.filename for r in objects]

        jobs = [(f, analysis.pool_for(f)) for f in by_cluster.get(cluster_name, [])]
        rendered = _workload_files(jobs, analysis, renderer, out, cache, _digest_of(context, _sources(cluster)),
                                   build.only_files,
                                   (lambda it, n: progress(it, n, f"rendering {cluster_name}")) if progress else None)
        for (w, pool), r in zip(jobs, rendered):
            key = f"{w.namespace}/{w.name}"
            build.pools[w.key] = pool
            number = _numbered(w, r.spec_hash, r.findings, out, old_entries, changed)
            if build.only_files is None:
                token = f"{r.key}:{number}"
                if r.files is None:  # from the cache: loaded only if written or read
                    sources[r.key] = (w, pool, out)
                for filename in r.filenames:
                    path = f"{cluster_name}/{key}/{filename}"
                    tokens[path] = token
                    if r.files is None:
                        deferred[path] = (r.key, filename, w.name, number)
                    else:
                        tree[path] = with_revision(filename, r.files[filename], w.name, number)
            entries[key] = {"revision": number, "specHash": r.spec_hash, "footprint": footprint_of(w.demand, pool),
                            "source": w.file, "nodePool": pool}
            ns_dirs.setdefault(w.namespace, []).append(w.name)
        listing = {"cluster": cluster_files, **{ns: sorted(names) for ns, names in sorted(ns_dirs.items())}}
        tree.update(cached(cache, "kustomizations", _digest_of(templates_digest, cluster_name, listing),
                            lambda: _kustomizations(renderer, cluster_name, listing)))
        config = analysis.config
        subdir, delivery = cached(
            cache, "delivery", _digest_of(templates_digest, [config.delivery, config.repoURL, config.targetRevision,
                                                             cluster_name, config.output, sorted(ns_dirs)]),
            lambda: render_delivery(config, cluster_name, config.output, sorted(ns_dirs), renderer))
        config_loc = repo.config.doc.loc() if repo.config else cluster.doc.loc()
        out.emit([(f"{subdir}/{r.filename}", r.obj, config_loc) for r in delivery])
        tree[f"{cluster_name}/{LOCK_NAME}"] = render_lock(entries)
        build.lock_entries[cluster_name] = entries
    diags.extend(_rolling(analysis, changed, previous, cache))
    return OutputTree(tree, deferred, tokens, lambda refs: _load_files(refs, cache, sources, analysis, renderer)), diags


def _emitter(analysis: Analysis, cluster_name: str, cluster, tree: dict[str, bytes], diags: list[Diagnostic],
             cache) -> _Emitter:
    from compiler.validate import ValidationSettings

    settings = ValidationSettings.from_cluster(cluster.obj.spec)
    # Queues, Argo CD, Flux and Istio objects have no bundled schema; Knative and core kinds do.
    settings.ignore_missing_schemas = True
    return _Emitter(analysis.config.output, cluster_name, settings, tree, diags, cache)


def _numbered(w, spec_hash: str, findings, out: _Emitter, old_entries: dict, changed: set[str]) -> int:
    """The revision number of a rendered workload; reports its render's findings, and adds it
    to `changed` when its revision changes."""
    key = f"{w.namespace}/{w.name}"
    out.report(findings, w.fallback)
    number = next_revision(old_entries.get(key), spec_hash)
    if key in old_entries and number != old_entries[key]["revision"]:
        changed.add(w.key)
    return number


def render_checked(analysis: Analysis, pools: dict[str, str], previous, cache) -> tuple[list[Diagnostic], set[str]]:
    """Render and validate only `analysis.facts` (the workloads of `infc check FILES`) in the
    given node pools: their render findings, and which of them get a new revision."""
    from compiler.render.engine import Renderer

    user_templates = templates_of(analysis.root, analysis.config)
    context = _render_context_digest(analysis.repo, _templates_digest(user_templates))
    renderer = Renderer(user_templates)
    diags: list[Diagnostic] = []
    changed: set[str] = set()
    files = {f.file for f in analysis.facts}
    for cluster_name in sorted({f.cluster_name for f in analysis.facts}):
        cluster = analysis.repo.clusters[cluster_name]
        out = _emitter(analysis, cluster_name, cluster, {}, diags, cache)
        jobs = [(f, pools[f.key]) for f in analysis.facts if f.cluster_name == cluster_name]
        rendered = _workload_files(jobs, analysis, renderer, out, cache, _digest_of(context, _sources(cluster)), files)
        for (w, _), r in zip(jobs, rendered):
            _numbered(w, r.spec_hash, r.findings, out, previous.get(cluster_name, {}), changed)
    return diags, changed


def _revision_line(name: str, number: int) -> bytes:
    # The revision template's BYO name, as the YAML dumper writes it under spec.template.metadata.
    return f"\n      name: {name}-{number:05d}\n".encode()


def with_revision(filename: str, content: bytes, name: str, number: int) -> bytes:
    """A workload's file as rendered (with revision number 0), numbered."""
    if filename != "service.yaml":
        return content
    return content.replace(_revision_line(name, 0), _revision_line(name, number), 1)


def _kustomizations(renderer, cluster: str, listing: dict[str, list[str]]) -> dict[str, bytes]:
    """kustomization.yaml of the cluster directory (cluster objects first, then namespaces) and
    of each directory it lists."""
    files = {f"{cluster}/{d}/kustomization.yaml": _kustomization(renderer, tuple(sorted(names)))
             for d, names in listing.items()}
    files[f"{cluster}/kustomization.yaml"] = _kustomization(renderer, tuple(listing))
    return files


@lru_cache(maxsize=64)
def _kustomization(renderer, resources: tuple[str, ...]) -> bytes:
    """A kustomization.yaml listing `resources`; most workloads list the same files."""
    return dump(renderer.render("kustomization.yaml.j2", resources=list(resources)))


def _digest_of(*parts) -> str:
    from compiler.cache import digest
    from compiler.output.lock import canonical_json

    return digest(*(p if isinstance(p, str) else canonical_json(p) for p in parts))


def _render_context_digest(repo, templates_digest: str) -> str:
    """What every workload's rendering may read besides its own spec: credentials, data sources, templates."""
    return _digest_of(templates_digest, _sources(*repo.credentials.values(), *repo.data_sources.values()))


def _sources(*parsed) -> list:
    """Where objects come from: (file, digest of the file, index), which determines them."""
    return [p.source for p in parsed]


# What the forked render workers read (set just before they are forked).
_FORKED: tuple = ()


class Rendered(NamedTuple):
    """A workload's render: its cache key, its files with revision number 0 (None while they
    are in the cache only), the spec hash, the findings of validating them, the file names."""

    key: str
    files: dict[str, bytes] | None
    spec_hash: str
    findings: list
    filenames: tuple[str, ...]


def _workload_files(jobs, analysis: Analysis, renderer, out: _Emitter, cache, context: str,
                    only_files: set[str] | None, progress=None) -> list[Rendered]:
    """The render of each job (workload facts, pool), in order. A cached one is taken without
    its files, except for a workload of `only_files` (`infc check FILES` renders those).

    Misses are rendered, in parallel when there are many."""
    from compiler.cache import digest
    from compiler.parallel import map_ordered

    # The project is in the key: its default node pools shape the manifests, not the effective spec.
    keys = [digest(context, f.name, f.namespace, f.file, pool, f.spec_digest, repr(f.project.source))
            for f, pool in jobs]
    results: list = [None] * len(keys)
    if cache:
        others = [i for i, (f, _) in enumerate(jobs) if only_files is None or f.file not in only_files]
        for i, outcome in zip(others, cache.get_many("render-outcomes", [keys[i] for i in others])):
            if outcome is not None:
                results[i] = Rendered(keys[i], None, *outcome)
                cache.keep("renders", keys[i])  # its files, when the tree is written
        needed = [i for i, result in enumerate(results) if result is None]
        for i, hit in zip(needed, cache.get_many("renders", [keys[i] for i in needed])):
            if hit is not None:
                results[i] = Rendered(keys[i], *hit, tuple(sorted(hit[0])))
                cache.keep("render-outcomes", keys[i])
    misses = [i for i, result in enumerate(results) if result is None]
    global _FORKED
    _FORKED = (jobs, analysis, renderer, out)
    try:
        rendered = map_ordered(_render_job, misses, progress)
    finally:
        _FORKED = ()
    for i, (files, spec_hash, findings) in zip(misses, rendered):
        results[i] = Rendered(keys[i], files, spec_hash, findings, tuple(sorted(files)))
        if cache:
            cache.put("renders", keys[i], (files, spec_hash, findings))
            cache.put("render-outcomes", keys[i], (spec_hash, findings, results[i].filenames))
    return results


def _render_job(index: int):
    jobs, analysis, renderer, out = _FORKED
    return _render_files(*jobs[index], analysis, renderer, out)


def _render_files(facts, pool: str, analysis: Analysis, renderer, out: _Emitter):
    """(files with revision number 0, spec hash, findings) of a workload rendered in `pool`."""
    from compiler.render.workload import render_workload

    w = analysis.effective(facts)  # resolved again if it was checked in another process, or cached
    objs = render_workload(w, analysis.repo, renderer, pool, revision_name=f"{w.name}-00000")
    service = objs[0].obj
    spec_hash = template_hash(service["spec"]["template"])
    service["metadata"]["annotations"]["infc/spec-hash"] = spec_hash
    findings = [f for r in objs for f in out.check(f"{w.namespace}/{w.name}/{r.filename}", r.obj)]
    files = {r.filename: dump(r.obj) for r in objs}
    files["kustomization.yaml"] = _kustomization(renderer, tuple(sorted(files)))
    return files, spec_hash, findings


def _load_files(refs: list[tuple], cache, sources: dict[str, tuple], analysis: Analysis, renderer) -> list[bytes]:
    """The bytes of deferred workload files, refs (render key, file name, workload name,
    revision number): from the cache, or rendered again if the entry is gone since."""
    keys = sorted({key for key, *_ in refs})
    found = dict(zip(keys, cache.get_many("renders", keys)))
    for key in keys:
        if found[key] is None:
            facts, pool, out = sources[key]
            found[key] = _render_files(facts, pool, analysis, renderer, out)
    return [with_revision(filename, found[key][0][filename], name, number) for key, filename, name, number in refs]


def _rolling(analysis: Analysis, changed: set[str], previous, cache) -> list[Diagnostic]:
    """IC406 of the workloads whose revision changes. The replay of quota and placement reads
    what the repository rules read (their cache key) and the old footprints of the changed
    workloads: with both as in an earlier run, its findings come from the cache."""
    if not changed:
        return []
    by_key = {f.key: f for f in analysis.facts}
    key = analysis.repository_key and _digest_of(analysis.repository_key, sorted(changed),
                                                 [_old_footprint(by_key.get(k), previous) for k in sorted(changed)])
    return [d for d in cached(cache if key else None, "rolling-findings", key,
                              lambda: _rolling_findings(analysis, changed, previous))
            if not (d.subject in by_key and d.code in by_key[d.subject].ignore)]


def _old_footprint(facts, previous) -> object:
    """What the lock file says the running revision of a workload holds (all the rolling
    update reads of it; its revision number changes with every compile)."""
    entry = previous.get(facts.cluster_name, {}).get(f"{facts.namespace}/{facts.name}") if facts else None
    return entry.get("footprint") if isinstance(entry, dict) else None


def _rolling_findings(analysis: Analysis, changed: set[str], previous) -> list[Diagnostic]:
    from compiler.check.quota import ledger_of
    from compiler.check.rolling import rolling_update_diagnostics

    placement = analysis.placement
    ledger = ledger_of(analysis.facts, analysis.checks) if analysis.checks else None  # the checks' own
    return rolling_update_diagnostics(analysis.facts, changed, previous, placement, ledger, analysis.repo)
