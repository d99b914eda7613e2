"""Every input kind of SPEC.md §1: Config, Cluster, Department, Project, Policy, assets, workloads."""


import math
import re
import string
from typing import Annotated, Any, Callable, Literal, Optional, Union

from pydantic import BeforeValidator, Field, field_validator, model_validator

from compiler.spec import quantities as q
from compiler.spec.base import (OBJECT_NAME, Cores, Model, Quantity, StrMap, dns_subdomain_ok, number_or_text,
                                 qualified_name_ok)
from compiler.spec.workload import (
    Compute,
    ConfigMapVolume,
    EmptyDirVolume,
    GitVolume,
    HostPathVolume,
    InferenceSpec,
    NfsVolume,
    PvcVolume,
    S3Volume,
    SecretVolume,
    WorkloadSpec,
)

API_VERSION = "infc/v1"


class Metadata(Model):
    # parse.py checks the name (IC201); the schema says the same to editors.
    name: str = Field(json_schema_extra={"pattern": OBJECT_NAME.pattern, "maxLength": 63})
    "DNS-1123 label, at most 63 characters, starting with a letter."
    labels: Optional[StrMap] = None
    annotations: Optional[StrMap] = None
    "`infc/ignore: \"IC502,IC407\"` silences codes for this object."


class WorkloadMetadata(Metadata):
    project: str
    "Project the workload belongs to."


class Object(Model):
    apiVersion: Literal["infc/v1"]
    kind: str
    metadata: Metadata


# --- Config --------------------------------------------------------------------------------


class ConfigSpec(Model):
    output: str = "deploy"
    "Output directory, relative to the repository root (inside it: no '..', not absolute)."
    delivery: Literal["argocd", "flux", "plain"] = "argocd"
    "Which GitOps objects to emit next to the manifests."
    repoURL: Optional[str] = None
    "Git URL of this repository, for Argo CD / Flux objects."
    targetRevision: str = "HEAD"
    "Branch or tag Argo CD / Flux follow."
    ignore: list[str] = Field(default_factory=list)
    "Diagnostic codes to silence repository-wide."
    templates: Optional[str] = None
    "Directory of Jinja2 templates overriding infc's own (relative to the root)."

    @field_validator("output", "templates")
    @classmethod
    def _inside_repository(cls, value: Optional[str]) -> Optional[str]:
        # A pull request must not be able to make CI write or read outside the repository.
        if value is None:
            return value
        parts = value.replace("\\", "/").split("/")
        if not value or value.startswith("/") or ".." in parts or all(p in ("", ".") for p in parts):
            raise ValueError(f"'{value}' must be a directory inside the repository (relative, without '..')")
        if "\0" in value or any(len(p.encode()) > 255 for p in parts):
            raise ValueError("directory names are at most 255 bytes, without NUL characters")
        return value.rstrip("/")


class ConfigMeta(Model):
    name: Optional[str] = None


class Config(Model):
    apiVersion: Literal["infc/v1"]
    kind: Literal["Config"]
    metadata: Optional[ConfigMeta] = None
    spec: ConfigSpec = Field(default_factory=ConfigSpec)


# --- Cluster -------------------------------------------------------------------------------


# The placement simulation models every node and device: bounds keep a hostile inventory
# from exhausting memory. The largest managed Kubernetes clusters run 100,000 nodes; GPU
# servers hold at most 16 devices.
MAX_NODES = 100_000
MAX_GPUS_PER_NODE = 64


class Taint(Model):
    key: str
    value: Optional[str] = None
    effect: Literal["NoSchedule", "NoExecute", "PreferNoSchedule"]


class GpuInfo(Model):
    model: str
    "GPU model, e.g. H100, A100-80GB, L40S, L4, T4."
    count: int = Field(ge=0, le=MAX_GPUS_PER_NODE)
    memory: Quantity
    "Memory per device, e.g. 80Gi."

    @field_validator("memory")
    @classmethod
    def _some_memory(cls, value: str) -> str:
        if q.bytes_of(value) < 2**20:  # the fit checks divide by it; KAI counts GPU memory in MiB
            raise ValueError("a GPU has at least 1Mi of memory; write the size per device, e.g. 80Gi")
        return value


class NodeGroup(Model):
    name: str
    count: int = Field(default=1, ge=0, le=MAX_NODES)
    "Number of identical nodes."
    gpu: Optional[GpuInfo] = None
    cpu: Cores
    "Allocatable cores per node."
    memory: Quantity
    "Allocatable memory per node."
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)


class NodePool(Model):
    name: str
    placement: Literal["binpack", "spread"] = "binpack"
    nodes: list[NodeGroup] = Field(default_factory=list)


