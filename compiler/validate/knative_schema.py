"""infc's schema for Knative `serving.knative.dev/v1` Service, Configuration, Revision and Route.

The envelope (metadata, template, traffic, the RevisionSpec scalars) is written here. The pod
spec reuses the Kubernetes definitions of the selected Kubernetes version, narrowed to the
fields Knative's field masks can ever accept (`pkg/apis/serving/fieldmask.go`): fields Knative
never allows are absent (so strict mode reports them as unknown, as the API server does for the
CRD), feature-gated fields are present (the admission rules decide on them, naming the flag).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from compiler.validate.k8s_schemas import DEFINITIONS_REF, definitions

API_VERSION = "serving.knative.dev/v1"
KINDS = ("Service", "Configuration", "Revision", "Route")
SCHEMA_BASE = "https://infc.invalid/schemas/knative/"

_CORE = "io.k8s.api.core.v1."

# Fields that survive Knative's masks (always allowed or behind a feature flag).
POD_SPEC_FIELDS = (
    "containers", "volumes", "serviceAccountName", "imagePullSecrets", "enableServiceLinks",
    "automountServiceAccountToken", "affinity", "topologySpreadConstraints", "hostAliases",
    "nodeSelector", "runtimeClassName", "tolerations", "securityContext", "shareProcessNamespace",
    "priorityClassName", "schedulerName", "initContainers", "dnsPolicy", "dnsConfig", "hostIPC",
    "hostPID", "hostNetwork",
)
CONTAINER_FIELDS = (
    "name", "args", "command", "env", "envFrom", "workingDir", "image", "imagePullPolicy",
    "livenessProbe", "readinessProbe", "startupProbe", "ports", "resources", "securityContext",
    "terminationMessagePath", "terminationMessagePolicy", "volumeMounts",
)
PORT_FIELDS = ("containerPort", "name", "protocol")
PROBE_FIELDS = ("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds",
                "periodSeconds", "successThreshold", "failureThreshold")
SECURITY_CONTEXT_FIELDS = ("allowPrivilegeEscalation", "capabilities", "privileged",
                           "readOnlyRootFilesystem", "runAsGroup", "runAsNonRoot", "runAsUser",
                           "seccompProfile")
VOLUME_MOUNT_FIELDS = ("name", "mountPath", "readOnly", "subPath", "mountPropagation")
VOLUME_FIELDS = ("name", "secret", "configMap", "projected", "emptyDir", "persistentVolumeClaim",
                 "hostPath", "csi", "ephemeral", "image")
ENV_SOURCE_FIELDS = ("configMapKeyRef", "secretKeyRef", "fieldRef", "resourceFieldRef")
RESOURCES_FIELDS = ("limits", "requests")

_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def _absolute_refs(node: Any) -> Any:
    """Copy a node of _definitions.json, rewriting its local refs to absolute ones."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = DEFINITIONS_REF + value[len("#/$defs/"):]
            elif key != "description":
                out[key] = _absolute_refs(value)
        return out
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node


def _narrow(defs: dict, name: str, keep: tuple[str, ...], strict: bool,
            overrides: dict[str, Any] | None = None, required: tuple[str, ...] | None = None) -> dict:
    source = defs[_CORE + name]
    props = {}
    for field in keep:
        if overrides and field in overrides:
            props[field] = overrides[field]
        elif field in source.get("properties", {}):
            props[field] = _absolute_refs(source["properties"][field])
    schema: dict[str, Any] = {"type": "object", "properties": props}
    req = [r for r in source.get("required", []) if r in props] if required is None else list(required)
    if req:
        schema["required"] = req
    if strict:
        schema["additionalProperties"] = False
    return schema


def _array_of(ref: str) -> dict:
    return {"type": "array", "items": {"$ref": f"#/$defs/{ref}"}}


