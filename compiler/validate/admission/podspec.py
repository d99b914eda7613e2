"""PodSpec fields behind feature flags, and the always-checked pod fields (knative-rules.md §6)."""

from __future__ import annotations

from typing import Any

from compiler.validate.admission.names import is_dns1123_subdomain
from compiler.validate.features import POD_SPEC_FLAGS, flag_hint
from compiler.validate.paths import JsonPath

INT32_MAX = 2147483647
POD_SECURITY_FIELDS = ("runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups",
                       "seccompProfile")


def is_set(value: Any) -> bool:
    """Knative's masks compare against Go zero values: false, 0, "", [] and {} count as unset."""
    return value not in (None, False, 0, "", [], {})


def _id_in_range(ctx, path: JsonPath, value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= INT32_MAX:
        ctx.error(path, "security-context", f"expected 0 <= {value} <= {INT32_MAX}",
                  "user and group ids are between 0 and 2147483647")


def check_pod_fields(ctx, spec: JsonPath) -> None:
    data = ctx.get(spec)
    for field, flag in POD_SPEC_FLAGS.items():
        value = data.get(field)
        if not is_set(value) or ctx.features.allows(flag):
            continue
        if field == "securityContext" and _secure_defaults_allow(ctx, value):
            continue
        text = "must not set the field(s)"
        if field == "initContainers" and isinstance(value, list):
            text = (f"must not set the field(s) (pod spec support for init-containers is off,"
                    f" but found {len(value)} init containers)")
        ctx.error(spec + (field,), "pod-spec-feature-flag", f"{text}; needs feature flag '{flag}'",
                  flag_hint(flag), at_key=True)
    if data.get("automountServiceAccountToken") is True:
        ctx.error(spec + ("automountServiceAccountToken",), "pod-spec-fields", "must not set the field(s)",
                  "Knative only accepts automountServiceAccountToken: false; remove it or set false",
                  at_key=True)
    account = data.get("serviceAccountName")
    if isinstance(account, str) and account and not is_dns1123_subdomain(account):
        ctx.error(spec + ("serviceAccountName",), "service-account-name", f"invalid value: {account}",
                  "use a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'")
    security = data.get("securityContext")
    if isinstance(security, dict) and ctx.features.allows("kubernetes.podspec-securitycontext"):
        path = spec + ("securityContext",)
        for key in security:
            if key not in POD_SECURITY_FIELDS and is_set(security[key]):
                ctx.error(path + (key,), "pod-security-context", "must not set the field(s)",
                          f"Knative allows only {', '.join(POD_SECURITY_FIELDS)} in the pod securityContext",
                          at_key=True)
        for key in ("runAsUser", "runAsGroup", "fsGroup"):
            _id_in_range(ctx, path + (key,), security.get(key))
        for i, gid in enumerate(security.get("supplementalGroups") or []):
            _id_in_range(ctx, path + ("supplementalGroups", i), gid)


def _secure_defaults_allow(ctx, security: Any) -> bool:
    """secure-pod-defaults admits a pod securityContext holding only a seccompProfile type."""
    if not ctx.features.allows("secure-pod-defaults") or not isinstance(security, dict):
        return False
    profile = security.get("seccompProfile")
    others = [k for k, v in security.items() if k != "seccompProfile" and is_set(v)]
    return (not others and isinstance(profile, dict)
            and profile.get("type") in ("RuntimeDefault", "Unconfined")
            and set(profile) <= {"type"})
