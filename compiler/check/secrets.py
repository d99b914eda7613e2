"""IC301 / IC305: literal secrets in the input.

IC301 scans every string value of every input document (workloads, assets, templates,
policies, org and cluster documents) for the shapes of well-known tokens and keys, and
refuses any `huggingFace.token`. Neither the message nor the hint ever repeats the value:
they say which kind of secret was found and where.

IC305 (warning) flags an environment variable whose name looks sensitive but whose value
is written in the repository instead of referenced from a Secret or Credential.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from compiler.check.common import items
from compiler.check.registry import repository_rule, workload_rule
from compiler.diagnostics import Diagnostic
from compiler.secret_shapes import secret_kind

SECRET_HINT = ("remove it from the repository (and revoke it: it is in the git history), create a Kubernetes"
               " Secret holding it, describe that Secret with a Credential and reference the Credential")
HF_TOKEN_HINT = ("create a Secret holding HF_TOKEN and reference it with huggingFace.credential (a Credential of"
                 " type genericSecret, keys [HF_TOKEN]); revoke the token, it is in the git history")

# Name segments (split on '_', '-', '.') that mark a variable as holding a secret.
SENSITIVE_WORDS = {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "APIKEY"}
SENSITIVE_PAIRS = {("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("SECRET", "KEY"), ("AUTH", "KEY"),
                   ("CLIENT", "SECRET"), ("SIGNING", "KEY"), ("ENCRYPTION", "KEY")}


def redact(value: Any) -> Any:
    """`value` with every string that holds a secret shape replaced by '****' (for display)."""
    if isinstance(value, str):
        return "****" if secret_kind(value) else value
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    return value


def looks_sensitive(name: str) -> bool:
    words = [p for p in re.split(r"[_.\-]", name.upper()) if p]
    if any(word in SENSITIVE_WORDS for word in words):
        return True
    return any(pair in SENSITIVE_PAIRS for pair in zip(words, words[1:]))


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (i,))
    else:
        yield path, node


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out


def _documents(repo, resolved: set[str]) -> Iterator[tuple[Any, str]]:
    """(document, subject) for every parsed document of the repository but the workloads in
    `resolved` (scanned with their workload, and cached with it)."""
    if repo.config is not None:
        yield repo.config.doc, ""
    for table in (repo.clusters, repo.departments, repo.projects, repo.policies, repo.environments,
                  repo.compute_resources, repo.data_sources, repo.credentials, repo.templates):
        for _, parsed in sorted(table.items()):
            yield parsed.doc, ""
    for (project, name), parsed in sorted(repo.workloads.items()):
        if f"{project}/{name}" not in resolved:
            yield parsed.doc, f"{project}/{name}"


@repository_rule
def literal_secrets(workloads, ctx) -> Iterable[Diagnostic]:
    resolved = {w.key for w in workloads}
    for doc, subject in _documents(ctx.repo, resolved):
        yield from _document_secrets(doc, subject)


@workload_rule
def workload_literal_secrets(w, ctx) -> Iterable[Diagnostic]:
    return _document_secrets(w.doc, w.key)


def _document_secrets(doc, subject: str) -> Iterator[Diagnostic]:
    what = f"{doc.kind} '{doc.name}'" if doc.name else str(doc.kind)
    for path, value in _walk(doc.data):
        if len(path) >= 2 and path[-2:] == ("huggingFace", "token") and value not in (None, ""):
            yield Diagnostic(
                "IC301", f"literal Hugging Face token in {what} at {_dotted(path)}",
                doc.loc(path), hint=HF_TOKEN_HINT, subject=subject)
            continue
        if not isinstance(value, str):
            continue
        kind = secret_kind(value)
        if kind:
            yield Diagnostic(
                "IC301", f"literal {kind} in {what} at {_dotted(path)}", doc.loc(path),
                hint=SECRET_HINT, subject=subject)


@workload_rule
def sensitive_env_literals(w, ctx) -> Iterable[Diagnostic]:
    for i, env in items(w.spec.environmentVariables):
        if env.value is None or env.value == "" or not looks_sensitive(env.name):
            continue
        if isinstance(env.value, str) and secret_kind(env.value):
            continue  # already an IC301 error
        yield Diagnostic(
            "IC305", f"environment variable '{env.name}' looks sensitive but has a literal value",
            w.loc("environmentVariables", i, "value"),
            hint="keep secrets out of git: put the value in a Kubernetes Secret and use"
                 f" {{name: {env.name}, secret: {{name: <secret>, key: <key>}}}} or a Credential reference")