class IstioSettings(Model):
    issuer: Optional[str] = None
    jwksUri: Optional[str] = None
    groupsClaim: str = "groups"
    usersClaim: str = "email"
    "JWT claim matched against servingPort.authorizedUsers."

    @field_validator("jwksUri")
    @classmethod
    def _http_url(cls, value: Optional[str]) -> Optional[str]:
        # Istio fetches the keys from it: a RequestAuthentication with another URI is refused.
        if value is not None and (not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value)):
            raise ValueError("an http(s) URL without spaces, e.g. https://idp.example.com/.well-known/jwks.json")
        return value

    @field_validator("groupsClaim", "usersClaim")
    @classmethod
    def _claim_name(cls, value: str) -> str:
        if not value or not value.isprintable() or any(c.isspace() for c in value):
            raise ValueError("a JWT claim name: no spaces, e.g. groups or email")
        return value


class KnativeSettings(Model):
    version: str = "1.23"
    features: dict[str, Literal["enabled", "disabled", "allowed", "Enabled", "Disabled", "Allowed"]] = Field(default_factory=dict)
    "Knative config-features; unset keys take Knative's defaults."
    revisionTimeoutSeconds: int = Field(default=300, ge=1)
    maxRevisionTimeoutSeconds: int = Field(default=600, ge=1)
    progressDeadlineSeconds: int = Field(default=600, ge=1)
    "Knative's default progress deadline; a revision never gets less (it gets its initialization time + 60 s)."
    scaleToZero: bool = True
    hpaCustomMetrics: bool = False
    allowZeroInitialScale: bool = False
    containerConcurrencyMaxLimit: int = 1000
    domainTemplate: str = "{name}.{namespace}.{domain}"
    "Host of a workload's external URL, from {name}, {namespace} and {domain} (Knative's config-network domain-template)."
    queueSidecarCpuRequest: Cores = 0.025

    @field_validator("domainTemplate")
    @classmethod
    def _host_template(cls, value: str) -> str:
        return check_domain_template(value)


_DOMAIN_FIELDS = ("name", "namespace", "domain")


def check_domain_template(value: str) -> str:
    """A domain template gives one host name per workload, whatever its name and namespace:
    only the three placeholders, plainly (no `{name.attr}`, `{0}`, `!r` or `:>99`), with
    {name} among them, and what it gives is a DNS name (Knative refuses a path or nothing)."""
    if "{{" in value:
        raise ValueError("this is Knative's Go template syntax; write {name}, {namespace} and {domain}"
                         " instead, e.g. {name}.{namespace}.{domain}")
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise ValueError(f"not a template of {{name}}, {{namespace}} and {{domain}} ({exc})") from None
    fields = {field for _, field, spec, conversion in parts if field is not None}
    unknown = sorted(f for f in fields if f not in _DOMAIN_FIELDS)
    if unknown or any(spec or conversion for _, field, spec, conversion in parts if field is not None):
        raise ValueError("only {name}, {namespace} and {domain} may appear, as they are"
                         + (f"; not {{{unknown[0]}}}" if unknown else ""))
    if "name" not in fields:
        raise ValueError("{name} is missing: every workload would get the same host")
    host = value.format(name="llama-chat", namespace="runai-nlp", domain="inference.example.com")
    if not dns_subdomain_ok(host):
        raise ValueError(f"the host it gives is not a DNS name ('{host}' for workload llama-chat"
                         " of namespace runai-nlp in domain inference.example.com)")
    return value


class ClusterSpec(Model):
    scheduler: Literal["kai", "default"] = "kai"
    gpuSharing: bool = False
    gpuLimits: bool = False
    domain: str = "example.com"
    "DNS domain of the workloads' external URLs (Knative's config-domain)."
    endpointAuth: Literal["none", "istio"] = "none"
    istio: Optional[IstioSettings] = None
    knative: KnativeSettings = Field(default_factory=KnativeSettings)
    nodePools: list[NodePool] = Field(default_factory=list)
    nodePoolLabelKey: str = "kai.scheduler/node-pool"
    nodeTypeLabelKey: str = "run.ai/type"
    queueLabelKey: str = "kai.scheduler/queue"

    @field_validator("nodePoolLabelKey", "nodeTypeLabelKey", "queueLabelKey")
    @classmethod
    def _label_key(cls, value: str) -> str:
        if not qualified_name_ok(value):  # it becomes a nodeSelector or pod label key
            raise ValueError("a Kubernetes label key: [prefix/]name, e.g. kai.scheduler/node-pool")
        return value

    @field_validator("nodePools")
    @classmethod
    def _at_most_max_nodes(cls, pools: list[NodePool]) -> list[NodePool]:
        total = sum(ng.count for pool in pools for ng in pool.nodes)
        if total > MAX_NODES:
            raise ValueError(f"{total:,} nodes; the simulation takes at most {MAX_NODES:,} per cluster")
        return pools


    @field_validator("domain")
    @classmethod
    def _dns_domain(cls, value: str) -> str:
        if not dns_subdomain_ok(value):
            raise ValueError("a DNS domain: lowercase letters, digits, '-' and '.', e.g. inference.example.com")
        return value


