"""`make bench`: speed and memory figures of infc on generated repositories. Prints, asserts nothing.

For 100, 1,000 and 10,000 workloads: a full compile, `infc check` of one workload file (and
the floor under it: bench/floor.py), `infc validate` of the output, and a recompile after
changing one workload, without and with `infc serve`; then the quota ledger / placement simulation and the validator
micro-benchmarks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, workload_text  # noqa: E402

INFC = [str(Path(sys.executable).with_name("infc"))]
TARGETS = "targets: compile 1,000 < 3 s; compile 10,000 < 500 MB; recompile < 1/10 of compile; check one file < 0.3 s"


def measure(args: list[str], cwd: Path | None = None) -> tuple[float, float, int, float, float]:
    """(wall seconds, peak RSS MiB, exit code, user and system CPU seconds) of one command,
    measured on that child alone (the processes it forks and waits for included)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "NO_COLOR": "1"})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), usage.ru_utime, usage.ru_stime


def median_of(runs: int, args: list[str], before=None, cwd: Path | None = None) -> tuple:
    """The run with the median wall time of `runs` runs (the machine is noisy), and the range of
    all runs' times; `before()` resets."""
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(measure(args, cwd))
    results.sort()
    spread = f"({results[0][0]:.2f}–{results[-1][0]:.2f} s)" if runs > 1 else ""
    return (*results[len(results) // 2], spread)


def row(label: str, figures: tuple, served: bool = False) -> None:
    # CPU time beside wall time: on a disk slow to create files, kernel (sys) time swells.
    # A served run's memory and CPU time are the server's; the launcher's own are shown.
    wall, rss, code, user, system, spread = figures
    flag = "" if code in (0, 1) else f"  (exit {code})"
    memory = f"{rss:9.0f} MiB" + (" launcher" if served else "")
    print(f"  {label:<40} {wall:8.2f} s {memory}  user {user:6.2f} s  sys {system:5.2f} s  {spread}{flag}",
          flush=True)


def bench_size(n: int, scratch: Path) -> None:
    repo = scratch / f"repo-{n}"
    t = time.perf_counter()
    generate(repo, n)
    print(f"\n{n:,} workloads (generated in {time.perf_counter() - t:.1f} s)", flush=True)
    runs = 5 if n <= 1000 else 1
    row("infc --help", median_of(runs, [*INFC, "--help"]))

    def fresh() -> None:  # no output tree and an empty cache: a first compile
        shutil.rmtree(repo / "deploy", ignore_errors=True)
        shutil.rmtree(os.environ["INFC_CACHE_DIR"], ignore_errors=True)
        os.sync()  # the disk's write-back of the previous run is not this run's time

    full = median_of(runs, [*INFC, "compile", str(repo)], before=fresh)
    row("full compile", full)
    one = repo / "workloads" / "team-0" / "model-0.yaml"
    lengths = iter(range(4096, 0, -1))

    def edit() -> None:  # what the editor loop and a one-line commit do
        one.write_text(workload_text(0, "team-0", max_model_len=next(lengths)))

    check = [*INFC, "check", str(one)]
    # What the libraries alone take for one workload file: the figure the check rows stand on.
    row("floor under check (bench/floor.py)", median_of(runs, [sys.executable, str(HERE / "floor.py"), str(one)]))
    # The first check after a compile replays the whole repository and remembers what the rest
    # gave it; the editor loop's next checks of the same file (other edits) take that memo.
    row("infc check <one workload file>, first", median_of(1, check, before=edit, cwd=repo))
    row("infc check <same file>, edited again", median_of(max(runs, 3), check, before=edit, cwd=repo))
    row("infc validate <output>", median_of(runs, [*INFC, "validate", "--cluster", str(repo / "clusters/prod.yaml"),
                                                   str(repo / "deploy")]))
    # The first recompile after a full compile reads the output tree back once: files written
    # less than two seconds before a run are never trusted by their status alone (racy-clean),
    # so the full compile could not record their digests. The runs after it compare by status.
    recompile = [*INFC, "compile", str(repo)]
    first = median_of(1, recompile, before=edit)
    row("recompile after one change, first", first)
    again = median_of(max(runs, 3), recompile, before=edit)
    row("recompile after one change, again", again)
    print(f"  {'recompile / full compile: first, again':<40} {first[0] / full[0]:8.2f} {again[0] / full[0]:5.2f}",
          flush=True)
    # The same editor loop with `infc serve` up: runs start with everything loaded.
    subprocess.run([*INFC, "serve", "--detach"], check=True, stdout=subprocess.DEVNULL)
    try:
        row("infc check <same file>, served", median_of(max(runs, 3), check, before=edit, cwd=repo), served=True)
        served = median_of(max(runs, 3), recompile, before=edit)
        row("recompile after one change, served", served, served=True)
        print(f"  {'served recompile / full compile':<40} {served[0] / full[0]:8.2f}", flush=True)
    finally:
        subprocess.run([*INFC, "serve", "--stop"], check=False, stdout=subprocess.DEVNULL)
    shutil.rmtree(repo, ignore_errors=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    print(f"infc benchmarks on {os.cpu_count()} cores; {TARGETS}")
    # Inside the project (out/ is git-ignored): the system temp directory may sit on a slower file system.
    scratch = HERE.parent / "out" / "bench"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    os.environ["INFC_CACHE_DIR"] = str(scratch / "cache")
    # Bytecode as an installed package has it (pip compiles on install; an editable install
    # does not, and PYTHONDONTWRITEBYTECODE would make every run compile infc's source again).
    import compileall

    compileall.compile_dir(str(HERE.parent / "compiler"), quiet=1)
    try:
        for n in sizes:
            bench_size(n, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for script in ("quota_bench.py", "validate_bench.py"):
        if (HERE / script).is_file():
            print(f"\n{script}:", flush=True)
            subprocess.run([sys.executable, str(HERE / script)], check=False)


if __name__ == "__main__":
    main()
