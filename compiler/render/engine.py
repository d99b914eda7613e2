"""The Jinja2 environment: sandboxed, StrictUndefined, user templates override infc's own.

Templates decide layout and render to YAML text; the text is parsed back (libyaml) into
plain data, so the rest of the pipeline validates and writes data, never strings. User
values only ever reach a template as data through `tojson`: Jinja syntax inside them is
printed literally, never evaluated.

A repository's templates are code a pull request may change, rendered by every CI run of it:
a render that runs too long, prints too much, recurses without end or multiplies a string
into gigabytes is stopped and reported as the template's failure (IC001), never left to hang
or exhaust the runner.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from compiler.resources import data_dir


def _tojson(value: Any) -> str:
    # Plain JSON (no HTML escaping): valid YAML flow syntax, keys sorted for stable output.
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@lru_cache(maxsize=8)
def environment(user_dir: str | None):
    # Jinja2 is imported here, not with the module: a run whose output all comes from the
    # cache renders nothing.
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class ContainedLoader(FileSystemLoader):
        """A repository's own templates: a file that resolves outside the directory (a symbolic
        link to the CI runner's files, say) is not read. One that is there but cannot be read
        is reported, not passed over for infc's own."""

        def get_source(self, environment, template):
            path = os.path.join(self.searchpath[0], template)
            if not os.path.lexists(path):
                raise TemplateNotFound(template)
            if not os.path.isfile(path):  # a directory, or a link to nothing or to itself
                raise TemplateFailure(path, 1, "is not a readable file")
            base = Path(self.searchpath[0]).resolve()
            if not Path(path).resolve().is_relative_to(base):
                raise TemplateNotFound(template)
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError:
                raise TemplateFailure(path, 1, "is not UTF-8 text") from None
            except OSError as exc:
                raise TemplateFailure(path, 1, f"cannot be read ({exc.strerror})") from None

    class Environment(ImmutableSandboxedEnvironment):
        # `"x" * 10**10` or `10 ** 10**10` would take all memory or time in one operation.
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context, operator, left, right):
            if operator == "*":
                for items, times in ((left, right), (right, left)):
                    if isinstance(items, (str, list, tuple)) and isinstance(times, int) \
                            and len(items) * times > MAX_OUTPUT:
                        raise SecurityError(f"a product longer than {MAX_OUTPUT} characters")
            elif isinstance(left, int) and isinstance(right, int) and left.bit_length() * right > MAX_POWER_BITS:
                raise SecurityError(f"a power of more than {MAX_POWER_BITS} bits")
            return super().call_binop(context, operator, left, right)

    loaders = [FileSystemLoader(str(data_dir("templates")))]
    if user_dir:
        loaders.insert(0, ContainedLoader(user_dir))
    env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=True)
    env.filters["tojson"] = _tojson
    return env


# Limits of one render: a manifest is at most what etcd takes in one request (1.5 MiB).
MAX_OUTPUT = 3 * 512 * 1024
MAX_POWER_BITS = 64 * 1024
MAX_SECONDS = 10  # a render takes about a millisecond


class _TooLong(Exception):
    """Raised into a render that outlived MAX_SECONDS (by SIGALRM)."""


class _TooBig(Exception):
    """A render printed more than MAX_OUTPUT characters."""


def _expire(_signum, _frame):
    raise _TooLong


def _alarm_ready() -> bool:
    """SIGALRM interrupts a render running too long (signals reach the main thread only). The
    handler is checked each time, not remembered: a forked run may have had it reset."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGALRM) is not _expire:
        signal.signal(signal.SIGALRM, _expire)
    return True


def _bounded_render(compiled, values: dict) -> str:
    """compiled.render(**values), stopped after MAX_SECONDS or MAX_OUTPUT characters."""
    timed = _alarm_ready()
    if timed:
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        parts, size, chunks = [], 0, compiled.generate(**values)
        while block := "".join(islice(chunks, 4096)):  # joined in C, counted every few thousand
            size += len(block)
            if size > MAX_OUTPUT:
                raise _TooBig
            parts.append(block)
        return "".join(parts)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)


class TemplateFailure(Exception):
    """A template (a repository's own: infc's are tested) failed to compile, render or parse."""

    def __init__(self, path: str, line: int, problem: str):
        super().__init__(path, line, problem)
        self.path, self.line, self.problem = path, line, problem


class Renderer:
    def __init__(self, user_templates: Path | None = None):
        self.user_dir = str(user_templates) if user_templates and user_templates.is_dir() else None

    @property
    def env(self):
        return environment(self.user_dir)

    def render(self, template: str, **values: Any) -> dict:
        import yaml
        from jinja2 import TemplateError, TemplateSyntaxError

        from compiler import libyaml

        try:
            compiled = self.env.get_template(template)
            text = _bounded_render(compiled, values)
        except TemplateFailure:
            raise
        except TemplateSyntaxError as exc:
            raise TemplateFailure(exc.filename or template, exc.lineno or 1, exc.message or "syntax error") from None
        except _TooBig:
            raise TemplateFailure(compiled.filename or template, 1,
                                  f"renders more than {MAX_OUTPUT} characters (a loop too long?)") from None
        except Exception as exc:  # noqa: BLE001 - whatever a template does wrong is the template's failure
            raise TemplateFailure(*_failing_line(exc, template), _problem(exc, TemplateError)) from None
        try:
            return libyaml.load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "not YAML"
            raise TemplateFailure(compiled.filename or template, 1,
                                  f"renders invalid YAML ({problem}, line {mark.line + 1} of the output)"
                                  if mark else f"renders invalid YAML ({problem})") from None


def _problem(exc: Exception, template_error: type) -> str:
    if isinstance(exc, _TooLong):
        return f"still rendering after {MAX_SECONDS} s (a loop too long?)"
    if isinstance(exc, RecursionError):
        return "recurses too deeply (a macro that calls itself without end?)"
    if isinstance(exc, template_error):
        return str(exc)
    return f"{exc or 'failed'} ({type(exc).__name__})"  # `1 / 0`, `10.0 ** 1000`, `"a" + 1`


def _failing_line(exc: Exception, template: str) -> tuple[str, int]:
    """The template file and line a rendering error was raised at (Jinja2 maps it there)."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno or 1
    return template, 1
