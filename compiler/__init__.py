"""infc: a GitOps manifest compiler for Hugging Face inference workloads on Knative."""

__version__ = "0.1.0"
