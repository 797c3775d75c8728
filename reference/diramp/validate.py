"""REQ-INPUT: validate a JSON document against a JSON Schema before it is used.

A small, dependency-free validator for the subset of JSON Schema (draft 2020-12)
that diramp's schemas use: ``type``, ``const``, ``enum``, ``properties``,
``required``, ``additionalProperties``, ``patternProperties``, ``propertyNames``,
``minProperties``/``maxProperties``, ``items``, ``minItems``/``maxItems``,
``uniqueItems``, ``minLength``/``maxLength``, ``pattern``, ``minimum``/``maximum``,
``multipleOf``, ``allOf``/``anyOf``/``oneOf``/``not``, ``if``/``then``/``else`` and
``$ref`` (``#/...`` pointers and sibling schema files).  An unknown keyword is
an error (fail closed).  The test suite checks it against the ``jsonschema``
package on the same schemas and documents.

Schemas are package data (``diramp/schemas/``; ``spec/schemas/`` links to them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from diramp.errors import InputError

_ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "default", "examples", "$defs", "definitions"}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(Exception):
    """The document does not match: ``path`` is where, ``message`` what."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or '(document)'}: {message}")
        self.path, self.message = path, message


@lru_cache(maxsize=16)
def load_schema(name: str) -> dict[str, Any]:
    """A schema of the package by file name (e.g. ``certificate.schema.json``)."""
    text = resources.files("diramp").joinpath("schemas", name).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@lru_cache(maxsize=256)
def _regex(p: str) -> re.Pattern[str]:
    return re.compile(p)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) and (isinstance(a, int | float) == isinstance(b, int | float))


