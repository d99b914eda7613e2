"""IC302 / IC303 / IC304 (and IC008 for a missing Credential): credentials and their uses.

- IC302 (warning): a model of a gated family downloaded without a credential;
- IC303: huggingFace.credential is a genericSecret holding HF_TOKEN; imagePullSecrets
  come from dockerRegistry or ngcApiKey credentials; an env `credential:` key is one of
  the credential's keys;
- IC304: a Docker Hub credential must name `https://index.docker.io/v1/` (Knative's digest
  resolution gets 401 with `docker.io`).
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import urlparse

from compiler.check.common import items
from compiler.check.registry import repository_rule, workload_rule
from compiler.diagnostics import Diagnostic, did_you_mean, missing_hint

# Hugging Face organisations / repository prefixes whose models need an accepted licence.
GATED_PREFIXES = (
    "meta-llama/", "mistralai/", "google/gemma", "google/codegemma", "google/paligemma",
    "google/recurrentgemma", "google/medgemma", "google/shieldgemma", "cohereforai/", "coherelabs/",
    "bigcode/starcoder", "tiiuae/falcon-180b", "stabilityai/stable-code",
)
DOCKER_HUB_HOSTS = {"docker.io", "index.docker.io", "registry-1.docker.io", "www.docker.io",
                    "registry.hub.docker.com", "hub.docker.com"}
DOCKER_HUB_URL = "https://index.docker.io/v1/"


def is_gated(model: str) -> bool:
    lowered = model.lower()
    return any(lowered.startswith(p) for p in GATED_PREFIXES)


def _missing(creds: dict, name: str, where) -> Diagnostic:
    return Diagnostic("IC008", f"Credential '{name}' does not exist", where, hint=missing_hint("Credential", name, creds))


def _hf_token_from_env(spec) -> bool:
    for _, env in items(spec.environmentVariables):
        if env.name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN") and (env.secret or env.credential or env.userCredential):
            return True
    return False


@workload_rule
def gated_model(w, ctx) -> Iterable[Diagnostic]:
    hf = w.spec.huggingFace
    if not hf or not hf.model or hf.credential or hf.token or _hf_token_from_env(w.spec):
        return
    if is_gated(hf.model):
        yield Diagnostic(
            "IC302", f"model '{hf.model}' is gated on Hugging Face but no credential is given: the download"
                     f" will fail with 401/403",
            w.loc("huggingFace", "model"),
            hint="accept the model's licence on huggingface.co, create a Secret holding HF_TOKEN, describe it"
                 " with a Credential (genericSecret, keys [HF_TOKEN]) and set huggingFace.credential")


@workload_rule
def credential_uses(w, ctx) -> Iterable[Diagnostic]:
    creds = ctx.repo.credentials
    spec = w.spec
    hf = spec.huggingFace
    if hf and hf.credential:
        where = w.loc("huggingFace", "credential")
        cred = creds.get(hf.credential)
        if cred is None:
            yield _missing(creds, hf.credential, where)
        else:
            c = cred.obj.spec
            if c.type != "genericSecret":
                yield Diagnostic(
                    "IC303", f"huggingFace.credential '{hf.credential}' is a {c.type} credential; the Hugging"
                             f" Face token needs a genericSecret", where,
                    hint="reference a Credential of type genericSecret whose Secret holds the key HF_TOKEN",
                    related=(cred.doc.loc(("spec", "type")),))
            elif c.keys and "HF_TOKEN" not in c.keys:
                yield Diagnostic(
                    "IC303", f"huggingFace.credential '{hf.credential}' has no key HF_TOKEN"
                             f" (keys: {', '.join(c.keys)})", where,
                    hint="store the token under the key HF_TOKEN in the Secret and list it in the Credential's keys",
                    related=(cred.doc.loc(("spec", "keys")),))
    for i, ips in items(spec.imagePullSecrets):
        if not ips.credential:
            continue
        where = w.loc("imagePullSecrets", i, "credential")
        cred = creds.get(ips.credential)
        if cred is None:
            yield _missing(creds, ips.credential, where)
        elif cred.obj.spec.type not in ("dockerRegistry", "ngcApiKey"):
            yield Diagnostic(
                "IC303", f"imagePullSecrets '{ips.name}' uses credential '{ips.credential}' of type"
                         f" {cred.obj.spec.type}; image pulls need dockerRegistry or ngcApiKey", where,
                hint="reference a dockerRegistry (or ngcApiKey) Credential",
                related=(cred.doc.loc(("spec", "type")),))
    for i, env in items(spec.environmentVariables):
        ref = env.credential or env.userCredential
        if ref is None:
            continue
        field = "credential" if env.credential else "userCredential"
        cred = creds.get(ref.name)
        if cred is None:
            yield _missing(creds, ref.name, w.loc("environmentVariables", i, field, "name"))
            continue
        c = cred.obj.spec
        if c.type == "dockerRegistry":
            yield Diagnostic(
                "IC303", f"environment variable '{env.name}' reads dockerRegistry credential '{ref.name}';"
                         f" only genericSecret and ngcApiKey credentials hold values for env",
                w.loc("environmentVariables", i, field, "name"),
                hint="reference a genericSecret Credential", related=(cred.doc.loc(("spec", "type")),))
        elif c.keys and ref.key not in c.keys:
            suggestion = did_you_mean(ref.key, c.keys)
            yield Diagnostic(
                "IC303", f"environment variable '{env.name}' reads key '{ref.key}', which credential"
                         f" '{ref.name}' does not have", w.loc("environmentVariables", i, field, "key"),
                hint=(suggestion + " " if suggestion else "") + f"keys of '{ref.name}': {', '.join(c.keys)}",
                related=(cred.doc.loc(("spec", "keys")),))


def docker_hub_misspelled(registry: str) -> bool:
    text = registry.strip()
    parsed = urlparse(text if "://" in text else "https://" + text)
    host = (parsed.hostname or "").lower()
    if host not in DOCKER_HUB_HOSTS:
        return False
    return not (host == "index.docker.io" and parsed.path.rstrip("/") == "/v1" and parsed.scheme == "https")


@repository_rule
def docker_hub_registry(workloads, ctx) -> Iterable[Diagnostic]:
    for name, cred in sorted(ctx.repo.credentials.items()):
        c = cred.obj.spec
        if c.type == "dockerRegistry" and c.registry and docker_hub_misspelled(c.registry):
            yield Diagnostic(
                "IC304", f"Docker Hub credential '{name}' names registry '{c.registry}': Knative's image digest"
                         f" resolution gets 401 Unauthorized with it",
                cred.doc.loc(("spec", "registry")),
                hint=f"set registry: {DOCKER_HUB_URL} (and create the Secret for that server)")
