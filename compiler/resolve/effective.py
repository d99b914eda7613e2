"""One effective spec per workload: baseline, policy defaults, imposed assets, template, assets, workload.

Every effective value keeps the file:line:col that set it (provenance), so later stages can
point at the template, asset or policy line behind a problem, not only at the workload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from compiler.diagnostics import Diagnostic, Location, missing_hint, nearest_location
from compiler.load.document import Document
from compiler.resolve.merge import ITEMIZED, Exclusion, P, merge, unwrap, wrap
from compiler.spec import kinds as k
from compiler.spec.parse import Parsed, Repository, pydantic_diagnostics
from compiler.spec.workload import InferenceSpec

REFERENCE_FIELDS = ("template", "environment", "computeResource", "dataSources")


@dataclass
class EffectiveWorkload:
    name: str
    doc: Document  # the InferenceWorkload document
    project: Parsed[k.Project]
    department: Parsed[k.Department] | None
    cluster: Parsed[k.Cluster]
    spec: InferenceSpec  # the merged, validated spec
    data: dict  # the same, as plain data (spec-shaped)
    provenance: dict[tuple, Location] = field(repr=False)
    policies: list[Parsed[k.Policy]] = field(default_factory=list, repr=False)  # lowest precedence first
    exclusions: list[Exclusion] = field(default_factory=list, repr=False)
    ignore: frozenset[str] = frozenset()

    @property
    def namespace(self) -> str:
        return self.project.obj.namespace

    @property
    def key(self) -> str:
        return f"{self.project.name}/{self.name}"

    @property
    def file(self) -> str:
        return self.doc.file

    def loc(self, *path: Any) -> Location:
        """Where the effective value at spec `path` was set (nearest ancestor that was set)."""
        return nearest_location(self.provenance, path, self.doc.loc(("metadata", "name")))


@dataclass
class Baseline:
    """infc's built-in policy (policies/baseline.yaml), lowest precedence."""

    policy: Parsed[k.Policy]


def applicable_policies(repo: Repository, project: Parsed[k.Project], baseline: Baseline | None) -> list[Parsed[k.Policy]]:
    """Policies whose scope covers the project, lowest precedence first (tenant < cluster < department < project)."""
    spec = project.obj.spec
    chosen = []
    for pol in repo.policies.values():
        s = pol.obj.spec.scope
        if (s.level == 0 or (s.cluster and s.cluster == spec.cluster)
                or (s.department and s.department == spec.department)
                or (s.project and s.project == project.name)):
            chosen.append(pol)
    chosen.sort(key=lambda p: (p.obj.spec.scope.level, p.name))
    return ([baseline.policy] if baseline else []) + chosen


@lru_cache(maxsize=1)
def _empty_spec() -> k.WorkloadSpec:
    return k.WorkloadSpec.model_construct()  # all defaults: nothing to validate


class Resolver:
    """Resolves the workloads of one repository on demand, once each, sharing the layers."""

    def __init__(self, repo: Repository, baseline: Baseline | None):
        self.repo = repo
        self.baseline = baseline
        self._shared = _SharedLayers()
        self._bad_projects: set[str] = set()  # a missing cluster or department is reported once
        self._done: dict[tuple[str, str], EffectiveWorkload | None] = {}

    def resolve(self, key: tuple[str, str], diags: list[Diagnostic]) -> EffectiveWorkload | None:
        """The workload (project, name) of the repository; its problems are added to `diags`
        the first time it is resolved."""
        if key not in self._done:
            parsed = self.repo.workloads[key]
            self._done[key] = _resolve_one(self.repo, parsed, self.baseline, diags, self._bad_projects, self._shared)
            # Once resolved, only the effective spec is read: drop the parsed one (half the
            # models of a 10,000-workload repository).
            parsed.obj = parsed.obj.model_construct(apiVersion=parsed.obj.apiVersion, kind=parsed.obj.kind,
                                                    metadata=parsed.obj.metadata, spec=_empty_spec())
        return self._done[key]

    @property
    def resolved(self) -> int:
        """How many workloads were resolved so far."""
        return len(self._done)


class _SharedLayers:
    """Layers of policies, templates and assets, built once and shared by every workload.

    Merging never modifies a layer (it builds new nodes), so sharing is safe, saves the
    time of wrapping the same asset for each workload and shares its Location objects."""

    def __init__(self):
        self._layers: dict[tuple[int, str], P] = {}

    def get(self, key_obj, kind: str, build) -> P:
        key = (id(key_obj), kind)
        if key not in self._layers:
            self._layers[key] = build()
        return self._layers[key]

    def spec_of(self, parsed) -> P:
        doc = parsed.doc
        return self.get(doc, "spec", lambda: _spec_layer(doc.data.get("spec") or {}, doc, ("spec",)))

    def policy_defaults(self, pol) -> P:
        return self.get(pol.doc, "defaults", lambda: _policy_defaults(pol))

    def data_source(self, ds) -> P:
        return self.get(ds.doc, "data-source", lambda: _data_source_layer(ds))


