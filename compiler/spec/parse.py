"""Documents -> typed objects. Unknown fields, bad values, bad names and duplicates are collected."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Generic, Iterable, TypeVar

from pydantic import BaseModel, ValidationError

from compiler.diagnostics import Diagnostic, Location, did_you_mean
from compiler.load.document import Document
from compiler.spec import kinds as k
from compiler.spec.base import OBJECT_NAME

T = TypeVar("T", bound=BaseModel)


@dataclass
class Parsed(Generic[T]):
    obj: T
    doc: Document

    @property
    def name(self) -> str:
        return self.obj.metadata.name if self.obj.metadata else ""

    @property
    def source(self) -> tuple[str, str, int]:
        """(file, digest of the file's content, index of the document in it)."""
        return self.doc.file, self.doc.digest, self.doc.index

    def name_loc(self) -> Location:
        return self.doc.loc(("metadata", "name"))


@dataclass(frozen=True)
class WorkloadStub:
    """A workload document that an earlier run found valid in a file unchanged since."""

    file: str
    digest: str
    index: int
    project: str
    name: str
    name_at: Location


class DeferredParsed:
    """A Parsed workload from a stub: its document is loaded and validated on first use only
    (most runs never need it: the workload's facts and findings come from the cache)."""

    def __init__(self, stub: WorkloadStub, load: Callable[[WorkloadStub], Parsed]):
        self.stub = stub
        self._load = load
        self._parsed: Parsed | None = None

    @property
    def loaded(self) -> bool:
        return self._parsed is not None

    def _get(self) -> Parsed:
        if self._parsed is None:
            self._parsed = self._load(self.stub)
        return self._parsed

    @property
    def obj(self):
        return self._get().obj

    @obj.setter
    def obj(self, value) -> None:
        self._get().obj = value

    @property
    def doc(self) -> Document:
        return self._get().doc

    @property
    def name(self) -> str:
        return self.stub.name

    @property
    def source(self) -> tuple[str, str, int]:
        return self.stub.file, self.stub.digest, self.stub.index

    def name_loc(self) -> Location:
        return self.stub.name_at


@dataclass
class Repository:
    """All typed objects of one repository, by kind and name (workloads by project and name)."""

    config: Parsed[k.Config] | None = None
    clusters: dict[str, Parsed[k.Cluster]] = field(default_factory=dict)
    departments: dict[str, Parsed[k.Department]] = field(default_factory=dict)
    projects: dict[str, Parsed[k.Project]] = field(default_factory=dict)
    policies: dict[str, Parsed[k.Policy]] = field(default_factory=dict)
    environments: dict[str, Parsed[k.Environment]] = field(default_factory=dict)
    compute_resources: dict[str, Parsed[k.ComputeResource]] = field(default_factory=dict)
    data_sources: dict[str, Parsed[k.DataSource]] = field(default_factory=dict)
    credentials: dict[str, Parsed[k.Credential]] = field(default_factory=dict)
    templates: dict[str, Parsed[k.WorkloadTemplate]] = field(default_factory=dict)
    workloads: dict[tuple[str, str], Parsed[k.InferenceWorkload]] = field(default_factory=dict)


_TABLE = {
    "Cluster": "clusters", "Department": "departments", "Project": "projects", "Policy": "policies",
    "Environment": "environments", "ComputeResource": "compute_resources",
    "DataSource": "data_sources", "Credential": "credentials", "WorkloadTemplate": "templates",
}


def parse_documents(docs: Iterable[Document | Parsed | DeferredParsed]) -> tuple[Repository, list[Diagnostic]]:
    """Typed objects of the documents (in file order). Objects parsed by an earlier run
    (Parsed, DeferredParsed) are taken as they are; duplicates are found among all."""
    repo = Repository()
    diags: list[Diagnostic] = []
    for doc in docs:
        if isinstance(doc, DeferredParsed):
            _add_workload(repo, (doc.stub.project, doc.stub.name), doc, diags)
        elif isinstance(doc, Parsed):
            _add(repo, doc.obj.kind, doc, diags)
        else:
            parsed = _parse(doc, diags)
            if parsed is not None:
                _add(repo, parsed.obj.kind, parsed, diags)
    return repo, diags


def _parse(doc: Document, diags: list[Diagnostic]) -> Parsed | None:
    kind = _check_envelope(doc, diags)
    if kind is None:
        return None
    obj = validate_model(k.KINDS[kind], doc.data, doc, (), diags)
    if obj is None or (kind != "Config" and not _check_name(doc, diags)):
        return None
    return Parsed(obj, doc)


def _add(repo: Repository, kind: str, parsed: Parsed, diags: list[Diagnostic]) -> None:
    if kind == "Config":
        if repo.config is not None:
            diags.append(Diagnostic("IC004", "a second Config document", parsed.doc.loc(),
                                    hint=f"merge it into {repo.config.doc.file}: one Config per repository"))
        else:
            repo.config = parsed
    elif kind == "InferenceWorkload":
        _add_workload(repo, (parsed.obj.metadata.project, parsed.obj.metadata.name), parsed, diags)
    else:
        table = getattr(repo, _TABLE[kind])
        key = parsed.obj.metadata.name
        if key in table:
            diags.append(_duplicate(f"{kind} '{key}'", parsed, table[key]))
        else:
            table[key] = parsed


def _add_workload(repo: Repository, key: tuple[str, str], parsed, diags: list[Diagnostic]) -> None:
    first = repo.workloads.get(key)
    if first is not None:
        diags.append(_duplicate(f"workload '{key[1]}' in project '{key[0]}'", parsed, first))
    else:
        repo.workloads[key] = parsed


def _duplicate(what: str, parsed, first) -> Diagnostic:
    at = first.name_loc()
    return Diagnostic("IC004", f"duplicate {what}", parsed.name_loc(),
                      hint=f"first defined at {at}; rename one of them", related=(at,))


def _check_envelope(doc: Document, diags: list[Diagnostic]) -> str | None:
    data = doc.data
    if not isinstance(data, dict):
        diags.append(Diagnostic("IC003", "document is not a mapping with apiVersion and kind", doc.loc(),
                                hint="every document starts with 'apiVersion: infc/v1' and a 'kind'"))
        return None
    api, kind = data.get("apiVersion"), data.get("kind")
    if api != k.API_VERSION:
        shown = f"'{api}'" if api is not None else "missing"
        diags.append(Diagnostic("IC003", f"apiVersion {shown} is not infc/v1", doc.loc(("apiVersion",)),
                                hint="infc reads only 'apiVersion: infc/v1' documents; move other YAML out of"
                                     " the repository or into a dot-directory"))
        return None
    if not isinstance(kind, str) or kind not in k.KINDS:
        suggestion = did_you_mean(str(kind), k.KINDS)
        diags.append(Diagnostic("IC003", f"unknown kind '{kind}'", doc.loc(("kind",)),
                                hint=suggestion or f"kinds: {', '.join(k.KINDS)}"))
        return None
    return kind


def _check_name(doc: Document, diags: list[Diagnostic]) -> bool:
    name = doc.name
    if isinstance(name, str) and len(name) <= 63 and OBJECT_NAME.match(name):
        return True
    diags.append(Diagnostic(
        "IC201", f"invalid name '{name}'", doc.loc(("metadata", "name")),
        hint="names are DNS-1123 labels: at most 63 lowercase letters, digits and '-', starting with a"
             " letter and ending with a letter or digit"))
    return False


def validate_model(model: type[T], data: Any, doc: Document, prefix: tuple,
                   diags: list[Diagnostic]) -> T | None:
    """Validate `data` (found at `prefix` inside `doc`) into `model`, turning errors into diagnostics."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        diags.extend(pydantic_diagnostics(exc, model, lambda path: doc.loc(prefix + path),
                                          lambda path: doc.key_loc(prefix + path)))
        return None


def pydantic_diagnostics(exc: ValidationError, model: type[BaseModel], loc_of, key_loc_of) -> list[Diagnostic]:
    out = []
    refused: dict[tuple, tuple[int, list[str]]] = {}  # path -> (its finding in out, why it was refused)
    for err in exc.errors(include_url=False):
        path = _clean_loc(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            field_name = str(path[-1])
            allowed = _fields_at(model, path[:-1])
            suggestion = did_you_mean(field_name, allowed)
            hint = suggestion or (f"allowed here: {', '.join(sorted(allowed))}" if allowed else "remove it")
            out.append(Diagnostic("IC006", f"unknown field '{_dotted(path)}'", key_loc_of(path), hint=hint))
        elif kind == "missing":
            out.append(Diagnostic("IC007", f"missing required field '{_dotted(path)}'", loc_of(path[:-1]),
                                  hint=f"add '{path[-1]}'"))
        else:
            value = err.get("input")
            shown = "" if isinstance(value, (dict, list)) else f" ({_short(value)})"
            message = err["msg"].removeprefix("Value error, ")
            if path not in refused:
                refused[path] = (len(out), [message])
                out.append(Diagnostic("IC007", f"invalid value for '{_dotted(path)}'{shown}: {message}",
                                      loc_of(path), hint=_hint_for(kind, err)))
            else:  # each member of a union (`str | int | float | bool`) refused it: one finding, not four
                index, messages = refused[path]
                messages.append(message)
                out[index] = replace(out[index], message=f"invalid value for '{_dotted(path)}'{shown}: "
                                                         f"{_either(messages)}", hint="write one of these")
    return out


def _either(messages: list[str]) -> str:
    """'Input should be a valid boolean', '... integer' -> 'Input should be a valid boolean or integer'."""
    prefix = "Input should be a valid "
    if all(m.startswith(prefix) for m in messages):
        kinds = [m.removeprefix(prefix) for m in messages]
        return prefix + ", ".join(kinds[:-1]) + " or " + kinds[-1]
    return "; or ".join(messages)


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union/validator markers ('str', 'function-before[...]')."""
    known = ("str", "int", "float", "bool", "list[int]", "list[str]", "dict[str,any]")
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p and "]" in p and "-" in p or p in known)))


def _dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(document)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _hint_for(kind: str, err: dict) -> str:
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"allowed values: {ctx.get('expected', '')}"
    if kind.startswith(("int_", "float_")) or kind in ("int_parsing", "float_parsing"):
        return "write a number"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "use a value within the allowed range"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern', '')}"
    if kind.startswith("string"):
        return "write a string (quote it)"
    if kind.startswith("list"):
        return "write a list (- item)"
    if kind.startswith(("dict", "model")):
        return "write a mapping (key: value)"
    return "see the field reference in the README"


def _fields_at(model: type[BaseModel], path: tuple) -> list[str]:
    """Field names of the sub-model reached by `path`, for did-you-mean."""
    import typing

    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_in(info.annotation, typing)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any, typing: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg, typing)
        if found is not None:
            return found
    return None
