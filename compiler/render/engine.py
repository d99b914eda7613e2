"""The Jinja2 environment: sandboxed, StrictUndefined, user templates override infc's own.

Templates decide layout and render to YAML text; the text is parsed back (libyaml) into
plain data, so the rest of the pipeline validates and writes data, never strings. User
values only ever reach a template as data through `tojson`: Jinja syntax inside them is
printed literally, never evaluated.
"""

from __future__ import annotations

import json
from functools import lru_cache
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
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class ContainedLoader(FileSystemLoader):
        """A repository's own templates: a file that resolves outside the directory (a symbolic
        link to the CI runner's files, say) is not read."""

        def get_source(self, environment, template):
            base = Path(self.searchpath[0]).resolve()
            if not (base / template).resolve().is_relative_to(base):
                raise TemplateNotFound(template)
            return super().get_source(environment, template)

    loaders = [FileSystemLoader(str(data_dir("templates")))]
    if user_dir:
        loaders.insert(0, ContainedLoader(user_dir))
    env = ImmutableSandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                                        autoescape=False, keep_trailing_newline=True)
    env.filters["tojson"] = _tojson
    return env


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
            text = compiled.render(**values)
        except TemplateSyntaxError as exc:
            raise TemplateFailure(exc.filename or template, exc.lineno or 1, exc.message or "syntax error") from None
        except TemplateError as exc:
            raise TemplateFailure(*_failing_line(exc, template), str(exc)) from None
        try:
            return libyaml.load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "not YAML"
            raise TemplateFailure(compiled.filename or template, 1,
                                  f"renders invalid YAML ({problem}, line {mark.line + 1} of the output)"
                                  if mark else f"renders invalid YAML ({problem})") from None


def _failing_line(exc: Exception, template: str) -> tuple[str, int]:
    """The template file and line a rendering error was raised at (Jinja2 maps it there)."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno or 1
    return template, 1