def _resolve_one(repo: Repository, parsed: Parsed[k.InferenceWorkload], baseline: Baseline | None,
                 diags: list[Diagnostic], bad_projects: set[str], shared: _SharedLayers) -> EffectiveWorkload | None:
    wl, doc = parsed.obj, parsed.doc
    project = repo.projects.get(wl.metadata.project)
    if project is None:
        diags.append(_missing("Project", wl.metadata.project, repo.projects, doc.loc(("metadata", "project"))))
        return None
    cluster = repo.clusters.get(project.obj.spec.cluster)
    department = repo.departments.get(project.obj.spec.department) if project.obj.spec.department else None
    if cluster is None or (project.obj.spec.department and department is None):
        if project.name not in bad_projects:
            bad_projects.add(project.name)
            if cluster is None:
                diags.append(_missing("Cluster", project.obj.spec.cluster, repo.clusters,
                                      project.doc.loc(("spec", "cluster"))))
            if project.obj.spec.department and department is None:
                diags.append(_missing("Department", project.obj.spec.department, repo.departments,
                                      project.doc.loc(("spec", "department"))))
        return None

    policies = applicable_policies(repo, project, baseline)
    layers: list[P] = []
    ok = True
    for pol in policies:
        if pol.obj.spec.defaults:
            layers.append(shared.policy_defaults(pol))
    spec = wl.spec
    data = doc.data.get("spec") or {}

    imposed = [name for pol in policies for name in pol.obj.spec.imposedAssets]
    for name in imposed:
        ds = repo.data_sources.get(name)
        if ds is None:
            pol = next(p for p in policies if name in p.obj.spec.imposedAssets)
            idx = pol.obj.spec.imposedAssets.index(name)
            diags.append(_missing("DataSource", name, repo.data_sources, pol.doc.loc(("spec", "imposedAssets", idx))))
            ok = False
            continue
        layers.append(shared.data_source(ds))

    # Template, then environment and compute assets: each a layer with the spec shape.
    for field_name, kind, table in (("template", "WorkloadTemplate", repo.templates),
                                    ("environment", "Environment", repo.environments),
                                    ("computeResource", "ComputeResource", repo.compute_resources)):
        name = getattr(spec, field_name)
        if not name:
            continue
        asset = table.get(name)
        if asset is None:
            diags.append(_missing(kind, name, table, doc.loc(("spec", field_name))))
            ok = False
        else:
            layers.append(shared.spec_of(asset))
    sources = list(spec.dataSources or [])
    for i, name in enumerate(sources):
        ds = repo.data_sources.get(name)
        if ds is None:
            diags.append(_missing("DataSource", name, repo.data_sources, doc.loc(("spec", "dataSources", i))))
            ok = False
        elif name not in imposed:
            layers.append(shared.data_source(ds))
    own = {key: value for key, value in data.items() if key not in REFERENCE_FIELDS}
    layers.append(_spec_layer(own, doc, ("spec",)))
    if not ok:
        return None

    exclusions: list[Exclusion] = []
    merged: P | None = None
    for layer in layers:
        merged = merge(merged, layer, exclusions)
    # A model store named only under huggingFace (by the workload, its template or environment,
    # or a policy's defaults) is mounted as if listed in dataSources.
    model_store = _value_in(merged, ("huggingFace", "modelStore"))
    if isinstance(model_store, str) and model_store and model_store not in sources and model_store not in imposed:
        ds = repo.data_sources.get(model_store)
        if ds is None:
            diags.append(_missing("DataSource", model_store, repo.data_sources,
                                  _loc_in(merged, ("huggingFace", "modelStore")) or doc.loc(("spec",))))
            return None
        merged = merge(shared.data_source(ds), merged, exclusions)
    assert merged is not None
    _apply_attribute_defaults(merged, policies)
    plain, provenance = unwrap(merged)
    try:
        effective = InferenceSpec.model_validate(plain)
    except Exception as exc:  # pydantic ValidationError: point at whichever layer set the value
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        def where(path: tuple) -> Location:
            while path and path not in provenance:
                path = path[:-1]
            return provenance.get(path, doc.loc(("spec",)))
        diags.extend(pydantic_diagnostics(exc, InferenceSpec, where, where))
        return None
    ignore = _ignored_codes(wl)
    return EffectiveWorkload(
        name=wl.metadata.name, doc=doc, project=project, department=department,
        cluster=cluster, spec=effective, data=plain, provenance=provenance, policies=policies,
        exclusions=exclusions, ignore=ignore)


def _value_in(node: P | None, path: tuple) -> Any:
    for part in path:
        if node is None or not isinstance(node.value, dict) or part not in node.value:
            return None
        node = node.value[part]
    return node.value if node else None


