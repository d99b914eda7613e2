"""IC201: names that Kubernetes or Knative would refuse once the workload is rendered.

The workload's own metadata.name is checked at parse time; here: the revision name that
grows from it, the default host names of exposed URLs, the names of ports, volumes,
environment variables, labels and annotations, and what the pod refers to by name (its
image, Secrets, ConfigMaps, storage classes, node label keys, Pod fields).
"""

from __future__ import annotations

import re
from typing import Iterable

from compiler.check.common import (DNS1123_LABEL, ENV_NAME, IANA_SVC_NAME, dns_subdomain_ok, items,
                                   label_value_ok, qualified_name_ok, storage_items)
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic
from compiler.resolve import derived
from compiler.validate.admission.containers import image_problem

# Revisions are named <workload>-<NNNNN> (SPEC §3): the suffix takes 6 characters.
REVISION_SUFFIX = len("-00001")
MAX_NAME = 63


@workload_rule
def service_and_revision_names(w, ctx) -> Iterable[Diagnostic]:
    name = w.name
    longest = MAX_NAME - REVISION_SUFFIX
    if len(name) > longest:
        yield Diagnostic(
            "IC201",
            f"workload name '{name}' has {len(name)} characters: its revision name"
            f" '{name}-00001' would exceed {MAX_NAME}",
            w.doc.loc(("metadata", "name")),
            hint=f"shorten the name to at most {longest} characters (Knative names revisions"
                 f" <service>-<number> and limits them to {MAX_NAME})",
            subject=w.key)
    for i, url in items(w.spec.exposedUrls):
        if url.url:
            yield from _ingress_url(w, i, url.url)
            continue
        host_label = f"{url.name}-{name}-{w.namespace}"
        if len(host_label) > MAX_NAME:
            yield Diagnostic(
                "IC201",
                f"default host name of exposed URL '{url.name}' ('{host_label}') has {len(host_label)}"
                f" characters; a DNS label allows {MAX_NAME}",
                w.loc("exposedUrls", i, "name"),
                hint="set exposedUrls[].url explicitly, or shorten the URL, workload or namespace name")


# The field naming the object a storage item mounts, by storage list.
_MOUNTED_OBJECT = {"configMapVolume": "configMap", "secretVolume": "secret"}

# What Kubernetes refuses in an Ingress rule's path of type Prefix (networking validation).
_BAD_PATH_PARTS = ("//", "/./", "/../", "%2f", "%2F")


def _ingress_url(w, i: int, url: str) -> Iterable[Diagnostic]:
    """An exposed URL becomes an Ingress rule: its host a lowercase DNS name (or *.wildcard),
    its path one Kubernetes takes as a prefix."""
    host, path = derived.url_host_path(url)
    name = host[2:] if host.startswith("*.") else host
    labels = name.split(".")
    _, colon, port = url.split("://", 1)[-1].partition("/")[0].partition(":")
    if colon and not (port.isascii() and port.isdigit()):
        yield Diagnostic("IC201", f"exposed URL '{url}': port '{port}' is not a number",
                         w.loc("exposedUrls", i, "url"), hint="write scheme://host[:port]/path, e.g. https://ui.example.com/")
    elif all(x.isdigit() for x in labels):  # 10.0.0.1: Kubernetes takes no IP address as an Ingress host
        yield Diagnostic("IC201", f"exposed URL '{url}': host '{host}' is an IP address, not a DNS name",
                         w.loc("exposedUrls", i, "url"), hint="give the URL a DNS name that resolves to the ingress")
    elif not dns_subdomain_ok(name):
        yield Diagnostic("IC201", f"exposed URL '{url}': host '{host}' is not a lowercase DNS name",
                         w.loc("exposedUrls", i, "url"),
                         hint="write the host in lowercase letters, digits, '-' and '.', e.g. https://ui.example.com/")
    elif any(part in path for part in _BAD_PATH_PARTS) or path.endswith(("/..", "/.")) or any(
            c.isspace() or not c.isprintable() for c in path):
        yield Diagnostic("IC201", f"exposed URL '{url}': path '{path}' cannot be an Ingress path",
                         w.loc("exposedUrls", i, "url"),
                         hint="Kubernetes refuses '//', '/./', '/../', encoded slashes and a trailing '/.' or"
                              " '/..'; a URL has no spaces (write %20)")


