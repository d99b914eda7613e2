"""Container rules: image, names, env, envFrom, securityContext (knative-rules.md §7, §8)."""

from __future__ import annotations

import re

from compiler.validate.admission.podspec import INT32_MAX, is_set
from compiler.validate.features import flag_hint
from compiler.validate.paths import JsonPath

RESERVED_CONTAINER_NAMES = ("queue-proxy",)
RESERVED_ENV = {"serving": ("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"),
                "sidecar": ("K_SERVICE", "K_CONFIGURATION", "K_REVISION"),
                "init": ("K_SERVICE", "K_CONFIGURATION", "K_REVISION")}
TERMINATION_MESSAGE_POLICIES = ("", "File", "FallbackToLogsOnError")

_REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]+)?\Z")
_REPOSITORY = re.compile(r"^[a-z0-9_./-]+\Z")
_TAG = re.compile(r"^[\w][\w.-]{0,127}\Z")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}\Z")


def image_problem(image: str) -> str | None:
    """Why `image` is not an image reference (go-containerregistry weak validation), or None."""
    base, at, digest = image.partition("@")
    if at and not _DIGEST.match(digest):
        return f"digest '{digest}' is not sha256:<64 hex digits>"
    last = base.rsplit("/", 1)[-1]
    if ":" in last:
        base, _, tag = base.rpartition(":")
        if not _TAG.match(tag):
            return f"tag '{tag}' is invalid"
    first, slash, rest = base.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        if not _REGISTRY.match(first):
            return f"registry '{first}' is invalid"
        base = rest
    if not base or not _REPOSITORY.match(base) or "//" in base or base.endswith("/"):
        return f"repository '{base}' must be lowercase letters, digits, '.', '_', '-' and '/'"
    if not 2 <= len(base) <= 255:
        return f"repository '{base[:40]}{'...' if len(base) > 40 else ''}' must be between 2 and 255 characters"
    return None


def check_container_names(ctx, spec: JsonPath, main: list, init: list) -> None:
    seen: set[str] = set()
    for field, items in (("containers", main), ("initContainers", init)):
        for i, container in enumerate(items):
            name = container.get("name") if isinstance(container, dict) else None
            if not isinstance(name, str) or not name:
                continue
            path = spec + (field, i, "name")
            if name in RESERVED_CONTAINER_NAMES:
                ctx.error(path, "reserved-container-name", f"\"{name}\" is a reserved container name",
                          "Knative adds its own queue-proxy container; pick another name")
            if name in seen:
                ctx.error(path, "container-name", f"duplicate container name \"{name}\"",
                          "container names must be unique across containers and initContainers")
            seen.add(name)


def check_container(ctx, path: JsonPath, container: dict, role: str) -> None:
    if not container:
        ctx.error(path, "container", "missing field(s): image", "a container needs at least an image")
        return
    image = container.get("image")
    if not image:
        where = path + ("image",) if "image" in container else path
        ctx.error(where, "container-image", "missing field(s): image", "set the container image")
    elif isinstance(image, str):
        problem = image_problem(image)
        if problem:
            ctx.error(path + ("image",), "container-image",
                      f"Failed to parse image reference: {image!r} ({problem})",
                      "write registry/repository:tag or repository@sha256:<digest>, lowercase repository")
    policy = container.get("terminationMessagePolicy")
    if isinstance(policy, str) and policy not in TERMINATION_MESSAGE_POLICIES:
        ctx.error(path + ("terminationMessagePolicy",), "termination-message-policy",
                  f"invalid value: {policy}", "use File or FallbackToLogsOnError")
    _check_env(ctx, path, container, role)
    _check_env_from(ctx, path, container)
    _check_security_context(ctx, path, container)


def _check_env(ctx, path: JsonPath, container: dict, role: str) -> None:
    env = container.get("env")
    if not isinstance(env, list):
        return
    reserved = RESERVED_ENV[role]
    fieldref = ctx.features.allows("kubernetes.podspec-fieldref")
    for i, var in enumerate(env):
        if not isinstance(var, dict):
            continue
        vpath = path + ("env", i)
        name = var.get("name")
        if not name:
            ctx.error(vpath, "env", "missing field(s): name", "every env entry needs a name")
        elif name in reserved:
            what = "the serving container" if role == "serving" else f"a {role} container"
            ctx.error(vpath + ("name",), "reserved-env-var", f"\"{name}\" is a reserved environment variable",
                      f"Knative sets {name} itself in {what}; rename the variable")
        source = var.get("valueFrom")
        if isinstance(source, dict) and not fieldref:
            for key in ("fieldRef", "resourceFieldRef"):
                if is_set(source.get(key)):
                    ctx.error(vpath + ("valueFrom", key), "pod-spec-feature-flag",
                              "must not set the field(s); needs feature flag 'kubernetes.podspec-fieldref'",
                              flag_hint("kubernetes.podspec-fieldref"), at_key=True)


def _check_env_from(ctx, path: JsonPath, container: dict) -> None:
    for i, item in enumerate(container.get("envFrom") or []):
        if not isinstance(item, dict):
            continue
        count = sum(1 for k in ("configMapRef", "secretRef") if item.get(k) is not None)
        if count != 1:
            ctx.error(path + ("envFrom", i), "env-from",
                      f"expected exactly one, got {'neither' if count == 0 else 'both'}: configMapRef, secretRef",
                      "each envFrom entry names one ConfigMap or one Secret")


def _check_security_context(ctx, path: JsonPath, container: dict) -> None:
    security = container.get("securityContext")
    if not isinstance(security, dict):
        return
    spath = path + ("securityContext",)
    if security.get("privileged") is True:
        ctx.error(spath + ("privileged",), "container-security-context", "must not set the field(s)",
                  "Knative does not run privileged containers; remove privileged or set false", at_key=True)
    for key in ("runAsUser", "runAsGroup"):
        value = security.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= INT32_MAX:
            ctx.error(spath + (key,), "container-security-context", f"expected 0 <= {value} <= {INT32_MAX}",
                      "user and group ids are between 0 and 2147483647")
    caps = security.get("capabilities")
    add = caps.get("add") if isinstance(caps, dict) else None
    if is_set(add) and not ctx.features.allows("kubernetes.containerspec-addcapabilities"):
        if not (ctx.features.allows("secure-pod-defaults") and add == ["NET_BIND_SERVICE"]):
            flag = "kubernetes.containerspec-addcapabilities"
            ctx.error(spath + ("capabilities", "add"), "pod-spec-feature-flag",
                      f"must not set the field(s); needs feature flag '{flag}'", flag_hint(flag), at_key=True)
