"""The one direction of flow: load -> parse -> resolve -> check (-> render -> validate -> write).

Each stage returns its value plus diagnostics; nothing here formats output or touches
the output tree (compiler/output does, from the Build this module returns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, sort_diagnostics
from compiler.load.document import Document
from compiler.spec import kinds as k
from compiler.spec.parse import Parsed, Repository


@dataclass
class Analysis:
    root: Path
    config: k.ConfigSpec
    documents: list[Document]
    repo: Repository
    workloads: list = field(default_factory=list)  # EffectiveWorkload
    diagnostics: list[Diagnostic] = field(default_factory=list)
    placement: object = None  # compiler.check.placement.Placement, from the checks

    @property
    def output_dir(self) -> Path:
        return (self.root / self.config.output).resolve()

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def find_root(start: Path) -> Path:
    """The repository root: `start` itself, or the nearest ancestor holding infc.yaml."""
    start = start.resolve()
    for directory in [start, *start.parents]:
        if (directory / "infc.yaml").is_file():
            return directory
    return start


def load_documents(root: Path, exclude: list[Path], cache=None) -> tuple[list[Document], list[Diagnostic]]:
    """Every input document, in file order; files seen before come from the cache, the others
    are parsed (on every core when there are many)."""
    from compiler.load.discover import discover
    from compiler.load.yamlfile import content_digest
    from compiler.parallel import map_ordered

    files, diags = discover(root, exclude)
    results: list = []
    misses: list[tuple[int, bytes, str, str]] = []
    keys: list[str] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            diags.append(Diagnostic("IC001", f"cannot read file: {exc.strerror}", Location(rel),
                                    hint="check the file's permissions"))
            continue
        digest = content_digest(raw)
        key = f"{rel}|{digest}"
        hit = cache.get("documents", key) if cache else None
        if hit is None:
            misses.append((len(results), raw, rel, digest))
        results.append(hit)
        keys.append(key)
    for (index, *_), parsed in zip(misses, map_ordered(_parse_file, [item[1:] for item in misses])):
        results[index] = parsed
        if cache:
            cache.put("documents", keys[index], parsed)
    docs: list[Document] = []
    for file_docs, file_diags in results:
        docs.extend(file_docs)
        diags.extend(file_diags)
    return docs, diags


def _parse_file(item: tuple[bytes, str, str]):
    from compiler.load.yamlfile import parse_yaml

    return parse_yaml(*item)


def read_config(root: Path) -> tuple[k.ConfigSpec, list[Diagnostic]]:
    """infc.yaml is read first: it names the output directory, which loading must skip."""
    from compiler.load.yamlfile import parse_yaml
    from compiler.spec.parse import validate_model

    path = root / "infc.yaml"
    if not path.is_file():
        return k.ConfigSpec(), []
    docs, diags = parse_yaml(path.read_bytes(), "infc.yaml")
    for doc in docs:
        if isinstance(doc.data, dict) and doc.data.get("kind") == "Config":
            cfg = validate_model(k.Config, doc.data, doc, (), diags)
            if cfg is not None:
                return cfg.spec, diags
    return k.ConfigSpec(), diags


def baseline_policy():
    """The built-in baseline Policy shipped in the package (policies/baseline.yaml)."""
    from compiler.load.yamlfile import parse_yaml
    from compiler.resolve.effective import Baseline
    from compiler.resources import data_dir

    raw = (data_dir("policies") / "baseline.yaml").read_bytes()
    docs, _ = parse_yaml(raw, "<infc>/policies/baseline.yaml")
    pol = k.Policy.model_validate(docs[0].data)
    return Baseline(Parsed(pol, docs[0]))


def analyse(root: Path, previous: dict | None = None, cache=None, config: k.ConfigSpec | None = None) -> Analysis:
    """Load, parse, resolve and check a repository. Never raises on bad input."""
    from compiler.check import CheckContext, run_checks
    from compiler.resolve.effective import resolve_workloads
    from compiler.spec.parse import parse_documents

    root = root.resolve()
    if config is None:
        config, _ = read_config(root)  # its problems are reported when infc.yaml is parsed below
    output = (root / config.output).resolve()
    docs, diags = load_documents(root, [output], cache)
    repo, parse_diags = parse_documents(docs)
    diags.extend(parse_diags)
    workloads, resolve_diags = resolve_workloads(repo, baseline_policy())
    diags.extend(resolve_diags)
    from compiler.resolve.policy import enforce_policies

    diags.extend(enforce_policies(workloads, repo))
    ctx = CheckContext(repo=repo, previous=previous or {})
    diags.extend(run_checks(workloads, ctx))
    analysis = Analysis(root, config, docs, repo, workloads, [], ctx.placement)
    analysis.diagnostics = apply_ignores(diags, config.ignore)
    return analysis


def apply_ignores(diags: list[Diagnostic], ignore: list[str]) -> list[Diagnostic]:
    silenced = {c.upper() for c in ignore}
    return sort_diagnostics(d for d in diags if d.code not in silenced)
