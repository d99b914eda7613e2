"""Shared pydantic building blocks: strict unknown-field handling and quantity types."""


import re
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from compiler.spec import quantities as q

# Names of infc objects: a DNS-1123 label that starts with a letter (SPEC §1, as Run:ai requires).
OBJECT_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?\Z")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


def dns_subdomain_ok(name: str) -> bool:
    """A DNS subdomain (RFC 1123), as Kubernetes names most objects: host names, Secrets, ConfigMaps."""
    return len(name) <= 253 and all(len(label) <= 63 and DNS1123_LABEL.match(label) for label in name.split("."))


# A Kubernetes qualified name: a label, annotation or node label key.
QUALIFIED_NAME = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                            r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")


def qualified_name_ok(key: str) -> bool:
    """A Kubernetes qualified name (label or annotation key): optional DNS prefix, name <= 63."""
    if not QUALIFIED_NAME.match(key):
        return False
    prefix, _, name = key.rpartition("/")
    return len(name) <= 63 and len(prefix) <= 253


class Model(BaseModel):
    """Every input object: unknown fields are errors (IC006), never dropped."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=False,
                              use_attribute_docstrings=False, defer_build=True)


def _quantity(value: Any) -> str:
    try:
        return q.canonical_quantity(value)
    except q.QuantityError as exc:
        raise ValueError(str(exc)) from None


def _cores(value: Any) -> float:
    try:
        return q.cores_of(value)
    except q.QuantityError as exc:
        raise ValueError(str(exc)) from None


def _portion(value: Any) -> float:
    try:
        return q.portion_of(value)
    except q.QuantityError as exc:
        raise ValueError(str(exc)) from None


def _string_or_list(value: Any) -> Any:
    """Run:ai writes command/args as one string; Kubernetes as a list. Accept both."""
    if isinstance(value, str):
        import shlex

        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot split into words: {exc}") from None
    if isinstance(value, list):
        return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
    return value


def number_or_text(pattern: str, examples: list, *, unlimited: bool = False, **bounds: float) -> WithJsonSchema:
    """The JSON Schema (`infc schema`) of a value a before-validator reads from a number or a
    text matching `pattern`: pydantic would describe only the type it returns, and editors would
    then refuse "500m". `unlimited`: -1 is a value too (quota)."""
    options: list[dict] = [{"type": "number", **bounds}, {"type": "string", "pattern": pattern}]
    if unlimited:
        options.insert(0, {"const": -1})
    return WithJsonSchema({"anyOf": options, "examples": examples})


Quantity = Annotated[str, BeforeValidator(_quantity),
                     number_or_text(q.text_pattern(q.QUANTITY_TEXT), ["20Gi", "20G", "500m"], minimum=0,
                                    maximum=q.MAX_QUANTITY)]
Cores = Annotated[float, BeforeValidator(_cores),
                  number_or_text(q.text_pattern(q.QUANTITY_TEXT), [4, 0.5, "500m"], minimum=0, maximum=q.MAX_CORES)]
Portion = Annotated[float, BeforeValidator(_portion),
                    number_or_text(q.text_pattern(q.NUMBER_TEXT + r"\s*%?"), [0.5, "50%"])]
# One string (split into words) or a list whose numbers become words.
Words = Annotated[list[str], BeforeValidator(_string_or_list), WithJsonSchema(
    {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": ["string", "number"]}}]})]
Name = Annotated[str, Field(min_length=1)]
StrMap = dict[str, Union[str, int, float, bool]]
