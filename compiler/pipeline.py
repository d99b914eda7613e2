"""The one direction of flow: load -> parse -> resolve -> check (-> render -> validate -> write).

Each stage returns its value plus diagnostics; nothing here formats output or touches
the output tree (compiler/output does, from the Build this module returns).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, sort_diagnostics, without_repeats
from compiler.load.document import Document
from compiler.load.inputs import Inputs, read_file, read_inputs
from compiler.output.lock import LOCK_NAME
from compiler.spec import kinds as k
from compiler.spec.parse import Parsed, Repository


@dataclass
class Analysis:
    root: Path
    config: k.ConfigSpec
    documents: list  # Document; for an unchanged valid file, Parsed and DeferredParsed
    repo: Repository
    # What the repository-wide stages read of each resolved workload, in (project, name) order.
    facts: list = field(default_factory=list)  # WorkloadFacts
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checks: object = None  # compiler.check.CheckContext: the placement and ledger of the checks
    resolver: object = None  # compiler.resolve.effective.Resolver
    checked: object = None  # Checked: the workload stage's facts and findings, per workload
    repository_findings: list = field(default_factory=list)  # of the repository rules
    repository_key: str = ""  # what the repository rules' findings are cached under ("" if not)

    @property
    def output_dir(self) -> Path:
        return output_of(self.root, self.config)

    @property
    def placement(self):
        """The placement simulation of the checks (None without checks), simulated now when
        their findings came from the cache."""
        if not self.checks:
            return None
        from compiler.check.placement import placement_for

        return placement_for(self.facts, self.checks)

    def pool_for(self, facts) -> str:
        """The pool placement chose for a workload's revision (its first candidate if none)."""
        pools = self.checks.pools if self.checks else None
        pool = pools.get(facts.key) if pools is not None else self.placement.pool_for(facts.key)
        return pool or facts.demand.pools[0]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    @property
    def workloads(self) -> list:
        """Every resolved workload's EffectiveWorkload (those whose facts came from the cache
        are resolved now)."""
        return [self.effective(f) for f in self.facts]

    def effective(self, facts):
        return self.resolver.resolve((facts.project_name, facts.name), [])


def load_documents(root: Path, inputs: Inputs, cache=None, outlines_of=None) -> tuple[list, list[Diagnostic]]:
    """Every input document, in file order. A file whose documents were all valid in an earlier
    run and that has not changed since yields what that run parsed instead: Parsed objects, and
    DeferredParsed workloads (loaded only if a later stage needs them). Other files seen before
    come from the cache; the rest are parsed (on every core when there are many).

    `outlines_of(keys)`: how to look up the files' outlines ("path|digest" keys) instead of one
    cache entry each (compiler.check_files keeps most of them in one entry, and leaves out the
    files a check of others does not need)."""
    from compiler.file_digests import content_digest
    from compiler.parallel import map_ordered
    from compiler.spec.parse import DeferredParsed, WorkloadStub

    read, diags, keys = list(inputs.read), list(inputs.diagnostics), inputs.keys
    if cache:
        outlines = outlines_of(keys) if outlines_of else cache.get_many("outlines", keys)
    else:
        outlines = [None] * len(keys)
    results: list = [None] * len(keys)
    needed = [i for i, outline in enumerate(outlines) if outline is None]
    if cache:
        for i, hit in zip(needed, cache.get_many("documents", [keys[i] for i in needed])):
            results[i] = hit
    misses = [i for i in needed if results[i] is None]
    for i in misses:
        rel, raw, digest = read[i]
        if raw is None:  # known by its digest but no longer in the cache: read it after all
            raw = read_file(root / rel, rel, diags) or b""
            read[i] = (rel, raw, content_digest(raw))
            keys[i] = f"{rel}|{read[i][2]}"
    for i, parsed in zip(misses, map_ordered(_parse_file, [read[i] for i in misses])):
        results[i] = parsed
        if cache:
            cache.put("documents", keys[i], parsed)
    load = _deferred_loader(root, cache)
    items: list = []
    for key, outline, result in zip(keys, outlines, results):
        if outline is not None:
            cache.keep("documents", key)  # what a deferred workload loads, if it must
            items.extend(DeferredParsed(entry, load) if isinstance(entry, WorkloadStub) else entry
                         for entry in outline)
        else:
            items.extend(result[0])
            diags.extend(result[1])
    return items, diags