class Cluster(Object):
    kind: Literal["Cluster"]
    spec: ClusterSpec = Field(default_factory=ClusterSpec)


# --- Department / Project ------------------------------------------------------------------


def _gpus(value: Any) -> float:
    number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else math.nan
    if not math.isfinite(number) or number < 0:
        raise ValueError("not a number of GPUs")
    return number


def _quota_amount(parse: Callable[[Any], object], example: str) -> Callable[[Any], Any]:
    """deserved/limit of one resource: -1 (unlimited, also when written "-1") or an amount `parse`
    reads, kept as written (the ledger and the queues read it again in their own units)."""
    def check(value: Any) -> Any:
        if not isinstance(value, bool) and isinstance(value, (int, float, str)) and str(value).strip() in ("-1", "-1.0"):
            return -1
        try:
            parse(value)
        except (ValueError, TypeError, ArithmeticError):
            raise ValueError(f"expected {example}, or -1 for unlimited") from None
        return value
    return check


_UNLIMITED = r"-1(\.0)?"
# GPUs as text: any number, although of the negative ones infc takes only -1 (unlimited) and -0.
GpuAmount = Annotated[Union[float, str], BeforeValidator(_quota_amount(_gpus, "a number of GPUs such as 8 or 0.5")),
                      number_or_text(q.text_pattern(q.NUMBER_TEXT), [8, 0.5, -1], unlimited=True, minimum=0)]
CpuAmount = Annotated[Union[float, str], BeforeValidator(_quota_amount(q.cores_of, "CPU cores such as 200 or 500m")),
                      number_or_text(q.text_pattern(_UNLIMITED, q.QUANTITY_TEXT), [200, "500m", -1],
                                     unlimited=True, minimum=0, maximum=q.MAX_CORES)]
MemoryAmount = Annotated[Union[float, str], BeforeValidator(_quota_amount(q.bytes_of, "a memory quantity such as 2Ti")),
                         number_or_text(q.text_pattern(_UNLIMITED, q.QUANTITY_TEXT), ["2Ti", "512Gi", -1],
                                        unlimited=True, minimum=0)]


class ResourceQuota(Model):
    """One resource of a node pool's quota; each resource types its deserved and limit."""

    overQuotaWeight: Optional[float] = Field(default=None, ge=0, allow_inf_nan=False)
    "Share of unused quota this queue may borrow, relative to its siblings (default 1)."


class GpuQuota(ResourceQuota):
    deserved: Optional[GpuAmount] = None
    "Guaranteed GPUs."
    limit: Optional[GpuAmount] = None
    "Ceiling in GPUs; -1 or omitted = unlimited."


class CpuQuota(ResourceQuota):
    deserved: Optional[CpuAmount] = None
    "Guaranteed CPU cores."
    limit: Optional[CpuAmount] = None
    "Ceiling in cores; -1 or omitted = unlimited."


class MemoryQuota(ResourceQuota):
    deserved: Optional[MemoryAmount] = None
    "Guaranteed memory (a quantity)."
    limit: Optional[MemoryAmount] = None
    "Ceiling; -1 or omitted = unlimited."


class PoolResources(Model):
    nodePool: str
    gpu: Optional[GpuQuota] = None
    cpu: Optional[CpuQuota] = None
    memory: Optional[MemoryQuota] = None


class SchedulingRules(Model):
    nodeTypes: Optional[list[str]] = None
    "Node-type rule: workloads must pick one of these."


class DepartmentSpec(Model):
    cluster: str
    limitProjectsToDepartmentQuota: bool = False
    resources: list[PoolResources] = Field(default_factory=list)
    schedulingRules: Optional[SchedulingRules] = None


class Department(Object):
    kind: Literal["Department"]
    spec: DepartmentSpec


