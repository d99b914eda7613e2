"""The inference workload spec: Run:ai's InferenceSpec fields plus the Hugging Face block."""


import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from compiler.spec.base import Cores, Model, Name, Portion, Quantity, Words


class Itemized(Model):
    """An item of an itemized list: merged by its key, removable with `exclude: true`."""

    exclude: bool = False
    "Remove an inherited item with the same key (unless a policy locks it)."


# --- Hugging Face ------------------------------------------------------------------------


# A Hugging Face repository id (huggingface_hub's validate_repo_id): never an option ("--x")
# that the server would read as one.
MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")


class HuggingFace(Model):
    model: Optional[str] = Field(default=None, json_schema_extra={"pattern": MODEL_ID.pattern})
    "Hugging Face model id, e.g. meta-llama/Llama-3.1-8B-Instruct."
    revision: Optional[str] = None
    "Branch, tag or commit of the model repository."
    server: Optional[Literal["vllm", "tgi"]] = None
    "Inference server: vllm (default) or tgi."
    credential: Optional[str] = None
    "Credential (genericSecret with key HF_TOKEN) used to download gated models."
    token: Optional[str] = None
    "Never allowed: a literal token is refused (IC301); use `credential`."
    modelStore: Optional[str] = None
    "DataSource (pvc) that caches the weights; without it they go to the container's disk."
    servedModelName: Optional[str] = None
    "Model name clients send in OpenAI requests (default: the workload name)."
    maxModelLen: Optional[int] = Field(default=None, ge=1)
    "Maximum context length (vLLM --max-model-len, TGI --max-total-tokens)."
    dtype: Optional[Literal["auto", "half", "float16", "bfloat16", "float", "float32"]] = None
    "Weight dtype; auto follows the model config."
    quantization: Optional[str] = None
    "awq, gptq, fp8, bitsandbytes, ... (vLLM --quantization, TGI --quantize)."
    parameters: Optional[Union[float, str]] = None
    "Override the parameter count read from the model id: 8e9, '8B', '46.7B'."
    extraArgs: Optional[list[str]] = None
    "Further server arguments, appended after infc's own."
    trustRemoteCode: Optional[bool] = None
    "Pass --trust-remote-code."

    @field_validator("model")
    @classmethod
    def _model_id(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and (not MODEL_ID.fullmatch(value) or ".." in value or "--" in value):
            raise ValueError("a Hugging Face model id: [owner/]name of letters, digits, '.', '_' and '-',"
                             " e.g. meta-llama/Llama-3.1-8B-Instruct")
        return value


# --- environment -------------------------------------------------------------------------


class KeyRef(Model):
    name: Name
    key: Name


class PodFieldRef(Model):
    path: Name


class EnvVar(Itemized):
    name: Name
    value: Optional[Union[str, int, float, bool]] = None
    secret: Optional[KeyRef] = None
    configMap: Optional[KeyRef] = None
    credential: Optional[KeyRef] = None
    "A Credential asset and one of its keys."
    userCredential: Optional[KeyRef] = None
    "Run:ai's name for `credential`."
    podFieldRef: Optional[PodFieldRef] = None
    description: Optional[str] = None

    @model_validator(mode="after")
    def _one_source(self) -> "EnvVar":
        sources = [s for s in ("value", "secret", "configMap", "credential", "userCredential", "podFieldRef")
                   if getattr(self, s) is not None]
        if len(sources) > 1 and not self.exclude:
            raise ValueError(f"set only one of value, secret, configMap, credential, podFieldRef (found {', '.join(sources)})")
        return self


class ImagePullSecret(Itemized):
    name: Name
    "Kubernetes Secret of type dockerconfigjson."
    credential: Optional[str] = None
    "Credential asset (dockerRegistry or ngcApiKey) this secret comes from."
    userCredential: Optional[bool] = None


AuthorizationType = Literal["public", "authenticatedUsers", "authorizedUsers", "authorizedGroups",
                            "authorizedUsersOrGroups"]


class ServingPort(Model):
    container: Optional[int] = Field(default=None, ge=1, le=65535)
    "Container port the server listens on (default 8000 for vLLM, 8080 for TGI)."
    protocol: Optional[Literal["http", "grpc"]] = None
    authorizationType: Optional[AuthorizationType] = None
    "Who may call the endpoint (default public)."
    authorizedUsers: Optional[list[str]] = None
    authorizedGroups: Optional[list[str]] = None
    clusterLocalAccessOnly: Optional[bool] = None
    "Internal only: reachable from inside the cluster (Knative cluster-local visibility)."
    exposeExternally: Optional[bool] = None
    "Run:ai CLI spelling of the opposite of clusterLocalAccessOnly."


class ToolPort(Itemized):
    name: Name
    container: int = Field(ge=1, le=65535)
    serviceType: Optional[Literal["NodePort", "LoadBalancer", "ClusterIP"]] = None
    external: Optional[int] = Field(default=None, ge=1, le=65535)
    "Custom NodePort (30000-32767) or service port."
    toolType: Optional[str] = None
    toolName: Optional[str] = None


class ExposedUrl(Itemized):
    name: Name
    container: int = Field(ge=1, le=65535)
    url: Optional[str] = None
    "Custom URL; default <name>-<workload>-<namespace>.<domain>."
    authorizationType: Optional[Literal["authenticatedUsers", "authorizedUsers", "authorizedGroups",
                                        "authorizedUsersOrGroups", "public"]] = None
    authorizedUsers: Optional[list[str]] = None
    authorizedGroups: Optional[list[str]] = None
    toolType: Optional[str] = None
    toolName: Optional[str] = None


# --- compute -----------------------------------------------------------------------------


class ExtendedResource(Itemized):
    resource: Name
    quantity: Optional[Quantity] = None


class Compute(Model):
    gpuDevicesRequest: Optional[int] = Field(default=None, ge=0)
    "GPU devices per pod."
    gpuRequestType: Optional[Literal["portion", "memory"]] = None
    gpuPortionRequest: Optional[Portion] = None
    "Portion of each device, 0 < p <= 1 (0.5 or '50%')."
    gpuPortionLimit: Optional[Portion] = None
    gpuMemoryRequest: Optional[Quantity] = None
    "GPU memory per device (memory request type, one device)."
    gpuMemoryLimit: Optional[Quantity] = None
    cpuCoreRequest: Optional[Cores] = None
    cpuCoreLimit: Optional[Cores] = None
    cpuMemoryRequest: Optional[Quantity] = None
    cpuMemoryLimit: Optional[Quantity] = None
    largeShmRequest: Optional[bool] = None
    "Mount a memory-backed /dev/shm."
    extendedResources: Optional[list[ExtendedResource]] = None


class Autoscaling(Model):
    minReplicas: Optional[int] = Field(default=None, ge=0)
    "0 allows scale to zero."
    maxReplicas: Optional[int] = Field(default=None, ge=1)
    initialReplicas: Optional[int] = Field(default=None, ge=0)
    activationReplicas: Optional[int] = Field(default=None, ge=1)
    metric: Optional[str] = Field(default=None, pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    "throughput | concurrency | latency | a custom metric name."
    metricThreshold: Optional[Union[int, float]] = None
    metricThresholdPercentage: Optional[float] = Field(default=None, ge=1, le=100)
    concurrencyHardLimit: Optional[int] = Field(default=None, ge=0)
    scaleToZeroRetentionSeconds: Optional[int] = None
    scaleDownDelaySeconds: Optional[int] = None
    initializationTimeoutSeconds: Optional[int] = None
    "Deprecated by Run:ai; use servingConfiguration.initializationTimeoutSeconds."


class ServingConfiguration(Model):
    initializationTimeoutSeconds: Optional[int] = None
    "Time a new revision may take to become ready (model download and load)."
    requestTimeoutSeconds: Optional[int] = None
    "Maximum duration of one request."


# --- scheduling ----------------------------------------------------------------------------


class MatchExpression(Model):
    key: Name
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: Optional[list[str]] = None


class NodeSelectorTerm(Model):
    matchExpressions: list[MatchExpression]


class NodeAffinityRequired(Model):
    nodeSelectorTerms: list[NodeSelectorTerm]


class PodAffinity(Model):
    type: Literal["Required", "Preferred"]
    key: Name


class Toleration(Itemized):
    name: Name
    operator: Optional[Literal["Equal", "Exists"]] = None
    key: Optional[str] = None
    value: Optional[str] = None
    effect: Optional[Literal["NoSchedule", "NoExecute", "PreferNoSchedule", "Any"]] = None
    seconds: Optional[int] = None
    "tolerationSeconds; NoExecute only."


# What Security._groups reads from a text: integers separated by commas (empty parts allowed).
_GROUPS = r"^[\s,]*([+-]?[0-9]+(\s*,[\s,]*|\s*$))*$"


MAX_ID = 2**31 - 1  # user and group ids Knative admits


class Security(Model):
    uidGidSource: Optional[Literal["fromTheImage", "fromIdpToken", "custom"]] = None
    runAsUid: Optional[int] = Field(default=None, ge=0, le=MAX_ID)
    runAsGid: Optional[int] = Field(default=None, ge=0, le=MAX_ID)
    supplementalGroups: Optional[Union[Annotated[str, WithJsonSchema({"type": "string", "pattern": _GROUPS})],
                                       int, list[int]]] = None
    "Comma-separated group ids, as in Run:ai."
    runAsNonRoot: Optional[bool] = None
    readOnlyRootFilesystem: Optional[bool] = None
    capabilities: Optional[list[str]] = None
    seccompProfileType: Optional[Literal["RuntimeDefault", "Unconfined", "Localhost"]] = None
    allowPrivilegeEscalation: Optional[bool] = None

    @field_validator("supplementalGroups")
    @classmethod
    def _groups(cls, v: Any) -> Any:
        if v is None:
            return v
        items = v if isinstance(v, list) else [p.strip() for p in str(v).split(",") if p.strip()]
        if not all(isinstance(i, int) or (i.isascii() and i.isdigit()) for i in items):  # "1 2" is no group 12
            raise ValueError("supplementalGroups must be comma-separated integers")
        groups = [int(i) for i in items]
        if not all(0 <= g <= MAX_ID for g in groups):  # the range Knative admits
            raise ValueError(f"group ids are from 0 to {MAX_ID}")
        return ",".join(map(str, groups))


# --- storage -----------------------------------------------------------------------------


class AccessModes(Model):
    readWriteOnce: Optional[bool] = None
    readOnlyMany: Optional[bool] = None
    readWriteMany: Optional[bool] = None


class ClaimInfo(Model):
    size: Optional[Quantity] = None
    storageClass: Optional[str] = None
    accessModes: Optional[AccessModes] = None
    volumeMode: Optional[Literal["Filesystem", "Block"]] = None


class PvcVolume(Itemized):
    name: Name
    path: Optional[str] = None
    "Mount path in the container."
    existingPvc: Optional[bool] = None
    "true: the claim exists; false: infc emits a PersistentVolumeClaim."
    claimName: Optional[str] = None
    readOnly: Optional[bool] = None
    ephemeral: Optional[bool] = None
    "Not supported for inference (IC207)."
    claimInfo: Optional[ClaimInfo] = None
    dataSharing: Optional[bool] = None


class ConfigMapVolume(Itemized):
    name: Name
    configMap: Optional[str] = None
    mountPath: Optional[str] = None
    subPath: Optional[str] = None
    defaultMode: Optional[str] = Field(default=None, pattern=r"^0?[0-7]{3}$")
    "File mode as an octal string, e.g. '0644'."


class SecretVolume(Itemized):
    name: Name
    secret: Optional[str] = None
    mountPath: Optional[str] = None
    defaultMode: Optional[str] = Field(default=None, pattern=r"^0?[0-7]{3}$")


class EmptyDirVolume(Itemized):
    name: Name
    path: Optional[str] = None
    medium: Optional[Literal["", "Memory"]] = None
    sizeLimit: Optional[Quantity] = None


class HostPathVolume(Itemized):
    name: Name
    path: Optional[str] = None
    "Path on the node."
    mountPath: Optional[str] = None
    readOnly: Optional[bool] = None
    mountPropagation: Optional[Literal["None", "HostToContainer"]] = None


class NfsVolume(Itemized):
    name: Name
    server: Optional[str] = None
    path: Optional[str] = None
    mountPath: Optional[str] = None
    readOnly: Optional[bool] = None


class GitVolume(Itemized):
    name: Name
    repository: Optional[str] = None
    branch: Optional[str] = None
    revision: Optional[str] = None
    path: Optional[str] = None


class S3Volume(Itemized):
    name: Name
    bucket: Optional[str] = None
    path: Optional[str] = None
    url: Optional[str] = None


class Storage(Model):
    pvc: Optional[list[PvcVolume]] = None
    configMapVolume: Optional[list[ConfigMapVolume]] = None
    secretVolume: Optional[list[SecretVolume]] = None
    emptyDirVolume: Optional[list[EmptyDirVolume]] = None
    hostPath: Optional[list[HostPathVolume]] = None
    nfs: Optional[list[NfsVolume]] = None
    git: Optional[list[GitVolume]] = None
    s3: Optional[list[S3Volume]] = None


# --- probes and metadata -------------------------------------------------------------------


class HttpGet(Model):
    path: Optional[str] = None
    port: Optional[Union[int, str]] = None
    host: Optional[str] = None
    scheme: Optional[Literal["HTTP", "HTTPS"]] = None


class ProbeHandler(Model):
    httpGet: HttpGet


class Probe(Model):
    initialDelaySeconds: Optional[int] = Field(default=None, ge=0)
    periodSeconds: Optional[int] = Field(default=None, ge=1)
    timeoutSeconds: Optional[int] = Field(default=None, ge=1)
    successThreshold: Optional[int] = Field(default=None, ge=1)
    failureThreshold: Optional[int] = Field(default=None, ge=1)
    handler: Optional[ProbeHandler] = None


class Probes(Model):
    readiness: Optional[Probe] = None


class NameValue(Itemized):
    name: Name
    value: Optional[Union[str, int, float, bool]] = None


def map_to_items(value: Any) -> Any:
    """`labels`/`annotations` may be written as a plain {key: value} map (Kubernetes style)."""
    if isinstance(value, dict):
        return [{"name": k, "value": v} for k, v in value.items()]
    return value


class _OrMap:
    """The JSON Schema (`infc schema`) of NameValues: the list, or the map map_to_items reads."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict:
        return {"anyOf": [handler(core_schema), {
            "type": "object", "propertyNames": {"minLength": 1},
            "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}]}


NameValues = Annotated[list[NameValue], BeforeValidator(map_to_items), _OrMap()]


Priority = Literal["very-low", "low", "medium-low", "medium", "medium-high", "high", "very-high",
                   "inference", "build", "interactive-preemptible", "train"]


class InferenceSpec(Model):
    """Run:ai's InferenceSpec (research/runai.md §2.2) plus the Hugging Face block."""

    huggingFace: Optional[HuggingFace] = None
    image: Optional[str] = None
    "Container image; default: the pinned image of the server type."
    imagePullPolicy: Optional[Literal["Always", "IfNotPresent", "Never"]] = None
    imagePullSecrets: Optional[list[ImagePullSecret]] = None
    command: Optional[Words] = None
    "Overrides the server preset's command (string or list)."
    args: Optional[Words] = None
    "Added after the server's own arguments (string or list)."
    workingDir: Optional[str] = None
    environmentVariables: Optional[list[EnvVar]] = None
    servingPort: Optional[ServingPort] = None
    ports: Optional[list[ToolPort]] = None
    exposedUrls: Optional[list[ExposedUrl]] = None
    compute: Optional[Compute] = None
    autoscaling: Optional[Autoscaling] = None
    servingConfiguration: Optional[ServingConfiguration] = None
    nodePools: Optional[list[str]] = None
    "Node pools in priority order."
    nodeType: Optional[str] = None
    "Value of the node label run.ai/type."
    nodeAffinityRequired: Optional[NodeAffinityRequired] = None
    podAffinity: Optional[PodAffinity] = None
    tolerations: Optional[list[Toleration]] = None
    priorityClass: Optional[Priority] = None
    preemptibility: Optional[Literal["preemptible", "non-preemptible"]] = None
    security: Optional[Security] = None
    storage: Optional[Storage] = None
    probes: Optional[Probes] = None
    labels: Optional[NameValues] = None
    "List of {name, value}, or a {key: value} map."
    annotations: Optional[NameValues] = None
    "List of {name, value}, or a {key: value} map."
    category: Optional[str] = None
    "Run:ai workload category (monitoring only)."


class WorkloadSpec(InferenceSpec):
    """InferenceWorkload.spec: the inference spec plus references to reusable assets."""

    template: Optional[str] = None
    "WorkloadTemplate to start from."
    environment: Optional[str] = None
    "Environment asset."
    computeResource: Optional[str] = None
    "ComputeResource asset."
    dataSources: Optional[list[str]] = None
    "DataSource assets mounted into the workload."