def _parse_file(item: tuple[str, bytes, str]):
    from compiler.load.yamlfile import parse_yaml

    rel, raw, digest = item
    return parse_yaml(raw, rel, digest)


def _deferred_loader(root: Path, cache):
    def load(stub):
        from compiler.load.yamlfile import parse_yaml
        from compiler.spec.parse import Parsed

        hit = cache.get("documents", f"{stub.file}|{stub.digest}")
        docs = hit[0] if hit else parse_yaml((root / stub.file).read_bytes(), stub.file, stub.digest)[0]
        doc = docs[stub.index]
        return Parsed(k.InferenceWorkload.model_validate(doc.data), doc)

    return load


def _workload_file(item) -> str | None:
    """The file of a workload, whatever form it was loaded in; None for other kinds."""
    from compiler.spec.parse import DeferredParsed

    if isinstance(item, DeferredParsed):
        return item.stub.file
    if isinstance(item, Document):
        return item.file if item.kind == "InferenceWorkload" else None
    return item.doc.file if item.obj.kind == "InferenceWorkload" else None


def _remember_outlines(items: list, repo: Repository, diags: list[Diagnostic], cache, left_out: set[str]) -> None:
    """Remember what was parsed of each file whose documents are all valid (no finding of
    loading or parsing in the file): the next run takes it as it is if the file is unchanged.
    Workloads are kept as stubs (their identity), other kinds as the typed objects. Files some
    of whose documents were `left_out` unparsed are not known to be valid."""
    from compiler.spec.parse import WorkloadStub

    flagged = left_out | {d.location.file for d in diags if d.location}
    parsed = {id(p.doc): p for table in (repo.clusters, repo.departments, repo.projects, repo.policies,
                                         repo.environments, repo.compute_resources, repo.data_sources,
                                         repo.credentials, repo.templates) for p in table.values()}
    if repo.config is not None:
        parsed[id(repo.config.doc)] = repo.config
    by_file: dict[str, list[Document]] = {}
    for item in items:
        if isinstance(item, Document):
            by_file.setdefault(item.file, []).append(item)
    for rel, docs in by_file.items():
        if rel in flagged or any(d.kind != "InferenceWorkload" and id(d) not in parsed for d in docs):
            continue
        cache.put("outlines", f"{rel}|{docs[0].digest}", [
            WorkloadStub(rel, d.digest, d.index, d.data["metadata"]["project"], d.data["metadata"]["name"],
                         d.loc(("metadata", "name"))) if d.kind == "InferenceWorkload" else parsed[id(d)]
            for d in docs])


def read_config(root: Path, cache=None) -> tuple[k.ConfigSpec, list[Diagnostic]]:
    """infc.yaml is read first: it names the output directory, which loading must skip."""
    from compiler.cache import cached, digest

    path = root / "infc.yaml"
    if not path.is_file():
        return k.ConfigSpec.model_construct(), []
    raw = path.read_bytes()
    return cached(cache, "config", digest(raw), lambda: _parse_config(raw))


def _parse_config(raw: bytes) -> tuple[k.ConfigSpec, list[Diagnostic]]:
    from compiler.load.yamlfile import parse_yaml
    from compiler.spec.parse import validate_model

    docs, diags = parse_yaml(raw, "infc.yaml")
    for doc in docs:
        if isinstance(doc.data, dict) and doc.data.get("kind") == "Config":
            cfg = validate_model(k.Config, doc.data, doc, (), diags)
            if cfg is not None:
                return cfg.spec, diags
    return k.ConfigSpec.model_construct(), diags