class ProjectSpec(Model):
    cluster: str
    department: Optional[str] = None
    namespace: Optional[str] = Field(default=None, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    "Kubernetes namespace (a DNS-1123 label); default runai-<name>."
    defaultNodePools: Optional[list[str]] = None
    resources: list[PoolResources] = Field(default_factory=list)
    schedulingRules: Optional[SchedulingRules] = None


class Project(Object):
    kind: Literal["Project"]
    spec: ProjectSpec

    @property
    def namespace(self) -> str:
        return self.spec.namespace or f"runai-{self.metadata.name}"


# --- Policy --------------------------------------------------------------------------------


class PolicyScope(Model):
    cluster: Optional[str] = None
    department: Optional[str] = None
    project: Optional[str] = None

    @model_validator(mode="after")
    def _one(self) -> "PolicyScope":
        if sum(v is not None for v in (self.cluster, self.department, self.project)) > 1:
            raise ValueError("a scope names at most one of cluster, department, project")
        return self

    @property
    def level(self) -> int:
        """0 tenant, 1 cluster, 2 department, 3 project (nearer is higher)."""
        return 3 if self.project else 2 if self.department else 1 if self.cluster else 0


class PolicySpec(Model):
    scope: PolicyScope = Field(default_factory=PolicyScope)
    defaults: Optional[dict[str, Any]] = None
    "Same shape as InferenceWorkload.spec; itemized lists may use {instances: [...]}."
    rules: Optional[dict[str, Any]] = None
    "Per field: required, canEdit, min, max, step, options, canAdd, locked."
    imposedAssets: list[str] = Field(default_factory=list)
    "DataSource names added to every workload in scope."


class Policy(Object):
    kind: Literal["Policy"]
    spec: PolicySpec = Field(default_factory=PolicySpec)


# --- assets --------------------------------------------------------------------------------


class EnvironmentSpec(InferenceSpec):
    """The image-side parts of a workload spec (image, command, env, ports, security...)."""


class Environment(Object):
    kind: Literal["Environment"]
    spec: EnvironmentSpec


class ComputeResourceSpec(Model):
    compute: Compute


class ComputeResource(Object):
    kind: Literal["ComputeResource"]
    spec: ComputeResourceSpec


class PvcSource(PvcVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class ConfigMapSource(ConfigMapVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class SecretSource(SecretVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class EmptyDirSource(EmptyDirVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class HostPathSource(HostPathVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class NfsSource(NfsVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class GitSource(GitVolume):
    name: Optional[str] = None  # type: ignore[assignment]


class S3Source(S3Volume):
    name: Optional[str] = None  # type: ignore[assignment]


# DataSource field -> the storage list of the workload spec it becomes.
DATA_SOURCE_STORAGE = {"pvc": "pvc", "configMap": "configMapVolume", "secret": "secretVolume",
                       "emptyDir": "emptyDirVolume", "hostPath": "hostPath", "nfs": "nfs",
                       "git": "git", "s3": "s3"}


class DataSourceSpec(Model):
    pvc: Optional[PvcSource] = None
    configMap: Optional[ConfigMapSource] = None
    secret: Optional[SecretSource] = None
    emptyDir: Optional[EmptyDirSource] = None
    nfs: Optional[NfsSource] = None
    hostPath: Optional[HostPathSource] = None
    git: Optional[GitSource] = None
    s3: Optional[S3Source] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "DataSourceSpec":
        set_ = [k for k in DATA_SOURCE_STORAGE if getattr(self, k) is not None]
        if len(set_) != 1:
            raise ValueError(f"a DataSource holds exactly one of {', '.join(DATA_SOURCE_STORAGE)}"
                             f" (found {len(set_) or 'none'})")
        return self

    @property
    def source_type(self) -> str:
        return next(k for k in DATA_SOURCE_STORAGE if getattr(self, k) is not None)


class DataSource(Object):
    kind: Literal["DataSource"]
    spec: DataSourceSpec


class CredentialSpec(Model):
    type: Literal["genericSecret", "dockerRegistry", "ngcApiKey"]
    scope: Literal["shared", "user"] = "shared"
    secretName: str
    "The Kubernetes Secret, created outside infc."

    @field_validator("secretName")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        if not dns_subdomain_ok(value):
            raise ValueError("a Kubernetes object name: lowercase letters, digits, '-' and '.'")
        return value
    keys: list[str] = Field(default_factory=list)
    registry: Optional[str] = None
    "dockerRegistry only: e.g. https://index.docker.io/v1/."


class Credential(Object):
    kind: Literal["Credential"]
    spec: CredentialSpec


class WorkloadTemplate(Object):
    kind: Literal["WorkloadTemplate"]
    spec: InferenceSpec


class InferenceWorkload(Model):
    apiVersion: Literal["infc/v1"]
    kind: Literal["InferenceWorkload"]
    metadata: WorkloadMetadata
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


KINDS: dict[str, type[Model]] = {
    "Config": Config,
    "Cluster": Cluster,
    "Department": Department,
    "Project": Project,
    "Policy": Policy,
    "Environment": Environment,
    "ComputeResource": ComputeResource,
    "DataSource": DataSource,
    "Credential": Credential,
    "WorkloadTemplate": WorkloadTemplate,
    "InferenceWorkload": InferenceWorkload,
}
