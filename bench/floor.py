"""The floor under `infc check FILE`, for `make bench`: what any check of one workload file
pays before infc's own work, with the libraries infc is built on. Start Python, import click,
read the file with ruamel.yaml, validate it with infc's pydantic models, compile the Service
template with Jinja2's sandbox and import PyYAML, which parses renders back. A check adds to
this: the cache, policies, rules, the render itself, Knative's admission checks, the report.

Usage: python bench/floor.py WORKLOAD_FILE
"""

import sys

import click  # noqa: F401 - the command line is part of the floor
import jinja2.sandbox
import yaml  # noqa: F401
from ruamel.yaml import YAML

from compiler.resources import data_dir
from compiler.spec.kinds import InferenceWorkload

with open(sys.argv[1], encoding="utf-8") as stream:
    InferenceWorkload.model_validate(YAML(typ="rt").load(stream))
env = jinja2.sandbox.ImmutableSandboxedEnvironment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))))
env.get_template("service.yaml.j2")
