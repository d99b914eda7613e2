"""`infc check FILES`: what it reports, and how it avoids replaying the rest of the repository.

A check of files reports the findings in those files, about their workloads, and the
shared-resource findings (quota, placement, NodePorts, rolling updates) on their clusters.

The repository rules read every workload, so a check of one file took the facts of all the
others from the cache and replayed them: O(workloads). Yet the editor loop checks the same
file again and again, and most edits (a server argument, an environment variable, the model)
leave what those rules read of it unchanged. So a check of workload files remembers what the
rest of the repository gave it: the reported findings that the checked workloads do not
produce themselves, whether anything elsewhere fails (which stops rendering), the node pool
placement chose for each checked workload, which of them get a new revision and what the lock
files say of them.
The memo is keyed on everything that can change those: infc.yaml, every input document outside
the checked files, the lock files, the templates, and what the repository rules read of the
checked workloads (WorkloadFacts.repository_digest). A check with the same key takes every
file's digest, loads the checked files and the shared documents only (no other workload), then
resolves, checks and renders only the checked workloads; anything else is a miss, and the full
check runs and is remembered. A memo is only stored once the quick path, run beside the full
one, reproduces its report exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.diagnostics import Diagnostic, sort_diagnostics

# Shared-resource findings: a change in one file can surface them at another workload.
CROSS_FILE_CODES = {"IC212", "IC401", "IC402", "IC403", "IC404", "IC405", "IC406", "IC407"}


def shared_files(documents) -> set[str]:
    """Files holding anything but workloads (projects, policies, assets...): an edit there may
    affect any workload, so `check` of such a file reports the whole repository."""
    from compiler.load.document import Document
    from compiler.spec.parse import Parsed

    return {d.file for d in documents if isinstance(d, Document) and d.kind != "InferenceWorkload"} | \
        {p.doc.file for p in documents if isinstance(p, Parsed) and p.obj.kind != "InferenceWorkload"}


def touching(diags, workloads, wanted: set[str]) -> list:
    """Diagnostics in the given files or pointing at them (a duplicate name elsewhere), about
    their workloads, or shared-resource findings on their cluster."""
    affected = {w.key for w in workloads if w.file in wanted}
    clusters = {w.cluster_name for w in workloads if w.key in affected}
    cluster_of = {w.key: w.cluster_name for w in workloads}
    return [d for d in diags
            if d.location is None or d.location.file in wanted or d.subject in affected
            or any(r.file in wanted for r in d.related)
            or (d.code in CROSS_FILE_CODES and cluster_of.get(d.subject) in clusters)]


@dataclass
class Memo:
    rest: list[Diagnostic]  # the reported findings the checked workloads do not produce themselves
    fails_elsewhere: bool  # an error outside the checked workloads: nothing is rendered
    pools: dict[str, str]  # checked workload ("project/name") -> the node pool it is placed in
    changed: frozenset[str] | None  # checked workloads whose revision changes (None: not rendered)
    # What the lock files say: their findings, and the entries of the checked workloads.
    lock_diags: list[Diagnostic]
    previous: dict[str, dict[str, dict]]


@dataclass
class _Own:
    """What the checked workloads produce themselves."""

    diagnostics: list[Diagnostic]  # reported: loading, parsing, their own checks and renders
    fails: bool  # an error among those, before rendering
    changed: frozenset[str] | None


class QuickCheck:
    """One `infc check FILES` run: `diagnostics()` from the memo, or None (then the caller runs
    the full check on `full_front()` and hands its result to `remember`). `early`: an EarlyScan
    of the repository (compiler/load/early_scan.py), started before the imports."""

    def __init__(self, root: Path, wanted: set[str], early=None):
        from compiler.cache import Cache
        from compiler.check import CheckContext
        from compiler.pipeline import load_front, output_of, read_config, read_inputs

        self.root, self.wanted = root, wanted
        self.cache = Cache(root)
        self.cache.partial = True
        self.config, _ = read_config(root, self.cache)
        self.output = output_of(root, self.config)
        self.inputs = early and early.inputs(self.cache, self.output)
        if self.inputs is None:
            from compiler.load.early_scan import remember_output

            self.inputs = read_inputs(root, self.output, self.cache)
            remember_output(self.cache, self.output)
        # "path|digest" of every input file but the checked ones
        self._others = [key for key in self.inputs.keys if key.rsplit("|", 1)[0] not in wanted]
        self._full = None
        self._rows: dict[str, list | None] = {}  # outline entries looked up so far
        # Resolving and rendering the checked workloads needs every document but the other
        # workloads: the memo stands for what those give (without a cache, there is no memo).
        self.front = load_front(root, self.cache, self.config, self._lean_outlines, self.inputs, wanted) \
            if self.cache.enabled else self.full_front()
        self.ctx = CheckContext(repo=self.front.repo)
        self.keys = sorted(key for key, parsed in self.front.repo.workloads.items() if parsed.source[0] in wanted)
        self.key = None
        if self.cache.enabled and wanted and not wanted & shared_files(self.front.docs):
            from compiler.pipeline import workload_facts

            self.resolver = self.front.resolver()
            self.checked = workload_facts(self.front, self.resolver, self.ctx, self.cache, self.keys)
            if not self.checked.unresolved:
                self.key = self._memo_key()

    def full_front(self):
        """The whole repository loaded, for the full check."""
        from compiler.pipeline import load_front

        if self._full is None:
            self._full = load_front(self.root, self.cache, self.config, self._outlines_of, self.inputs)
        return self._full

    def _lean_outlines(self, keys: list[str]) -> list:
        """The files' outlines for the quick path, which leaves out the other files' workloads:
        a file known to hold valid workloads only is not looked up (an empty outline)."""
        workload_files = self.cache.get("check-outlines", "workload-files") or frozenset()
        needed = [key for key in keys if key not in workload_files or key.rsplit("|", 1)[0] in self.wanted]
        fetched = dict(zip(needed, self._fetch(needed)))
        return [fetched[key] if key in fetched else [] for key in keys]

    def _fetch(self, keys: list[str]) -> list:
        """The outline entries of `keys`, each looked up once for both fronts."""
        new = [key for key in keys if key not in self._rows]
        self._rows.update(zip(new, self.cache.get_many("outlines", new)))
        return [self._rows[key] for key in keys]

    def _outlines_of(self, keys: list[str]) -> list:
        """The files' outlines, those of the other files from one cache entry rather than one
        entry each. Entries are keyed by content, so a stale one is harmless: what it lacks is
        read as usual, and it is rebuilt for the next check (None: a file without an outline)."""
        from compiler.spec.parse import WorkloadStub

        known = self.cache.get("check-outlines", "latest") or {}
        missing = [key for key in keys if key not in known]
        fetched = dict(zip(missing, self._fetch(missing)))
        outlines = [known[key] if key in known else fetched[key] for key in keys]
        if any(key not in known for key in self._others):
            by_key = dict(zip(keys, outlines))
            self.cache.put("check-outlines", "latest", {key: by_key[key] for key in self._others})
            self.cache.put("check-outlines", "workload-files", frozenset(
                key for key, outline in by_key.items()
                if outline is not None and all(isinstance(entry, WorkloadStub) for entry in outline)))
        return outlines

    def _memo_key(self) -> str:
        from compiler.build import _templates_digest
        from compiler.cache import digest
        from compiler.output.lock import LOCK_NAME
        from compiler.pipeline import leads_astray, templates_of

        astray = leads_astray(self.root, self.config.output)
        locks = sorted(self.output.glob(f"*/{LOCK_NAME}")) if self.output.is_dir() and not astray else []
        # The cache file itself is keyed on infc's code; the other files' digests cover
        # every document the repository rules may read besides the checked workloads.
        return digest(repr(self.config),
                      _templates_digest(templates_of(self.root, self.config)),
                      *(f"{p.parent.name}:{digest(p.read_bytes())}" for p in locks),
                      f"files:{len(self.wanted)}", *sorted(self.wanted), *sorted(self._others),
                      "checked", *(f"{f.key}|{f.repository_digest()}" for f in self.checked.facts))

    def diagnostics(self) -> list[Diagnostic] | None:
        """What the full check would report, or None without a memo that still holds (what
        was worked out meanwhile is saved, for the full check to take from the cache)."""
        try:
            memo = self.cache.get("check-memo", self.key) if self.key else None
            if memo is None:
                return None
            own = self._own(memo)
            if own is None or own.changed != memo.changed:
                return None  # another revision changes: the rolling update is another question
            return sort_diagnostics(own.diagnostics + memo.rest)
        finally:
            self.cache.save()

    def _own(self, memo: Memo) -> _Own | None:
        """What the checked workloads produce themselves, in the setting `memo` describes."""
        from compiler.build import render_checked
        from compiler.pipeline import Analysis, apply_ignores
        from compiler.render.engine import TemplateFailure

        ignore = self.config.ignore
        before = apply_ignores(self.front.diagnostics + memo.lock_diags + self.checked.all_findings, ignore)
        fails = any(d.is_error for d in before)
        changed = None
        rendered: list[Diagnostic] = []
        if not (fails or memo.fails_elsewhere):
            if not all(f.key in memo.pools for f in self.checked.facts):
                return None  # the remembered check stopped before placing them
            analysis = Analysis(self.root, self.config, self.front.docs, self.front.repo, self.checked.facts,
                                resolver=self.resolver)
            try:
                rendered, bumped = render_checked(analysis, memo.pools, memo.previous, self.cache)
            except TemplateFailure:
                return None  # the full check reports it
            changed = frozenset(bumped)
        found = touching(apply_ignores(before + rendered, ignore), self.checked.facts, self.wanted)
        return _Own(found, fails, changed)

    def remember(self, build, reported: list[Diagnostic]) -> None:
        """Store what the full check `build` reported (`reported`) as the memo of this key,
        once the quick path reproduces it from that memo."""
        try:
            self._remember(build, reported)
        finally:
            self.cache.save()

    def _remember(self, build, reported: list[Diagnostic]) -> None:
        from compiler.pipeline import apply_ignores

        analysis = build.analysis
        checked = analysis.checked
        if self.key is None or checked is None or self._shadowed():
            return
        mine = {f.key for f in self.checked.facts}
        loaded = set(self.front.diagnostics)  # the quick path's own: of the files it loads
        elsewhere = [d for d in self.full_front().diagnostics if d not in loaded] + checked.unresolved + [
            d for f, found in zip(checked.facts, checked.findings) if f.key not in mine for d in found]
        fails_elsewhere = any(d.is_error for d in apply_ignores(
            elsewhere + analysis.repository_findings, self.config.ignore))
        pools = {key: pool for key, pool in build.pools.items() if key in mine}
        if build.rendered and not mine <= set(pools):
            return
        previous: dict[str, dict[str, dict]] = {}
        for f in self.checked.facts:
            entry = build.previous.get(f.cluster_name, {}).get(f"{f.namespace}/{f.name}")
            if entry is not None:
                previous.setdefault(f.cluster_name, {})[f"{f.namespace}/{f.name}"] = entry
        memo = Memo([], fails_elsewhere, pools, None, build.lock_diagnostics, previous)
        own = self._own(memo)
        if own is None or (own.changed is not None) != build.rendered:
            return
        if build.rendered and own.changed != frozenset(build.changed & mine):
            return
        produced = set(own.diagnostics)
        memo.rest, memo.changed = [d for d in reported if d not in produced], own.changed
        if _exact(sort_diagnostics(own.diagnostics + memo.rest)) != _exact(reported):
            return  # something the memo does not capture: no shortcut for this key
        self.cache.put("check-memo", self.key, memo)


    def _shadowed(self) -> bool:
        """A checked workload defined in a file read before it too (IC004 at the checked file):
        that one counts, and the quick path, which loads the checked files only, would take
        the checked one for it. The full check decides, every time until one is renamed."""
        return any(d.code == "IC004" and d.location and d.location.file in self.wanted
                   for d in self.full_front().diagnostics)


def _exact(diags: list[Diagnostic]) -> list[tuple]:
    """Diagnostics with the fields their equality leaves out (related places, subject)."""
    return [(d, d.related, d.subject) for d in diags]
