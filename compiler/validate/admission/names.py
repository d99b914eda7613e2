"""Object names, generateName and bring-your-own revision names (knative-rules.md §3, §4.1, §11)."""

from __future__ import annotations

import re

from compiler.validate.paths import JsonPath

_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")

DNS1035_HINT = ("use at most 63 characters: lowercase letters, digits and '-', starting with a letter"
                " and ending with a letter or digit")


def is_dns1035_label(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 63 and bool(_DNS1035.match(value))


def is_dns1035_prefix(value: object) -> bool:
    if not isinstance(value, str):
        return False
    return is_dns1035_label(value[:-1] + "a" if value.endswith("-") else value)


def is_dns1123_label(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 63 and bool(_DNS1123_LABEL.match(value))


def is_dns1123_subdomain(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 253 and bool(_DNS1123_SUBDOMAIN.match(value))


def is_qualified_name(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    prefix, slash, name = value.rpartition("/")
    if slash and not (prefix and is_dns1123_subdomain(prefix)):
        return False
    return len(name) <= 63 and bool(_QUALIFIED_NAME.match(name))


def _name_problem(value: str) -> str:
    return f"{len(value)} characters, more than 63" if len(value) > 63 else "invalid characters or shape"


def check_object_metadata(ctx, meta: JsonPath) -> None:
    name, generate = ctx.get(meta + ("name",)), ctx.get(meta + ("generateName",))
    if not name and not generate:
        ctx.error(meta, "name-required", "name or generateName is required",
                  "set metadata.name", at_key=True)
        return
    if name and isinstance(name, str) and not is_dns1035_label(name):
        ctx.error(meta + ("name",), "dns-1035-name",
                  f"not a DNS 1035 label: '{name}' ({_name_problem(name)})", DNS1035_HINT)
    if generate and isinstance(generate, str) and not is_dns1035_prefix(generate):
        ctx.error(meta + ("generateName",), "dns-1035-name",
                  f"not a DNS 1035 label prefix: '{generate}'", DNS1035_HINT)


def check_revision_name(ctx, meta: JsonPath, parent: JsonPath) -> None:
    """spec.template.metadata name/generateName (BYO revision name)."""
    name, generate = ctx.get(meta + ("name",)), ctx.get(meta + ("generateName",))
    if isinstance(generate, str) and generate and not is_dns1035_prefix(generate):
        ctx.error(meta + ("generateName",), "byo-revision-name",
                  f"not a DNS 1035 label prefix: '{generate}'", DNS1035_HINT)
    if not isinstance(name, str) or not name:
        return
    if not is_dns1035_label(name):
        ctx.error(meta + ("name",), "byo-revision-name",
                  f"not a DNS 1035 label: '{name}' ({_name_problem(name)})", DNS1035_HINT)
    parent_name = ctx.get(parent + ("name",))
    if not parent_name:
        if ctx.get(parent + ("generateName",)):
            ctx.error(meta + ("name",), "byo-revision-name",
                      "must not set the field(s): the revision name, when the parent only has a generateName",
                      "drop spec.template.metadata.name, or give the parent a fixed metadata.name",
                      at_key=True)
        return
    if isinstance(parent_name, str) and not name.startswith(parent_name + "-"):
        ctx.error(meta + ("name",), "byo-revision-name",
                  f"\"{name}\" must have prefix \"{parent_name}-\"",
                  f"name the revision '{parent_name}-<suffix>', e.g. '{parent_name}-00001'")