def baseline_policy(cache=None):
    """The built-in baseline Policy shipped in the package (policies/baseline.yaml)."""
    from compiler.cache import cached

    return cached(cache, "baseline", "policies/baseline.yaml", _load_baseline)


def _load_baseline():
    from compiler.load.yamlfile import parse_yaml
    from compiler.resolve.effective import Baseline
    from compiler.resources import data_dir

    raw = (data_dir("policies") / "baseline.yaml").read_bytes()
    docs, _ = parse_yaml(raw, "<infc>/policies/baseline.yaml")
    pol = k.Policy.model_validate(docs[0].data)
    return Baseline(Parsed(pol, docs[0]))


@dataclass
class Front:
    """What every workload's resolution and checks read: the loaded and parsed repository."""

    docs: list
    repo: Repository
    diagnostics: list[Diagnostic]  # of loading and parsing every file, and of the policies
    shared: str  # digest of every document but the workloads ("" without a cache)
    baseline: object  # the built-in Policy

    def resolver(self):
        """A fresh resolver (one reports a workload's findings the first time it resolves it only)."""
        from compiler.resolve.effective import Resolver

        return Resolver(self.repo, self.baseline)


def output_of(root: Path, config: k.ConfigSpec) -> Path:
    # realpath, not Path.resolve: a link in a loop is a finding (directory_findings), not an exception
    return Path(os.path.realpath(root / config.output))


def templates_of(root: Path, config: k.ConfigSpec) -> Path | None:
    """The repository's own template directory; None while it leads outside the repository."""
    directory = config.templates or "templates"
    return None if leads_astray(root, directory) else root / directory


def leads_astray(root: Path, directory: str) -> str | None:
    """How a symbolic link makes the repository's `directory` (infc.yaml's output or templates)
    lead outside the repository, or into a loop; None if it does not. A pull request must not
    make CI read or write outside the repository this way either."""
    real = os.path.realpath(root / directory)
    if not Path(real).is_relative_to(root):
        return "is a symbolic link leading outside the repository"
    return "is a symbolic link in a loop" if os.path.islink(real) else None


def directory_findings(root: Path, repo: Repository, config: k.ConfigSpec) -> list[Diagnostic]:
    """IC007 of infc.yaml's output and templates directories that lead astray, and of an
    output directory that holds what is not infc's to replace."""
    out = []
    doc = repo.config.doc if repo.config else None
    for name, directory in (("output", config.output), ("templates", config.templates or "templates")):
        where = doc.loc(("spec", name)) if doc else Location("infc.yaml")
        problem = leads_astray(root, directory)
        if problem:
            out.append(Diagnostic("IC007", f"{name} directory '{directory}' {problem}", where,
                                  hint="make it a directory of the repository: infc reads and writes nothing "
                                       "outside the repository"))
        elif name == "output" and (problem := overlaps_inputs(root, config)):
            out.append(Diagnostic("IC007", f"output directory '{directory}' {problem}", where,
                                  hint="give the output a directory of its own, e.g. output: deploy (a compile "
                                       "replaces everything in it)"))
    return out


_INPUT_DOCUMENT = re.compile(rb"(?m)^apiVersion:[ \t]*[\"']?infc/v1\b")


def overlaps_inputs(root: Path, config: k.ConfigSpec) -> str | None:
    """Why a compile must not replace the output directory's contents, or None. A compile owns
    that directory: it writes one directory per cluster (with its lock file) and removes the
    rest, so the repository itself, Git's directory, a file, the templates, or a directory
    holding input documents would be lost."""
    real = output_of(root, config)
    if real == root.resolve() or root.resolve().is_relative_to(real):
        return "is the repository itself"
    if real.is_relative_to(root.resolve() / ".git"):
        return "is inside Git's own directory"
    if real.exists() and not real.is_dir():
        return "is a file of the repository"
    templates = Path(os.path.realpath(root / (config.templates or "templates")))
    if templates.is_relative_to(real):
        return "holds the repository's templates"
    if not real.is_dir():
        return None
    for child in sorted(real.iterdir()):
        if child.is_dir() and (child / LOCK_NAME).is_file():
            continue  # a cluster's tree, written by infc
        for path in ([child] if child.is_file() else sorted(child.rglob("*"))):
            if path.suffix in (".yaml", ".yml") and path.is_file() and _INPUT_DOCUMENT.search(_head(path)):
                return f"holds input documents ({path.relative_to(root.resolve()).as_posix()})"
    return None


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(65536)
    except OSError:
        return b""


