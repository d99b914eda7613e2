"""Where infc keeps its own files: the cache, and the socket of a resident `infc serve`.

Light on purpose (os.path, not pathlib): the `infc` launcher reads it on every run
(compiler/launch.py).
"""

from __future__ import annotations

import os
import sys
import zlib

# AF_UNIX paths are limited to 104 bytes on macOS and 108 on Linux, terminator included.
SOCKET_PATH_MAX = 103


def cache_dir() -> str:
    if os.environ.get("INFC_CACHE_DIR"):
        return os.environ["INFC_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "infc")


def server_socket() -> str:
    """The socket of this installation's server: one per interpreter and infc package, so
    that two virtual environments never hand each other a run."""
    package = os.path.dirname(os.path.abspath(__file__))
    installation = f"{sys.prefix}\0{package}".encode("utf-8", "surrogateescape")
    return os.path.join(cache_dir(), f"serve-{zlib.crc32(installation):08x}.sock")
