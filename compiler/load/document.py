"""A YAML document as plain data plus the position of every node in its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Location

Path = tuple  # a path into plain data: keys (str) and list indices (int)


@dataclass
class Document:
    file: str  # relative to the repository root, '/'-separated
    index: int  # position of the document in its file, from 0
    data: Any
    # path -> (line, column) of the value node, and of the key for mapping entries; 1-based.
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict, repr=False)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict, repr=False)
    digest: str = ""  # content hash of the file the document came from

    def loc(self, path: Path = ()) -> Location:
        """Location of the value at `path`, or of its nearest ancestor that exists."""
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        line, col = self.positions.get(path, (1, 1))
        return Location(self.file, line, col)

    def key_loc(self, path: Path) -> Location:
        """Location of the key of a mapping entry (for unknown fields); falls back to loc()."""
        path = tuple(path)
        if path in self.key_positions:
            line, col = self.key_positions[path]
            return Location(self.file, line, col)
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