def load_front(root: Path, cache, config: k.ConfigSpec, outlines_of=None, inputs: Inputs | None = None,
               workloads_of: set[str] | None = None) -> Front:
    """`workloads_of`: leave out the workloads of every file but these (a check of those files
    takes what the others give from its memo)."""
    from compiler.cache import cached
    from compiler.resolve.policy import PolicyCache, policy_diagnostics
    from compiler.spec.parse import parse_documents

    docs, diags = load_documents(root, inputs or read_inputs(root, output_of(root, config), cache), cache, outlines_of)
    left_out: set[str] = set()
    if workloads_of is not None:
        files = [_workload_file(d) for d in docs]
        left_out = {f for f in files if f is not None and f not in workloads_of}
        docs = [d for d, f in zip(docs, files) if f is None or f in workloads_of]
    repo, parse_diags = parse_documents(docs)
    diags.extend(without_repeats(parse_diags, diags))  # a number too large is read as null: one finding
    if cache:
        _remember_outlines(docs, repo, diags, cache, left_out)
    shared = _shared_digest(docs) if cache else ""
    # The policies' own findings depend on the policies alone (part of `shared`).
    diags.extend(cached(cache, "policy-findings", shared, lambda: policy_diagnostics(repo, PolicyCache(repo))))
    return Front(docs, repo, diags, shared, baseline_policy(cache))


def analyse(root: Path, previous: dict | None = None, cache=None, config: k.ConfigSpec | None = None,
            front: Front | None = None) -> Analysis:
    """Load (unless given the `front` loaded already), parse, resolve and check a repository.
    Never raises on bad input."""
    from compiler.check import CheckContext

    root = root.resolve()
    if config is None:
        config, _ = read_config(root, cache)  # its problems are reported when infc.yaml is parsed below
    front = front or load_front(root, cache, config)
    ctx = CheckContext(repo=front.repo, previous=previous or {})
    resolver = front.resolver()
    checked = workload_facts(front, resolver, ctx, cache)
    repository, repository_key = repository_stage(front, checked, ctx, cache)
    analysis = Analysis(root, config, front.docs, front.repo, checked.facts, [], ctx, resolver)
    analysis.diagnostics = apply_ignores(front.diagnostics + directory_findings(root, front.repo, config)
                                         + checked.all_findings + repository, config.ignore)
    analysis.checked, analysis.repository_findings = checked, repository
    analysis.repository_key = repository_key
    return analysis


def repository_stage(front: Front, checked: "Checked", ctx, cache) -> tuple[list[Diagnostic], str]:
    """The repository rules' findings, and the key they are cached under ("" without a cache).

    The rules read the shared documents, the documents of workloads that could not be
    resolved and what each workload's repository digest covers (demand, ports, names, the
    locations findings point at). An edit that leaves all of those as they were (a server
    argument, an environment variable, the model) takes the findings, and the node pool
    placement chose for each workload, from the cache instead of placing and admitting every
    workload again; the placement itself is simulated only if something asks for it."""
    from compiler.check import repository_diagnostics

    if not cache:
        return repository_diagnostics(checked.facts, ctx), ""
    from compiler.cache import digest
    from compiler.check.placement import placement_for

    resolved = {f.key for f in checked.facts}
    unresolved = sorted(repr(parsed.source) for (project, name), parsed in front.repo.workloads.items()
                        if f"{project}/{name}" not in resolved)
    key = digest("repository", front.shared, *unresolved, "resolved",
                 *(f"{f.key}|{f.repository_digest()}" for f in checked.facts))
    hit = cache.get("repository-findings", key)
    if hit is None:
        found = repository_diagnostics(checked.facts, ctx)
        placement = placement_for(checked.facts, ctx)
        hit = (found, {f.key: placement.pool_for(f.key) for f in checked.facts})
        cache.put("repository-findings", key, hit)
    ctx.pools = hit[1]
    return hit[0], key