def _loc_in(node: P | None, path: tuple) -> Location | None:
    for part in path:
        if node is None or not isinstance(node.value, dict) or part not in node.value:
            return None
        node = node.value[part]
    return node.loc if node else None


def _ignored_codes(wl: k.InferenceWorkload) -> frozenset[str]:
    raw = (wl.metadata.annotations or {}).get("infc/ignore", "")
    return frozenset(c.strip().upper() for c in str(raw).split(",") if c.strip())


def _policy_defaults(pol: Parsed[k.Policy]) -> P:
    """Policy defaults as a layer; Run:ai's `{instances: [...]}` form becomes a plain list."""
    doc = pol.doc
    tree = wrap(pol.obj.spec.defaults or {}, lambda p: doc.loc(("spec", "defaults") + p))
    _flatten_instances(tree)  # Run:ai's {instances: [...]} first: it is not a label map
    _maps_to_items(tree)
    return tree


def _spec_layer(data: dict, doc: Document, prefix: tuple) -> P:
    tree = wrap(data, lambda p: doc.loc(prefix + p))
    _maps_to_items(tree)
    return tree


def _maps_to_items(tree: P) -> None:
    """`labels`/`annotations` written as {key: value} maps become itemized lists."""
    if isinstance(tree.value, dict):
        for key in ("labels", "annotations"):
            node = tree.value.get(key)
            if node is not None and isinstance(node.value, dict):
                tree.value[key] = P([P({"name": P(k, v.loc), "value": v}, v.loc) for k, v in node.value.items()],
                                    node.loc)


def _flatten_instances(node: P, field_name: str | None = None) -> None:
    if isinstance(node.value, dict):
        for key, child in list(node.value.items()):
            if key in ITEMIZED and isinstance(child.value, dict):
                instances = child.value.get("instances")
                node.value[key] = P(list(instances.value) if instances and isinstance(instances.value, list) else [],
                                    child.loc)
            else:
                _flatten_instances(child, key)
    elif isinstance(node.value, list):
        for item in node.value:
            _flatten_instances(item)


def _apply_attribute_defaults(merged: P, policies: list[Parsed[k.Policy]]) -> None:
    """`defaults.<list>.attributes` fill attributes missing from every item of that list.

    Nodes below `merged` may belong to shared layers, so the path to each changed item is
    copied first (`merged` itself is always a fresh node)."""
    for pol in reversed(policies):  # nearest first: the first policy to fill an attribute wins
        defaults = pol.obj.spec.defaults or {}
        for path, attrs, base in _attribute_blocks(defaults, ("spec", "defaults")):
            target = _copied_path(merged, path)
            if target is None or not isinstance(target.value, list):
                continue
            for i, item in enumerate(target.value):
                if not isinstance(item.value, dict):
                    continue
                missing = {a: v for a, v in attrs.items() if a not in item.value}
                if missing:
                    filled = dict(item.value)
                    for attr, value in missing.items():
                        filled[attr] = wrap(value, lambda p, a=attr: pol.doc.loc(base + ("attributes", a) + p))
                    target.value[i] = P(filled, item.loc)


def _copied_path(root: P, path: tuple) -> P | None:
    """The node at `path`, after replacing every node on the way below `root` with a copy."""
    node = root
    for part in path:
        if not isinstance(node.value, dict) or part not in node.value:
            return None
        child = node.value[part]
        value = child.value
        copy = P(dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value,
                 child.loc)
        node.value[part] = copy
        node = copy
    return node


def _attribute_blocks(data: dict, prefix: tuple, path: tuple = ()) -> Iterable[tuple[tuple, dict, tuple]]:
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        if key in ITEMIZED and isinstance(value.get("attributes"), dict):
            yield path + (key,), value["attributes"], prefix + path + (key,)
        elif key not in ITEMIZED:
            yield from _attribute_blocks(value, prefix, path + (key,))


def _data_source_layer(ds: Parsed[k.DataSource]) -> P:
    """A DataSource asset as a spec layer: one item of the matching storage list."""
    source = ds.obj.spec.source_type
    raw = dict(ds.doc.data["spec"][source] or {})
    raw.setdefault("name", ds.name)
    if source == "pvc":
        raw.setdefault("claimName", raw["name"])
    storage_list = k.DATA_SOURCE_STORAGE[source]
    doc = ds.doc

    def origin(p: tuple) -> Location:
        # ("storage", list, 0, field...) -> ("spec", source, field...)
        return doc.loc(("spec", source) + p[3:]) if len(p) >= 3 else doc.loc(("spec", source))

    return wrap({"storage": {storage_list: [raw]}}, origin)


def _missing(kind: str, name: Any, table: dict, loc: Location) -> Diagnostic:
    names = [n if isinstance(n, str) else n[1] for n in table]
    return Diagnostic("IC008", f"{kind} '{name}' does not exist", loc, hint=missing_hint(kind, str(name), names))
