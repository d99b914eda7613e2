"""`infc validate PATH...`: Kubernetes and Knative manifests checked the way the cluster would."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compiler.validate.settings import ValidationSettings

FORMATS = ("text", "json", "github", "sarif", "junit", "tap")


def _settings_from_cluster(path: str, root: Path):
    """(settings or None, diagnostics) from a file holding a Cluster document."""
    from compiler.diagnostics import without_repeats
    from compiler.load.yamlfile import parse_yaml
    from compiler.spec.parse import parse_documents
    from compiler.validate.files import display_name

    docs, diags = parse_yaml(Path(path).read_bytes(), display_name(path, root))
    repo, more = parse_documents(d for d in docs if d.kind == "Cluster")
    diags += without_repeats(more, diags)
    if not repo.clusters:
        return None, diags
    cluster = next(iter(repo.clusters.values()))
    return ValidationSettings.from_cluster(cluster.obj.spec), diags


def _usage(message: str) -> None:
    raise click.UsageError(message)


@click.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Reject fields the schemas do not know (the API server's strict field validation).")
@click.option("--kubernetes-version", default="1.37", show_default=True, metavar="X.Y",
              help="Kubernetes version whose schemas to use (1.25 and later).")
@click.option("--schema-location", "schema_locations", multiple=True, metavar="DIR",
              help="Directory (or kubeconform template) with extra {kind}-{group}-{version}.json schemas;"
                   " repeatable.")
@click.option("--ignore-missing-schemas", is_flag=True, help="Skip kinds that have no schema.")
@click.option("--cluster", "cluster_file", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="A file with a Cluster document: its Knative features and limits apply.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format (default: text, or github inside GitHub Actions).")
@click.option("--kubeconform", "use_kubeconform", is_flag=True,
              help="Also run the kubeconform binary with the same schemas and merge its findings.")
def validate_command(paths, strict, kubernetes_version, schema_locations, ignore_missing_schemas,
                     cluster_file, fmt, use_kubeconform):
    """Validate Kubernetes and Knative manifests offline, kubeconform-style, with Knative's
    admission rules. PATH is a file, a directory (searched for *.yaml and *.yml) or - for stdin."""
    from compiler import report
    from compiler.diagnostics import summary
    from compiler.validate import k8s_schemas
    from compiler.validate.files import validate_paths

    root = Path.cwd()
    for path in paths:
        if path != "-" and not Path(path).exists():
            _usage(f"path '{path}' does not exist")
    if paths.count("-") > 1:
        _usage("'-' (stdin) can be given only once")
    try:
        version = k8s_schemas.normalize_version(kubernetes_version)
    except ValueError as exc:
        _usage(str(exc))
    known = k8s_schemas.available_versions()
    if version not in known:
        _usage(f"no schemas for Kubernetes {version}; available: {', '.join(known) or 'none'}")
    for location in schema_locations:
        if "{{" not in location and not Path(location).is_dir():
            _usage(f"--schema-location '{location}' is not a directory")
    binary = None
    if use_kubeconform:
        from compiler.validate import kubeconform

        binary = kubeconform.find_binary()
        if binary is None:
            _usage("--kubeconform: kubeconform is not on PATH (install it from"
                   " https://github.com/yannh/kubeconform, or drop --kubeconform)")
        if "-" in paths:
            _usage("--kubeconform cannot read stdin; pass files or directories")

    diags = []
    overrides = dict(strict=strict, kubernetes_version=version,
                     schema_locations=[Path(p) for p in schema_locations],
                     ignore_missing_schemas=ignore_missing_schemas)
    settings = ValidationSettings(**overrides)
    if cluster_file:
        from_cluster, cluster_diags = _settings_from_cluster(cluster_file, root)
        diags += cluster_diags
        if from_cluster is None and not cluster_diags:
            _usage(f"--cluster: no Cluster document in {cluster_file}")
        # A Cluster that cannot be read says nothing of its features and limits: validating
        # against Knative's defaults instead would report what that cluster may well allow.
        settings = ValidationSettings(**{**from_cluster.__dict__, **overrides}) if from_cluster else None

    found, subjects = validate_paths(list(paths), settings, root) if settings else ([], [])
    diags += found
    extra = {"kubernetesVersion": version, "strict": strict, "documents": len(subjects)}
    if binary is not None and settings:
        diags += _kubeconform_findings(binary, list(paths), settings, root, diags)
        extra["kubeconform"] = True
    report.emit(diags, fmt or report.default_format(), root=root, stream=sys.stdout,
                subjects=subjects, extra=extra, command="infc validate")
    sys.exit(1 if summary(diags)["errors"] else 0)


def _kubeconform_findings(binary, paths, settings, root, ours):
    from compiler.validate import kubeconform
    from compiler.validate.files import expand
    from compiler.validate.manifest_yaml import parse_manifests

    names = dict(expand(paths, root))
    files = list(names)
    documents = []
    for f in files:
        docs, _ = parse_manifests(Path(f).read_bytes(), names[f])
        documents += docs
    try:
        output = kubeconform.run(files, documents, settings, binary)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    return kubeconform.findings(output, names, documents, ours)