@dataclass
class Checked:
    """The workload stage: each resolved workload's facts and own findings, in (project, name) order."""

    facts: list  # WorkloadFacts
    findings: list[list[Diagnostic]]  # of each resolved workload, beside its facts
    unresolved: list[Diagnostic]  # of the workloads that could not be resolved (a missing project...)

    @property
    def all_findings(self) -> list[Diagnostic]:
        return self.unresolved + [d for found in self.findings for d in found]


def workload_facts(front: Front, resolver, ctx, cache, keys: list | None = None) -> Checked:
    """Resolve, police and check each workload (of `keys`, or all) on its own, on every core
    when there are many; the facts and findings of one whose file and whose repository's other
    documents are unchanged come from the cache."""
    from compiler.cache import digest
    from compiler.parallel import map_ordered
    from compiler.resolve.policy import PolicyCache

    repo = front.repo
    keys = sorted(repo.workloads) if keys is None else keys
    sources = [repo.workloads[key].source for key in keys]
    memos = [digest(front.shared, file, content, str(index)) for file, content, index in sources] if cache else [""] * len(keys)
    hits = cache.get_many("workloads", memos) if cache else [None] * len(keys)
    misses = [i for i, hit in enumerate(hits) if hit is None]
    global _FORKED
    _FORKED = (resolver, PolicyCache(repo), ctx)
    try:
        checked = map_ordered(_check_workload, [keys[i] for i in misses])
    finally:
        _FORKED = ()
    unresolved: list[Diagnostic] = []
    for i, (facts, found) in zip(misses, checked):
        if facts is None:  # not memoised: a missing project or cluster is reported once for all
            unresolved.extend(found)
            continue
        hits[i] = (facts, found)
        if cache:
            cache.put("workloads", memos[i], hits[i])
    out = Checked([], [], list(dict.fromkeys(unresolved)))  # workers may each report the same missing cluster
    for hit in hits:
        if hit is not None:
            out.facts.append(hit[0].link(repo))
            out.findings.append(hit[1])
    return out


# What the forked workers of _workload_facts read (set just before they are forked).
_FORKED: tuple = ()


def _check_workload(key: tuple[str, str]) -> tuple:
    """(facts, findings) of one workload, or (None, findings) when it cannot be resolved."""
    from compiler.check import workload_diagnostics
    from compiler.check.facts import facts_of
    from compiler.resolve.policy import workload_policy_diagnostics

    resolver, policies, ctx = _FORKED
    found: list[Diagnostic] = []
    w = resolver.resolve(key, found)
    if w is None:
        return None, found
    found += workload_policy_diagnostics(w, policies)
    found += workload_diagnostics(w, ctx)
    return facts_of(w), found


def _shared_digest(docs: list) -> str:
    """What every workload's resolution and checks may read besides its own document: all the
    other kinds (policies, projects, assets, clusters, credentials, infc.yaml)."""
    from compiler.cache import digest

    from compiler.spec.parse import Parsed

    shared = (d.doc if isinstance(d, Parsed) else d for d in docs)  # not the DeferredParsed workloads
    return digest(*sorted({f"{d.file}|{d.digest}" for d in shared
                           if isinstance(d, Document) and d.kind != "InferenceWorkload"}))


def apply_ignores(diags: list[Diagnostic], ignore: list[str]) -> list[Diagnostic]:
    silenced = {c.upper() for c in ignore}
    return sort_diagnostics(d for d in diags if d.code not in silenced)