# An image reference as the container runtimes parse it (the distribution/reference grammar):
# [domain[:port]/]path[/path...][:tag][@algorithm:digest], path components lowercase.
_DOMAIN = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(rf"(?:{_DOMAIN}(?::[0-9]+)?/)?{_PATH}(?:/{_PATH})*(?::[\w][\w.-]{{0,127}})?"
                    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?")
_IMAGE_HINT = "write [registry/]repository[:tag][@sha256:digest], e.g. vllm/vllm-openai:v0.11.0"

# The Pod fields the downward API gives an environment variable (Kubernetes' validation).
FIELD_PATHS = {"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
               "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}
_FIELD_PATH_MAP = ("metadata.labels['", "metadata.annotations['")
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")


@workload_rule
def references(w, ctx) -> Iterable[Diagnostic]:
    """What the pod refers to by name (the image, Secrets, ConfigMaps, storage classes, node
    labels, Pod fields), in the forms Kubernetes and Knative take: otherwise the revision
    fails in the cluster, long after the merge."""
    spec = w.spec
    problem = image_problem(spec.image) if spec.image else None
    if problem:  # Knative's webhook refuses the Service
        yield Diagnostic("IC603", f"image '{spec.image}' is not an image reference: {problem}", w.loc("image"),
                         hint=_IMAGE_HINT)
    elif spec.image and not _IMAGE.fullmatch(spec.image):  # the kubelet cannot pull it (InvalidImageName)
        yield Diagnostic("IC201", f"image '{spec.image}' is not a valid image name", w.loc("image"), hint=_IMAGE_HINT)
    for i, secret in items(spec.imagePullSecrets):
        if not dns_subdomain_ok(secret.name):
            yield _object_name(w, "image pull secret", secret.name, ("imagePullSecrets", i, "name"))
    for i, env in items(spec.environmentVariables):
        for field in ("secret", "configMap"):
            ref = getattr(env, field)
            if ref is None:
                continue
            if not dns_subdomain_ok(ref.name):
                yield _object_name(w, f"{field} of '{env.name}'", ref.name, ("environmentVariables", i, field, "name"))
            if not _DATA_KEY.fullmatch(ref.key) or len(ref.key) > 253:
                yield Diagnostic("IC201", f"{field} key '{ref.key}' of '{env.name}' is not a valid data key",
                                 w.loc("environmentVariables", i, field, "key"),
                                 hint="keys are letters, digits, '-', '_' and '.'")
        path = env.podFieldRef.path if env.podFieldRef else None
        if path and path not in FIELD_PATHS and not (path.startswith(_FIELD_PATH_MAP) and path.endswith("']")):
            yield Diagnostic("IC201", f"'{env.name}': Pod field '{path}' is not one Kubernetes gives",
                             w.loc("environmentVariables", i, "podFieldRef", "path"),
                             hint="one of " + ", ".join(sorted(FIELD_PATHS)) + ", metadata.labels['KEY']"
                                  " or metadata.annotations['KEY']")
    for i, vol in items(spec.storage.pvc if spec.storage else None):
        storage_class = vol.claimInfo.storageClass if vol.claimInfo else None
        if storage_class and not dns_subdomain_ok(storage_class):
            yield _object_name(w, f"storage class of '{vol.name}'", storage_class,
                               ("storage", "pvc", i, "claimInfo", "storageClass"))
    terms = spec.nodeAffinityRequired.nodeSelectorTerms if spec.nodeAffinityRequired else []
    for t, term in enumerate(terms or []):
        for e, expression in enumerate(term.matchExpressions):
            where = ("nodeAffinityRequired", "nodeSelectorTerms", t, "matchExpressions", e)
            if not qualified_name_ok(expression.key):
                yield Diagnostic("IC201", f"node affinity key '{expression.key}' is not a node label key",
                                 w.loc(*where, "key"), hint="e.g. nvidia.com/gpu.product or topology.kubernetes.io/zone")
            for v, value in enumerate(expression.values or []):
                if not label_value_ok(value):
                    yield Diagnostic("IC201", f"node affinity value '{value}' is not a label value",
                                     w.loc(*where, "values", v),
                                     hint="label values have at most 63 letters, digits, '-', '_' and '.'")
    for i, extended in items(spec.compute.extendedResources if spec.compute else None):
        if "/" not in extended.resource or not qualified_name_ok(extended.resource):
            yield Diagnostic("IC201", f"extended resource '{extended.resource}' is not a resource name",
                             w.loc("compute", "extendedResources", i, "resource"),
                             hint="extended resources are domain/name, e.g. nvidia.com/mig-1g.10gb")
    if spec.podAffinity is not None and not qualified_name_ok(spec.podAffinity.key):
        yield Diagnostic("IC201", f"podAffinity key '{spec.podAffinity.key}' is not a node label key (topologyKey)",
                         w.loc("podAffinity", "key"), hint="e.g. kubernetes.io/hostname or topology.kubernetes.io/zone")


def _object_name(w, what: str, name: str, path: tuple) -> Diagnostic:
    return Diagnostic("IC201", f"{what}: '{name}' is not a valid Kubernetes object name", w.loc(*path),
                      hint="use lowercase letters, digits, '-' and '.', at most 253 characters")


@workload_rule
def item_names(w, ctx) -> Iterable[Diagnostic]:
    spec = w.spec
    for i, port in items(spec.ports):
        if len(port.name) > 15 or not IANA_SVC_NAME.match(port.name) or "--" in port.name \
                or not any(c.isalpha() for c in port.name):
            yield Diagnostic(
                "IC201", f"port name '{port.name}' is not a valid Kubernetes port name",
                w.loc("ports", i, "name"),
                hint="port names have at most 15 lowercase letters, digits and single '-', with at least"
                     " one letter, e.g. 'metrics'")
    for i, url in items(spec.exposedUrls):
        if len(url.name) > MAX_NAME or not DNS1123_LABEL.match(url.name):
            yield Diagnostic(
                "IC201", f"exposed URL name '{url.name}' is not a DNS-1123 label",
                w.loc("exposedUrls", i, "name"),
                hint="use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit")
    seen_volumes: dict[str, str] = {}
    for list_name, i, vol in storage_items(spec):
        vname = vol.name
        if len(vname) > MAX_NAME or not DNS1123_LABEL.match(vname):
            yield Diagnostic(
                "IC201", f"volume name '{vname}' (storage.{list_name}) is not a DNS-1123 label",
                w.loc("storage", list_name, i, "name"),
                hint="volume names have at most 63 lowercase letters, digits and '-', starting and ending"
                     " with a letter or digit")
        elif vname in seen_volumes:
            yield Diagnostic(
                "IC201", f"volume name '{vname}' is used by storage.{seen_volumes[vname]} and storage.{list_name}",
                w.loc("storage", list_name, i, "name"),
                hint="give every volume of a workload a distinct name")
        else:
            seen_volumes[vname] = list_name
        field = _MOUNTED_OBJECT.get(list_name)
        target = getattr(vol, field, None) if field else None
        if target and not dns_subdomain_ok(target):
            yield Diagnostic(
                "IC201", f"{field} name '{target}' (storage.{list_name} '{vname}') is not a valid"
                         f" Kubernetes object name", w.loc("storage", list_name, i, field),
                hint="use lowercase letters, digits, '-' and '.', at most 253 characters")
        claim = getattr(vol, "claimName", None)
        if list_name == "pvc" and claim and (len(claim) > MAX_NAME or not DNS1123_LABEL.match(claim)):
            yield Diagnostic(
                "IC201", f"claim name '{claim}' is not a DNS-1123 label of at most {MAX_NAME} characters",
                w.loc("storage", list_name, i, "claimName"),
                hint="use lowercase letters, digits and '-', at most 63 characters")
    for i, env in items(spec.environmentVariables):
        if not ENV_NAME.match(env.name):
            yield Diagnostic(
                "IC201", f"environment variable name '{env.name}' is not valid",
                w.loc("environmentVariables", i, "name"),
                hint="use letters, digits, '_', '-' and '.', not starting with a digit (e.g. LOG_LEVEL)")
    for field in ("labels", "annotations"):
        for i, item in items(getattr(spec, field)):
            if not qualified_name_ok(item.name):
                yield Diagnostic(
                    "IC201", f"{field[:-1]} key '{item.name}' is not a valid Kubernetes {field[:-1]} key",
                    w.loc(field, i, "name"),
                    hint="keys are [prefix/]name: name at most 63 letters, digits, '-', '_' and '.',"
                         " starting and ending with a letter or digit")
            if field == "labels" and item.value is not None:
                value = str(item.value).lower() if isinstance(item.value, bool) else str(item.value)
                if not label_value_ok(value):
                    yield Diagnostic(
                        "IC201", f"value of label '{item.name}' is not a valid label value",
                        w.loc(field, i, "value"),
                        hint="label values have at most 63 letters, digits, '-', '_' and '.', starting and"
                             " ending with a letter or digit")
