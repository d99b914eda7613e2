"""A YAML document as plain data plus the position of every node in its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Location

Path = tuple  # a path into plain data: keys (str) and list indices (int)

_COLUMN_BITS = 24  # a position is packed into one int: line << 24 | column (files are < 8 MiB)


def pack(line: int, column: int) -> int:
    return (line << _COLUMN_BITS) | min(column, (1 << _COLUMN_BITS) - 1)


def unpack(position: int) -> tuple[int, int]:
    return position >> _COLUMN_BITS, position & ((1 << _COLUMN_BITS) - 1)


@dataclass
class Document:
    file: str  # relative to the repository root, '/'-separated
    index: int  # position of the document in its file, from 0
    data: Any
    # path -> packed (line, column) of the value node, and of the key for mapping entries;
    # 1-based. Packed ints and shared path tuples keep 10,000-document repositories small.
    positions: dict[Path, int] = field(default_factory=dict, repr=False)
    key_positions: dict[Path, int] = field(default_factory=dict, repr=False)
    digest: str = ""  # content hash of the file the document came from

    def loc(self, path: Path = ()) -> Location:
        """Location of the value at `path`, or of its nearest ancestor that exists."""
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        return Location(self.file, *unpack(self.positions.get(path, pack(1, 1))))

    def key_loc(self, path: Path) -> Location:
        """Location of the key of a mapping entry (for unknown fields); falls back to loc()."""
        path = tuple(path)
        if path in self.key_positions:
            return Location(self.file, *unpack(self.key_positions[path]))
        return self.loc(path)

    @property
    def kind(self) -> str | None:
        return self.data.get("kind") if isinstance(self.data, dict) else None

    @property
    def api_version(self) -> str | None:
        return self.data.get("apiVersion") if isinstance(self.data, dict) else None

    @property
    def name(self) -> str | None:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return meta.get("name") if isinstance(meta, dict) else None