class Validator:
    """Validate documents against one root schema (and the sibling schemas it references)."""

    def __init__(self, root: Mapping[str, Any], loader: Callable[[str], Mapping[str, Any]] = load_schema) -> None:
        self.root = root
        self.loader = loader

    def _resolve(self, ref: str, base: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        doc_name, _, pointer = ref.partition("#")
        doc = self.loader(doc_name) if doc_name else base
        node: Any = doc
        for part in [p for p in pointer.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[part]
        return node, doc

    def validate(self, value: Any, schema: Mapping[str, Any] | bool | None = None) -> None:
        """Raise :class:`SchemaError` at the first mismatch."""
        self._check(value, self.root if schema is None else schema, "", self.root)

    def is_valid(self, value: Any, schema: Mapping[str, Any] | bool, base: Mapping[str, Any]) -> bool:
        try:
            self._check(value, schema, "", base)
        except SchemaError:
            return False
        return True

    def _check(self, v: Any, s: Mapping[str, Any] | bool, path: str, base: Mapping[str, Any]) -> None:
        if s is True:
            return
        if s is False:
            raise SchemaError(path, "no value is allowed here")
        assert isinstance(s, Mapping)
        for key, arg in s.items():
            if key in _ANNOTATIONS or key in ("then", "else"):
                continue
            check = getattr(self, "_k_" + key.lstrip("$"), None)
            if check is None:
                raise SchemaError(path, f"schema keyword {key!r} is not supported (fail closed)")
            check(v, arg, s, path, base)

    # -- keywords ---------------------------------------------------------

    def _k_ref(self, v: Any, ref: str, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        node, doc = self._resolve(ref, base)
        self._check(v, node, path, doc)

    def _k_type(self, v: Any, t: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        types = t if isinstance(t, list) else [t]
        if not any(_TYPES[x](v) for x in types):
            raise SchemaError(path, f"must be of type {' or '.join(types)}, got {type(v).__name__}")

    def _k_const(self, v: Any, c: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if not _equal(v, c):
            raise SchemaError(path, f"must be {json.dumps(c)}")

    def _k_enum(self, v: Any, e: list[Any], s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if not any(_equal(v, x) for x in e):
            raise SchemaError(path, f"must be one of {json.dumps(e)[:120]}")

    def _k_properties(self, v: Any, props: Mapping[str, Any], s: Mapping[str, Any], path: str,
                      base: Mapping[str, Any]) -> None:
        if isinstance(v, dict):
            for k, sub in props.items():
                if k in v:
                    self._check(v[k], sub, f"{path}.{k}" if path else k, base)

    def _k_patternProperties(self, v: Any, pp: Mapping[str, Any], s: Mapping[str, Any], path: str,
                             base: Mapping[str, Any]) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                for pat, sub in pp.items():
                    if _regex(pat).search(k):
                        self._check(item, sub, f"{path}.{k}" if path else k, base)

    def _k_additionalProperties(self, v: Any, ap: Any, s: Mapping[str, Any], path: str,
                                base: Mapping[str, Any]) -> None:
        if not isinstance(v, dict):
            return
        known = set(s.get("properties", {}))
        pats = [_regex(p) for p in s.get("patternProperties", {})]
        for k, item in v.items():
            if k in known or any(p.search(k) for p in pats):
                continue
            if ap is False:
                raise SchemaError(f"{path}.{k}" if path else k, "is not an allowed field")
            self._check(item, ap, f"{path}.{k}" if path else k, base)

    def _k_propertyNames(self, v: Any, pn: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, dict):
            for k in v:
                self._check(k, pn, f"{path}.{k}" if path else k, base)

    def _k_required(self, v: Any, req: list[str], s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, dict):
            for k in req:
                if k not in v:
                    raise SchemaError(path, f"missing field {k!r}")

    def _k_minProperties(self, v: Any, n: int, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, dict) and len(v) < n:
            raise SchemaError(path, f"must have at least {n} fields")

    def _k_maxProperties(self, v: Any, n: int, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, dict) and len(v) > n:
            raise SchemaError(path, f"must have at most {n} fields")

    def _k_items(self, v: Any, sub: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, list):
            for i, item in enumerate(v):
                self._check(item, sub, f"{path}[{i}]", base)

    def _k_minItems(self, v: Any, n: int, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, list) and len(v) < n:
            raise SchemaError(path, f"must have at least {n} items")

    def _k_maxItems(self, v: Any, n: int, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, list) and len(v) > n:
            raise SchemaError(path, f"must have at most {n} items")

    def _k_uniqueItems(self, v: Any, flag: bool, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if flag and isinstance(v, list):
            for i in range(len(v)):
                for j in range(i):
                    if _equal(v[i], v[j]):
                        raise SchemaError(path, "items must be unique")

    def _k_minLength(self, v: Any, n: int, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, str) and len(v) < n:
            raise SchemaError(path, f"must be at least {n} characters")

    def _k_maxLength(self, v: Any, n: int, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, str) and len(v) > n:
            raise SchemaError(path, f"must be at most {n} characters")

    def _k_pattern(self, v: Any, p: str, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if isinstance(v, str) and not _regex(p).search(v):
            raise SchemaError(path, f"does not match the pattern {p}")

    def _k_minimum(self, v: Any, n: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if _TYPES["number"](v) and v < n:
            raise SchemaError(path, f"must be >= {n}")

    def _k_maximum(self, v: Any, n: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if _TYPES["number"](v) and v > n:
            raise SchemaError(path, f"must be <= {n}")

    def _k_multipleOf(self, v: Any, n: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if _TYPES["integer"](v) and isinstance(n, int) and v % n:
            raise SchemaError(path, f"must be a multiple of {n}")
        if _TYPES["number"](v) and not isinstance(v, int) and (v / n) != int(v / n):
            raise SchemaError(path, f"must be a multiple of {n}")

    def _k_allOf(self, v: Any, subs: list[Any], s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        for sub in subs:
            self._check(v, sub, path, base)

    def _k_anyOf(self, v: Any, subs: list[Any], s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if not any(self.is_valid(v, sub, base) for sub in subs):
            raise SchemaError(path, "matches none of the allowed forms")

    def _k_oneOf(self, v: Any, subs: list[Any], s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        n = sum(self.is_valid(v, sub, base) for sub in subs)
        if n != 1:
            raise SchemaError(path, "matches none of the allowed forms" if n == 0 else "is ambiguous (oneOf)")

    def _k_not(self, v: Any, sub: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if self.is_valid(v, sub, base):
            raise SchemaError(path, "matches a forbidden form")

    def _k_if(self, v: Any, cond: Any, s: Mapping[str, Any], path: str, base: Mapping[str, Any]) -> None:
        if self.is_valid(v, cond, base):
            if "then" in s:
                self._check(v, s["then"], path, base)
        elif "else" in s:
            self._check(v, s["else"], path, base)


def check_document(value: Any, schema_name: str, where: str, fix: str = "") -> None:
    """REQ-INPUT: validate ``value`` against the package schema ``schema_name``; InputError naming the field."""
    try:
        Validator(load_schema(schema_name)).validate(value)
    except SchemaError as exc:
        raise InputError(where, f"does not match its schema ({schema_name})", str(exc)[:200],
                         fix or "use a file written by diramp") from None
    except RecursionError:
        raise InputError(where, "is nested too deeply", "", fix or "use a file written by diramp") from None
