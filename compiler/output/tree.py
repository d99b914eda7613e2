"""The output tree a compile produces: relative path -> bytes, some of them not loaded yet.

A recompile after one edit renders one workload; the files of the other ten thousand are in
the cache. Loading them all only to find them equal to the files on disk cost more than
everything else the recompile does. So a workload's files whose render came from the cache
stay there until something reads them, and every workload file carries a token: the render's
cache key and the revision number, which together determine its bytes exactly (the cache is
per version of infc). write_tree takes a file whose status and token are those recorded when
it was last compared as unchanged, without loading or hashing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping


class OutputTree(Mapping):
    """`files`: what is loaded; `deferred`: path -> what `load` needs to produce its bytes;
    `tokens`: path -> what determines the bytes of a workload's file; `load(refs)`: the
    bytes of each of the deferred `refs`, in order."""

    def __init__(self, files: dict[str, bytes], deferred: dict[str, object] | None = None,
                 tokens: dict[str, str] | None = None, load: Callable[[list], list[bytes]] | None = None):
        self._files = files
        self._deferred = deferred or {}
        self._tokens = tokens or {}
        self._load = load
        self._paths = sorted(files.keys() | self._deferred.keys())

    def token(self, rel: str) -> str | None:
        return self._tokens.get(rel)

    def prefetch(self, paths: Iterable[str]) -> None:
        """Load the deferred ones among `paths`, all at once."""
        wanted = [rel for rel in paths if rel in self._deferred]
        if wanted:
            for rel, content in zip(wanted, self._load([self._deferred[rel] for rel in wanted])):
                self._files[rel] = content
                del self._deferred[rel]

    def __getitem__(self, rel: str) -> bytes:
        if rel in self._deferred:
            self.prefetch([rel])
        return self._files[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, rel: object) -> bool:
        return rel in self._files or rel in self._deferred

    def items(self):
        self.prefetch(list(self._deferred))
        return [(rel, self._files[rel]) for rel in self._paths]

    def values(self):
        return [content for _, content in self.items()]
