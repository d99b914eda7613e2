"""`infc check FILES` in the editor loop: the input files are found and their digests taken by
a forked child while this process imports what a check needs (about 0.1 s of one core). In a
repository of 10,000 workloads, stat-ing every file takes about as long, and on a second core
it costs the check nothing.

The child cannot read infc.yaml (that needs the imports it runs beside), so it excludes the
output directory the last run excluded. The caller compares that with infc.yaml's and reads
the inputs itself when it differs, when the platform cannot fork, or when the child failed.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from compiler.file_digests import store
from compiler.load.inputs import Inputs

_LAST_OUTPUT = ("early-scan", "output")  # cache table and key: the output directory last excluded


class EarlyScan:
    def __init__(self, root: Path):
        self._pid = self._fd = None
        if not hasattr(os, "fork"):
            return
        from compiler.cache import Cache

        cache = Cache(root)
        if not cache.enabled:
            return  # without a cache every digest is a read: nothing to win
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as out:
                    out.write(_scan(root, cache))
                code = 0
            finally:
                os._exit(code)  # no exit handlers, no flushing of the parent's buffers
        os.close(write_end)
        self._pid, self._fd = pid, read_end

    def inputs(self, cache, output: Path) -> Inputs | None:
        """What the child found, if it excluded `output`; the file digests it recorded go to `cache`."""
        if self._pid is None:
            return None
        with os.fdopen(self._fd, "rb") as result:
            data = result.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if status != 0:
            return None
        excluded, inputs, record = pickle.loads(data)
        if excluded != str(output):
            return None
        store(cache, "inputs", record)
        return inputs


def remember_output(cache, output: Path) -> None:
    """The output directory the next early scan excludes."""
    if cache.get(*_LAST_OUTPUT) != str(output):
        cache.put(*_LAST_OUTPUT, str(output))


def _scan(root: Path, cache) -> bytes:
    from compiler.file_digests import FileDigests
    from compiler.load.inputs import scan_inputs

    output = cache.get(*_LAST_OUTPUT) or str((root / "deploy").resolve())  # (infc.yaml's default)
    digests = FileDigests.cached(cache, "inputs")
    inputs = scan_inputs(root, Path(output), digests)
    return pickle.dumps((output, inputs, digests.current if digests.changed else None),
                        protocol=pickle.HIGHEST_PROTOCOL)
