"""Sphinx extension of the diramp docs site: docstrings are plain text with math, not reST markup.

diramp's docstrings write formulas the way the paper does: ``|Z| = 2n``,
``|Psi+>``, ``|error|``, and ID ranges such as ``THM-1-*``.  In reStructuredText
``|...|`` is a substitution reference and ``*`` after ``-`` opens emphasis, so
these would be build errors.  diramp defines no substitutions, so before a
docstring is parsed (``autodoc-process-docstring``, after Napoleon) this
extension escapes, outside inline literals, roles, literal blocks, directives
and doctest examples:

* every ``|``;
* a ``*`` that directly follows ``-`` (an ID wildcard).

Everything else (roles, ``*emphasis*``, bullet lists, field lists) is left as
written.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

#: Inline literals and interpreted text (with an optional role), which must not be touched.
PROTECTED = re.compile(r"(``.+?``|(?::[\w:.+-]+:)?`[^`]+`_{0,2})")


def _escape(text: str) -> str:
    parts = PROTECTED.split(text)
    for i in range(0, len(parts), 2):  # even indices: outside protected spans
        parts[i] = parts[i].replace("|", "\\|").replace("-*", "-\\*")
    return "".join(parts)


def escape_plain_math(lines: list[str]) -> list[str]:
    """Escape ``|`` and ``-*`` in the prose lines of a docstring (see the module docstring).

    >>> escape_plain_math(["|Z| = 2n, ``|Z|``, :func:`f` and THM-1-*", "", ">>> abs(-1)  # |x|", "1"])
    ['\\\\|Z\\\\| = 2n, ``|Z|``, :func:`f` and THM-1-\\\\*', '', '>>> abs(-1)  # |x|', '1']
    >>> escape_plain_math(["Example::", "", "    |raw|", "back |here|"])
    ['Example::', '', '    |raw|', 'back \\\\|here\\\\|']
    """
    out: list[str] = []
    block_indent: int | None = None  # inside a literal block / directive body indented beyond this
    opener: int | None = None  # indent of a line that opens a literal block or directive
    doctest = False
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not stripped or indent > block_indent:
                out.append(line)
                continue
            block_indent = None
        if opener is not None and stripped:
            if indent > opener:
                block_indent = opener
                opener = None
                out.append(line)
                continue
            opener = None
        if stripped.startswith(">>>"):
            doctest = True
        if doctest:
            doctest = bool(stripped)
            out.append(line)
            continue
        if stripped.startswith(".. ") or stripped.endswith("::"):
            opener = indent
        if stripped.startswith(".. "):
            out.append(line)
            continue
        out.append(_escape(line))
    return out


def _process(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = escape_plain_math(lines)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", _process, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
