"""What the validated cluster looks like: Knative configuration and schema selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ValidationSettings:
    features: dict[str, str] = field(default_factory=dict)  # Knative config-features overrides
    max_revision_timeout_seconds: int = 600
    container_concurrency_max_limit: int = 1000
    allow_zero_initial_scale: bool = False
    strict: bool = True
    kubernetes_version: str = "1.37"
    schema_locations: list[Path] = field(default_factory=list)
    ignore_missing_schemas: bool = False
    max_scale_limit: int = 0  # config-autoscaler max-scale-limit; 0 = no limit

    @classmethod
    def from_cluster(cls, cluster_spec: Any, **overrides: Any) -> "ValidationSettings":
        """Settings matching a `compiler.spec.kinds.ClusterSpec` (its spec.knative block)."""
        knative = cluster_spec.knative
        values: dict[str, Any] = {
            "features": {k: str(v).lower() for k, v in (knative.features or {}).items()},
            "max_revision_timeout_seconds": knative.maxRevisionTimeoutSeconds,
            "container_concurrency_max_limit": knative.containerConcurrencyMaxLimit,
            "allow_zero_initial_scale": knative.allowZeroInitialScale,
        }
        values.update(overrides)
        return cls(**values)
