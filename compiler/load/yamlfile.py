"""Parse YAML text into Documents with exact positions, YAML 1.2, and hard limits.

ruamel.yaml's C parser composes the node graph (with start marks); a small builder turns
nodes into plain data. Building ourselves lets us report duplicate keys, bound alias
expansion and depth, and flag YAML 1.2 pitfalls such as `0644` (decimal 644 in YAML 1.2,
octal for Kubernetes) without a second pass.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.compat import _DEFAULT_YAML_VERSION
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from compiler.diagnostics import Diagnostic, Location
from compiler.file_digests import content_digest
from compiler.load.document import Document, pack, unpack
from compiler.plain_tags import RememberedTags

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000  # per document, counting alias expansions
MAX_INT = 2**63 - 1


class _Resolver(RememberedTags, VersionedResolver):
    """ruamel's YAML 1.2 resolver, minus its costs per scalar: looking up the YAML version
    (with the C parser it never sees a %YAML directive: the version is always the default,
    found through a caught AttributeError each time), and matching a plain scalar seen
    before again (compiler/plain_tags.py; its Tag object is shared as well)."""

    scalar_kind = ScalarNode
    remembered: dict = {}

    @property
    def processing_version(self) -> Any:
        return _DEFAULT_YAML_VERSION


_yaml = YAML(typ="safe", pure=False)
_yaml.Resolver = _Resolver

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


# Documents of one repository share most of their paths: keep one tuple per distinct path.
_PATHS: dict[tuple, tuple] = {}


def _shared(path: tuple) -> tuple:
    return _PATHS.setdefault(path, path)


class _Limit(Exception):
    def __init__(self, message: str, node: Node, hint: str):
        super().__init__(message)
        self.node = node
        self.hint = hint


class Builder:
    """ruamel.yaml's nodes -> plain data, with positions, limits and duplicate keys reported."""

    def __init__(self, file: str):
        self.file = file
        self.positions: dict[tuple, tuple[int, int]] = {}
        self.key_positions: dict[tuple, tuple[int, int]] = {}
        self.diags: list[Diagnostic] = []
        self.count = 0

    def loc(self, node: Node) -> Location:
        m = node.start_mark
        return Location(self.file, m.line + 1, m.column + 1)

    def build(self, node: Node, path: tuple, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Limit(f"document expands to more than {MAX_NODES} nodes (alias bomb?)", node,
                         "simplify the document; anchors may not expand this much")
        if depth > MAX_DEPTH:
            raise _Limit(f"document is nested deeper than {MAX_DEPTH} levels", node,
                         f"flatten the document: no infc object nests anywhere near {MAX_DEPTH} levels")
        # Inside an alias expansion positions point at the anchor; keep the first one seen.
        if path not in self.positions:
            m = node.start_mark
            self.positions[_shared(path)] = pack(m.line + 1, m.column + 1)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        return None  # pragma: no cover - every node kind is handled above

    def mapping(self, node: MappingNode, path: tuple, depth: int) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.build(value_node, path, depth + 1)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            out.setdefault(k, v)
                continue
            key = self.build(key_node, path + ("<key>",), depth + 1)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                self.diags.append(Diagnostic(
                    "IC007", "mapping keys must be plain scalars", self.loc(key_node),
                    hint="use a string key"))
                continue
            key = self.key_text(key)
            if key in out:
                self.diags.append(Diagnostic(
                    "IC002", f"duplicate key '{key}'", self.loc(key_node),
                    hint=f"'{key}' is already set at line {unpack(self.key_positions[path + (key,)])[0]};"
                         " remove one of them (YAML keeps only the last, silently)"))
                continue
            m = key_node.start_mark
            self.key_positions[_shared(path + (key,))] = pack(m.line + 1, m.column + 1)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        self.positions.pop(path + ("<key>",), None)
        return out

    def key_text(self, key: str | int | float | bool) -> str:
        return key if isinstance(key, str) else str(key)

    def too_large(self, node: ScalarNode) -> None:
        value = node.value
        self.diags.append(Diagnostic(
            "IC007", f"integer {value[:30]}{'...' if len(value) > 30 else ''} is too large",
            self.loc(node), hint="integers must fit in 64 bits"))
        return None  # treated as unset, so no second error follows from it

    def scalar(self, node: ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == _STR or node.style:  # quoted or block scalars are strings
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _INT:
            text = value.replace("_", "")
            sign = -1 if text.startswith("-") else 1
            digits = text.lstrip("+-")
            if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
                self.diags.append(Diagnostic(
                    "IC007", f"'{value}' has a leading zero: YAML 1.2 reads it as decimal"
                    f" {int(digits)}, Kubernetes tools as octal", self.loc(node),
                    hint=f"quote it ('{value}') for a file mode, or drop the zero"))
            try:
                if digits.startswith(("0x", "0X")):
                    number = sign * int(digits[2:], 16)
                elif digits.startswith(("0o", "0O")):
                    number = sign * int(digits[2:], 8)
                elif digits.startswith(("0b", "0B")):
                    number = sign * int(digits[2:], 2)
                else:
                    number = sign * int(digits, 10)
            except ValueError:
                return value
            if abs(number) > MAX_INT:
                return self.too_large(node)
            return number
        if tag == _FLOAT:
            text = value.replace("_", "").lower()
            try:
                return float(text.replace(".inf", "inf").replace(".nan", "nan"))
            except ValueError:
                return value
        return value  # unknown local tags (!foo) keep their text


# Byte order marks of the encodings YAML allows besides UTF-8: named, so the fix is plain.
# (UTF-32 LE first: its mark begins with UTF-16 LE's.)
_OTHER_UNICODE = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                  (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def parse_yaml(raw: bytes, file: str, digest: str | None = None, *, loader: YAML = _yaml,
               builder_type: type[Builder] = Builder) -> tuple[list[Document], list[Diagnostic]]:
    """Parse one file's bytes. Never raises: every problem is a Diagnostic. `loader` and `builder_type`
    may read plain scalars another way (compiler/validate/manifest_yaml.py: as Kubernetes does)."""
    start = Location(file, 1, 1)
    if len(raw) > MAX_FILE_BYTES:
        return [], [Diagnostic("IC005", f"file is {len(raw)} bytes, over the {MAX_FILE_BYTES}-byte limit",
                               start, hint="split it into several files")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        for mark, encoding in _OTHER_UNICODE:
            if raw.startswith(mark):
                return [], [Diagnostic("IC001", f"file is {encoding} text, not UTF-8", start,
                                       hint="save it as UTF-8 (Windows PowerShell's `>` and Out-File write UTF-16)")]
        line_start = raw.rfind(b"\n", 0, exc.start) + 1  # the bytes before exc.start are valid UTF-8
        at = Location(file, raw.count(b"\n", 0, exc.start) + 1, len(raw[line_start:exc.start].decode()) + 1)
        return [], [Diagnostic("IC001", f"file is not UTF-8 text (byte {exc.start})", at,
                               hint="save the file as UTF-8, or move binary files out of the repository")]
    if (nul := text.find("\x00")) >= 0:
        at = Location(file, text.count("\n", 0, nul) + 1, nul - text.rfind("\n", 0, nul))
        return [], [Diagnostic("IC001", "file contains NUL bytes (binary file?)", at,
                               hint="move binary files out of the repository")]
    digest = digest or content_digest(raw)
    docs: list[Document] = []
    diags: list[Diagnostic] = []
    try:
        for index, node in enumerate(loader.compose_all(text)):
            if node is None:
                continue
            builder = builder_type(file)
            try:
                data = builder.build(node, (), 0)
            except _Limit as exc:
                diags.append(Diagnostic("IC005", str(exc), builder.loc(exc.node), hint=exc.hint))
                continue
            except RecursionError:
                diags.append(Diagnostic("IC005", "document is nested too deeply", builder.loc(node),
                                        hint=f"keep nesting under {MAX_DEPTH} levels"))
                continue
            diags.extend(builder.diags)
            if data is None:
                continue
            docs.append(Document(file, index, data, builder.positions, builder.key_positions, digest))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else start
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        diags.append(Diagnostic("IC001", f"YAML syntax error: {problem}", loc,
                                hint=_syntax_hint(problem)))
    except (YAMLError, RecursionError, ValueError) as exc:
        diags.append(Diagnostic("IC001", f"YAML syntax error: {str(exc).splitlines()[0][:200]}", start,
                                hint="check indentation and quoting"))
    return docs, diags


def _syntax_hint(problem: str) -> str:
    if "tab" in problem:
        return "YAML indentation must use spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, or the indentation is off"
    if "found undefined alias" in problem:
        return "define the anchor (&name) before using the alias (*name)"
    return "check indentation, quoting and brackets around this point"
