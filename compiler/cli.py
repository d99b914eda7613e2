"""The `infc` command line: thin click commands over the pipeline. Heavy imports stay inside commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from compiler import __version__

EXIT_OK, EXIT_ERRORS, EXIT_INTERNAL = 0, 1, 3  # usage errors (2) are click's
FORMATS = ["text", "json", "github", "sarif"]


def _format_option(fn):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                        help="Report format (default: text; github under GitHub Actions).")(fn)


def _root_argument(fn):
    return click.argument("repo", required=False, default=".",
                          type=click.Path(exists=True, file_okay=False, path_type=Path))(fn)


def _fmt(fmt: str | None) -> str:
    if fmt:
        return fmt
    from compiler.report import default_format

    return default_format()


def _report(diags, fmt: str | None, root: Path | None, extra: dict | None = None, text_before: str = "") -> int:
    from compiler.report import emit

    fmt = _fmt(fmt)
    # GitHub's log shows the report as text beside the annotations its workflow commands make.
    if fmt in ("text", "github") and text_before:
        click.echo(text_before, nl=not text_before.endswith("\n"))
    emit(diags, fmt, root=root, stream=sys.stdout, extra=extra if fmt == "json" else None)
    return EXIT_ERRORS if any(d.is_error for d in diags) else EXIT_OK


class InfcGroup(click.Group):
    """Turns an unexpected exception into exit code 3 with a clear 'this is a bug' message.

    Commands listed in LAZY live in other modules and are imported only when run.
    """

    LAZY = {"validate": ("compiler.validate.command", "validate_command")}

    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx, name):
        if name in self.LAZY:
            import importlib

            module, attr = self.LAZY[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        # A reader that left early (`infc compile | head -1`): click ends the run quietly (exit 1).
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit, BrokenPipeError):
            raise
        except KeyboardInterrupt:
            click.echo("infc: interrupted; the output tree was left as it was", err=True)
            sys.exit(130)
        except OSError as exc:  # the machine's, not the input's: a full disk, a failing stream, a permission
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"infc: {exc.strerror or exc}{where}", err=True)
            sys.exit(EXIT_ERRORS)
        except Exception:  # noqa: BLE001 - the one place internal errors surface
            import traceback

            traceback.print_exc()
            click.echo("infc: internal error: this is a bug in infc, not in your input. Please report it "
                       "with the traceback above.", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=InfcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="infc")
def cli() -> None:
    """Compile a GitOps repository of Hugging Face inference workloads into Knative manifests."""


@cli.command("compile")
@_root_argument
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 when the output tree is out of date.")
@click.option("--fail-on-change", is_flag=True, help="Write the tree, and exit 1 if that changed any file (pre-commit).")
@_format_option
def compile_cmd(repo: Path, check_only: bool, fail_on_change: bool, fmt: str | None) -> None:
    """Check REPO and write its versioned output tree (atomically)."""
    from compiler.build import compile_repository
    from compiler.diagnostics import Diagnostic, Location, sort_diagnostics
    from compiler.load.inputs import find_root
    from compiler.output.write import diff_against, write_tree

    root = find_root(repo)
    build = compile_repository(root, progress=_progress_bar())
    diags = list(build.diagnostics)
    out_dir = build.analysis.output_dir
    summary_text = ""
    extra: dict = {"output": build.analysis.config.output}
    if build.tree is not None:
        extra["files"] = len(build.tree)
        if check_only:
            changes = diff_against(out_dir, build.tree, build.output_digests)
            for kind in ("added", "changed", "removed"):
                for rel in changes[kind]:
                    diags.append(Diagnostic(
                        "IC701", f"{build.analysis.config.output}/{rel} would be {kind}",
                        Location(f"{build.analysis.config.output}/{rel}"),
                        hint="run `infc compile` and commit the output tree"))
            diags = sort_diagnostics(diags)
        else:
            try:
                changes = write_tree(out_dir, build.tree, build.output_digests)  # diffs under the write lock
            except OSError as exc:  # a read-only checkout, a full disk: the previous tree is untouched
                raise click.ClickException(f"cannot write {build.analysis.config.output}/: {exc.strerror or exc}"
                                           " (the previous output tree is unchanged)") from None
            summary_text = _compile_summary(build, changes)
        build.remember_output()
        extra["changes"] = changes
    code = _report(diags, fmt, root, extra, summary_text)
    if code == EXIT_OK and fail_on_change and build.tree is not None and any(extra["changes"].values()):
        click.echo("infc: the output tree changed; review and stage it", err=True)
        code = EXIT_ERRORS
    sys.exit(code)


def _progress_bar():
    """A progress bar on stderr for long compiles at a terminal; nothing otherwise."""
    if not (sys.stderr.isatty() and sys.stdout.isatty()):
        return None

    def wrap(items, length, label):
        if length < 200:
            yield from items
            return
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap


def _compile_summary(build, changes: dict) -> str:
    workloads = build.analysis.facts
    clusters = sorted({w.cluster_name for w in workloads}) or sorted(build.analysis.repo.clusters)
    bumped = len(build.changed)
    return (f"infc: compiled {len(workloads)} workloads for cluster(s) {', '.join(clusters) or '-'} into "
            f"{build.analysis.config.output}/ ({len(build.tree)} files: {len(changes['added'])} added, "
            f"{len(changes['changed'])} changed, {len(changes['removed'])} removed; {bumped} new revisions)")


@cli.command("check")
# Not click's exists=True: a link to nothing or to itself exists as a file of the repository.
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--repo", "repo", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Repository root (default: found from the files or the current directory).")
@_format_option
def check_cmd(files: tuple[Path, ...], repo: Path | None, fmt: str | None) -> None:
    """Everything but writing (the pre-commit entry). With FILES (or directories), report those files and what they affect."""
    from compiler.load.inputs import find_root

    if repo:
        start = repo
    elif files:  # a directory given is where the root is looked for; a file, its directory
        start = files[0] if files[0].is_dir() else files[0].parent
    else:
        start = Path(".")
    root = find_root(start)
    wanted = _checked_files(root, files)
    early = None
    if files:
        from compiler.load.early_scan import EarlyScan

        early = EarlyScan(root)  # finds the input files while this process imports the rest
    from compiler.build import compile_repository

    quick = diags = None
    if files:
        from compiler.check_files import QuickCheck

        quick = QuickCheck(root, wanted, early)
        diags = quick.diagnostics()
    if diags is None:
        from compiler.check_files import shared_files, touching

        build = compile_repository(root, only_files=wanted if files else None, front=quick and quick.full_front())
        diags = build.diagnostics
        if files and not wanted & shared_files(build.analysis.documents):
            diags = touching(diags, build.analysis.facts, wanted)
        if quick:
            quick.remember(build, diags)
    sys.exit(_report(diags, fmt, root, {"files": sorted(_rel(root, f) for f in files)} if files else None))


def _checked_files(root: Path, paths: tuple[Path, ...]) -> set[str]:
    """The given files, and the YAML files under the given directories, relative to the root."""
    from compiler.load.discover import YAML_SUFFIXES

    out = set()
    for path in paths:
        if not os.path.lexists(path):
            raise click.BadParameter(f"'{path}' does not exist", param_hint="FILES")
        if not _named(path).is_relative_to(root):
            raise click.BadParameter(f"'{path}' is outside the repository {root}", param_hint="FILES")
        if path.is_dir():
            out.update(_rel(root, Path(d, name)) for d, dirs, names in os.walk(path)
                       if not any(part.startswith(".") for part in Path(d).relative_to(path).parts)
                       for name in names if name.endswith(YAML_SUFFIXES))
        else:
            out.add(_rel(root, path))
    return out


def _named(path: Path) -> Path:
    """`path` absolute as the repository's files are named: its directory resolved, not the file
    itself (a link in the repository is the link's file, whatever it points at, even itself)."""
    return path.resolve() if path.is_dir() else path.absolute().parent.resolve() / path.name


def _rel(root: Path, path: Path) -> str:
    """The name diagnostics give the file `path`."""
    from compiler.diagnostics import printable

    try:
        return printable(_named(path).relative_to(root).as_posix())
    except ValueError:
        return printable(path.as_posix())


@cli.command("plan")
@_root_argument
@_format_option
def plan_cmd(repo: Path, fmt: str | None) -> None:
    """What a compile would change: revisions, files, GPU per project and pool, node pools."""
    from compiler.build import compile_repository
    from compiler.load.inputs import find_root
    from compiler.output.plan import format_plan_text, plan

    root = find_root(repo)
    build = compile_repository(root)
    if build.tree is None:
        sys.exit(_report(build.diagnostics, fmt, root))
    data = plan(build.analysis, build.tree, build.analysis.output_dir, build.lock_entries, build.previous)
    text = format_plan_text(data)
    sys.exit(_report(build.diagnostics, fmt, root, {"plan": data}, text))


@cli.command("explain")
@click.argument("workload")
@click.option("--project", default=None, help="Project of the workload, when the name is not unique.")
@click.option("--repo", "repo", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."))
@_format_option
def explain_cmd(workload: str, project: str | None, repo: Path, fmt: str | None) -> None:
    """The effective spec of WORKLOAD (its name, or PROJECT/NAME as reports write it): each
    value, the file:line that set it, the rules on it; and the workload's own findings (exit 1
    when one is an error)."""
    from compiler.explain import explain_data, find_workloads, format_explain_text
    from compiler.load.inputs import find_root
    from compiler.pipeline import analyse

    if project is None and "/" in workload:  # a workload's name is a DNS label: never a slash
        project, workload = workload.split("/", 1)
    root = find_root(repo)
    analysis = analyse(root)
    data = explain_data(analysis, workload, project)
    if data is None:
        found = find_workloads(analysis, workload, project)
        if len(found) > 1:
            projects = ", ".join(sorted(w.project.name for w in found))
            raise click.UsageError(f"'{workload}' exists in several projects ({projects}); pass --project")
        raise click.UsageError(f"no workload named '{workload}'" + (f" in project '{project}'" if project else "")
                               + " resolved (run `infc check` to see why)")
    key = f"{data['project']}/{data['workload']}"
    own = [d for d in analysis.diagnostics
           if d.subject == key or (d.location is not None and d.location.file == data["file"])]
    sys.exit(_report(own, fmt, root, data, format_explain_text(data)))


@cli.command("quota")
@_root_argument
@_format_option
def quota_cmd(repo: Path, fmt: str | None) -> None:
    """Usage against quota per department, project and node pool."""
    from compiler.load.inputs import find_root
    from compiler.pipeline import analyse
    from compiler.quota_report import format_quota_text, quota_table

    root = find_root(repo)
    analysis = analyse(root)  # usage at minimum replicas: the lock (previous revisions) plays no part
    rows = quota_table(analysis)
    sys.exit(_report(analysis.diagnostics, fmt, root, {"quota": rows}, format_quota_text(rows)))


@cli.command("endpoints")
@_root_argument
@_format_option
def endpoints_cmd(repo: Path, fmt: str | None) -> None:
    """Serving URL and a ready curl command per workload."""
    from compiler.endpoints import endpoints, format_endpoints_text
    from compiler.load.inputs import find_root
    from compiler.pipeline import analyse

    root = find_root(repo)
    analysis = analyse(root)
    rows = endpoints(analysis)
    sys.exit(_report(analysis.diagnostics, fmt, root, {"endpoints": rows}, format_endpoints_text(rows)))


@cli.command("schema")
@click.argument("kind", required=False)
@click.option("--markdown", is_flag=True,
              help="Print the field reference (docs/fields.md) instead; with KIND, that kind's section.")
def schema_cmd(kind: str | None, markdown: bool) -> None:
    """JSON Schema of the input kinds (all, or one KIND), for editor completion."""
    import json

    from compiler.schema import field_reference_markdown, json_schema

    try:
        if markdown:
            text = field_reference_markdown(kind)
        else:
            text = json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"
    except KeyError as exc:  # an unknown KIND
        raise click.UsageError(str(exc.args[0])) from None
    click.echo(text, nl=False)


@cli.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def init_cmd(directory: Path) -> None:
    """Write a starter repository into DIRECTORY (which must be empty or absent)."""
    from compiler.starter import write_starter

    if os.path.lexists(directory) and not directory.is_dir():
        raise click.UsageError(f"{directory} is not a directory")
    if directory.exists() and any(directory.iterdir()):
        raise click.UsageError(f"{directory} is not empty")
    written = write_starter(directory)
    click.echo(f"infc: wrote a starter repository with {len(written)} files to {directory}/")
    click.echo(f"next: cd {directory} && infc compile")


@cli.command("serve")
@click.option("--idle", "idle_minutes", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="End after this many minutes without a run.")
@click.option("--detach", is_flag=True, help="Serve in the background; return once the server answers.")
@click.option("--stop", "stop_it", is_flag=True, help="End the running server.")
@click.option("--status", is_flag=True, help="Say whether a server is running (exit 1 when none is).")
def serve_cmd(idle_minutes: float, detach: bool, stop_it: bool, status: bool) -> None:
    """Keep infc loaded: later runs by this user start in a few milliseconds (editor loop, hooks)."""
    if os.name != "posix":
        raise click.ClickException("infc serve needs a POSIX system (Linux, macOS): it passes file descriptors "
                                   "over a Unix socket")
    from compiler import server
    from compiler.user_dirs import server_socket

    path = server_socket()
    if status:
        pid = server.ping(path)
        click.echo(f"infc: serving on {path} (pid {pid})" if pid else "infc: no server is running")
        sys.exit(EXIT_OK if pid else EXIT_ERRORS)
    if stop_it:
        pid = server.stop(path)
        click.echo(f"infc: stopped the server (pid {pid})" if pid else "infc: no server is running")
        return
    if detach:
        _detach(lambda: server.serve(idle_minutes, announce=lambda _line: None))
        if not server.wait_until_serving(path, 60):
            raise click.ClickException("the server did not start; run `infc serve` to see why")
        click.echo(f"infc: serving on {path} (pid {server.ping(path)}); `infc serve --stop` ends it")
        return
    try:
        server.serve(idle_minutes, announce=lambda line: click.echo(line, err=True))
    except server.ServeError as exc:
        raise click.ClickException(str(exc)) from None


def _detach(serve) -> None:
    """Run `serve()` in a process that outlives this one (and its terminal); return in the parent.
    A server that cannot start (one is running already) ends quietly: the parent asks the socket."""
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    code = EXIT_INTERNAL
    try:
        serve()
        code = EXIT_OK
    except Exception:  # noqa: BLE001 - nobody to tell: the parent reports that nothing answers
        code = EXIT_ERRORS
    finally:
        os._exit(code)


def main() -> None:
    # A parent that closed our standard streams (some runners and daemons do) gets no output,
    # not a crash.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))
    # Leave without freeing the run's objects one by one (0.07 s after a 10,000-workload
    # check): everything is written and closed by now, only the streams may hold output.
    os._exit(run())


def tune_gc() -> None:
    import gc

    # One short run whose long-lived data (documents, cache entries) has no reference cycles:
    # full collections only re-walked that growing heap (40% of a 10,000-workload recompile).
    # Young collections stay, for the short-lived cycles of YAML parsers (`infc validate`).
    gc.set_threshold(20_000, 50, 1_000)


def run(args: list[str] | None = None) -> int:
    """One run of the command line (`args`, else sys.argv); its exit code, streams flushed."""
    tune_gc()
    # A terminal in a legacy encoding (Latin-1, ASCII) gets `\u6f22` for what it cannot show,
    # not a crash: reports quote the repository's own text.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        cli(prog_name="infc", args=args)
        code = 0
    except SystemExit as done:
        code = done.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more to say
            pass
    return code or 0


if __name__ == "__main__":  # pragma: no cover
    main()