def _local_defs(version: str, strict: bool) -> dict:
    defs = definitions(version, strict)["$defs"]
    probe = {"$ref": "#/$defs/Probe"}
    container = _narrow(defs, "Container", CONTAINER_FIELDS, strict, required=(), overrides={
        "ports": _array_of("ContainerPort"),
        "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe,
        "securityContext": {"$ref": "#/$defs/SecurityContext"},
        "resources": {"$ref": "#/$defs/ResourceRequirements"},
        "volumeMounts": _array_of("VolumeMount"),
        "env": _array_of("EnvVar"),
    })
    closed = {"additionalProperties": False} if strict else {}
    revision_spec = _narrow(defs, "PodSpec", POD_SPEC_FIELDS, strict, required=("containers",), overrides={
        # Knative's ValidatePodSpec refuses `containers: []` as it refuses no containers at all.
        "containers": {**_array_of("Container"), "minItems": 1},
        "initContainers": _array_of("Container"),
        "volumes": _array_of("Volume"),
    })
    revision_spec["properties"].update({
        "containerConcurrency": _INTEGER, "timeoutSeconds": _INTEGER,
        "responseStartTimeoutSeconds": _INTEGER, "idleTimeoutSeconds": _INTEGER,
    })
    return {
        "RevisionSpec": revision_spec,
        "Container": container,
        # Knative defaults the port number and the probe ports: not required here.
        "ContainerPort": _narrow(defs, "ContainerPort", PORT_FIELDS, strict, required=()),
        "Probe": _narrow(defs, "Probe", PROBE_FIELDS, strict, overrides={
            "httpGet": {"$ref": "#/$defs/HTTPGetAction"}, "tcpSocket": {"$ref": "#/$defs/TCPSocketAction"},
            "grpc": {"$ref": "#/$defs/GRPCAction"}}),
        **{name: _narrow(defs, name, tuple(defs[_CORE + name]["properties"]), strict, required=())
           for name in ("HTTPGetAction", "TCPSocketAction", "GRPCAction")},
        "SecurityContext": _narrow(defs, "SecurityContext", SECURITY_CONTEXT_FIELDS, strict),
        "ResourceRequirements": _narrow(defs, "ResourceRequirements", RESOURCES_FIELDS, strict),
        "VolumeMount": _narrow(defs, "VolumeMount", VOLUME_MOUNT_FIELDS, strict),
        "EnvVar": _narrow(defs, "EnvVar", ("name", "value", "valueFrom"), strict,
                          overrides={"valueFrom": {"$ref": "#/$defs/EnvVarSource"}}),
        "EnvVarSource": _narrow(defs, "EnvVarSource", ENV_SOURCE_FIELDS, strict),
        "Volume": _narrow(defs, "Volume", VOLUME_FIELDS, strict),
        "TemplateMetadata": {
            # The CRD keeps unknown fields here (x-kubernetes-preserve-unknown-fields).
            "type": "object",
            "properties": {"name": _STRING, "generateName": _STRING, "namespace": _STRING,
                           "labels": _STRING_MAP, "annotations": _STRING_MAP,
                           "finalizers": {"type": "array", "items": _STRING}},
        },
        "RevisionTemplate": {
            "type": "object",
            "properties": {"metadata": {"$ref": "#/$defs/TemplateMetadata"},
                           "spec": {"$ref": "#/$defs/RevisionSpec"}},
            **closed,
        },
        "TrafficTarget": {
            "type": "object",
            "properties": {"tag": _STRING, "revisionName": _STRING, "configurationName": _STRING,
                           "latestRevision": {"type": "boolean"}, "percent": _INTEGER, "url": _STRING},
            **closed,
        },
    }


def _spec_for(kind: str, strict: bool) -> dict:
    closed = {"additionalProperties": False} if strict else {}
    template = {"$ref": "#/$defs/RevisionTemplate"}
    traffic = _array_of("TrafficTarget")
    if kind == "Revision":
        return {"$ref": "#/$defs/RevisionSpec"}
    props = {"Service": {"template": template, "traffic": traffic},
             "Configuration": {"template": template},
             "Route": {"traffic": traffic}}[kind]
    return {"type": "object", "properties": props, **closed}


@lru_cache(maxsize=None)
def knative_schema(kind: str, version: str, strict: bool) -> dict:
    """The JSON Schema (draft 2020-12) of one Knative serving kind."""
    closed = {"additionalProperties": False} if strict else {}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}{kind.lower()}-serving-v1.json",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata"] + (["spec"] if kind != "Route" else []),
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"const": kind},
            "metadata": {"$ref": DEFINITIONS_REF + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
            "spec": _spec_for(kind, strict),
            "status": {"type": "object"},
        },
        **closed,
        "$defs": _local_defs(version, strict),
    }


# infc's narrowed definitions -> the Kubernetes definition they narrow.
NARROWED_FROM = {"RevisionSpec": "PodSpec", "Container": "Container", "ContainerPort": "ContainerPort",
                 "Probe": "Probe", "SecurityContext": "SecurityContext",
                 "ResourceRequirements": "ResourceRequirements", "VolumeMount": "VolumeMount",
                 "EnvVar": "EnvVar", "EnvVarSource": "EnvVarSource", "Volume": "Volume"}


def explain_unknown(version: str, strict: bool):
    """A hint for fields Kubernetes has but Knative's field masks never allow."""
    defs = definitions(version, strict)["$defs"]

    def explain(location: str, field: str) -> str | None:
        m = re.search(r"#/\$defs/(\w+)/additionalProperties$", location)
        source = NARROWED_FROM.get(m.group(1)) if m else None
        if source and field in defs[_CORE + source].get("properties", {}):
            return (f"Knative does not allow '{field}' here (it is a Kubernetes {source} field outside"
                    " Knative's field mask); remove it")
        return None

    return explain


def is_knative(api_version: Any, kind: Any) -> bool:
    return api_version == API_VERSION and kind in KINDS


@lru_cache(maxsize=None)
def knative_validator(kind: str, version: str, strict: bool) -> Any:
    import jsonschema_rs

    from compiler.validate.k8s_schemas import registry

    return jsonschema_rs.validator_for(knative_schema(kind, version, strict),
                                       registry=registry(version, strict), offline=True)
