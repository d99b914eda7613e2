"""Tags of plain scalars, remembered per YAML library.

ruamel.yaml and PyYAML both match every plain scalar against their patterns, once per node,
and documents repeat the same keys and values thousands of times. Without path resolvers
(infc adds none) a plain scalar's tag depends on its text alone, so it is looked up once.
"""

from __future__ import annotations

_MAX_TEXTS = 50_000  # remembered per resolver class, of up to 64 characters: a few megabytes
_MAX_LENGTH = 64


class RememberedTags:
    """Mixed in before a ruamel.yaml or PyYAML resolver (its `resolve(kind, value, implicit)`).
    A class using it sets `scalar_kind`, that library's ScalarNode, and `remembered = {}`: its
    own, as each library's tags are its own objects (and ruamel.yaml derives a new class from
    the resolver for every load, which must not start afresh)."""

    scalar_kind: type
    remembered: dict

    def resolve(self, kind, value, implicit):
        if kind is not self.scalar_kind:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:  # not plain: a string, as both libraries resolve it without path resolvers
            return self.DEFAULT_SCALAR_TAG
        tag = self.remembered.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(value) <= _MAX_LENGTH and len(self.remembered) < _MAX_TEXTS:
                self.remembered[value] = tag
        return tag
