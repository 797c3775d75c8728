"""Sphinx extension of the diramp docs site: every spec ID links to its definition.

The spec IDs and the file that defines each are read by ``docs/gen_spec_map.py``
(``spec_ids``, ``ID_RE``; the same parser the spec map and the tests use):

* on each spec page, the section whose title starts with an ID it defines gets
  the anchor ``make_id(ID)`` (``DEF-EXT`` -> ``#def-ext``);
* in every page (guides, spec, API reference built from the docstrings), each
  mention of an ID in running text, or an inline literal that is exactly an ID,
  becomes a link to that anchor; an ID that is only a prefix of defined IDs
  (``THM-1`` in ``THM-1-*``) links to the first of them; code blocks, titles,
  signatures and existing links are left alone;
* a mention of an ID the spec does not define is a warning (an error with
  ``-W``), naming the page;
* an inline literal that names a documented Python object (``diramp.length.theorem5``,
  as in the spec map) links to its entry in the API reference.

It also writes ``index.html`` at the top of an HTML build, pointing at the root
document (``docs/index``).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Nodes whose text is never turned into links.
SKIP = (nodes.literal_block, nodes.doctest_block, nodes.raw, nodes.comment, nodes.reference, nodes.title,
        nodes.target, nodes.literal, addnodes.desc_signature, nodes.option_string)


def _gen(confdir: str) -> ModuleType:
    path = Path(confdir) / "gen_spec_map.py"
    spec = importlib.util.spec_from_file_location("diramp_docs_gen_spec_map", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class SpecIndex:
    """Spec ID -> (docname, anchor), from gen_spec_map.spec_ids of the source directory."""

    def __init__(self, srcdir: str, confdir: str) -> None:
        gen = _gen(confdir)
        self.id_re: re.Pattern[str] = gen.ID_RE
        self.where: dict[str, str] = {i: f.removesuffix(".md") for i, f in gen.spec_ids(Path(srcdir)).items()}

    @staticmethod
    def anchor(spec_id: str) -> str:
        return nodes.make_id(spec_id)

    def resolve(self, mention: str) -> str | None:
        """The defined ID a mention refers to: itself, else the first ID it is a prefix of, else None."""
        if mention in self.where:
            return mention
        return next((i for i in self.where if i.startswith(mention + "-")), None)


def _index(app: Sphinx) -> SpecIndex:
    idx: SpecIndex | None = getattr(app, "_diramp_spec_index", None)
    if idx is None:
        idx = SpecIndex(str(app.srcdir), str(app.confdir))
        app._diramp_spec_index = idx  # type: ignore[attr-defined]
    return idx


def add_anchors(app: Sphinx, doctree: nodes.document) -> None:
    """Give each defining section of a spec page the anchor of its ID."""
    idx = _index(app)
    docname = app.env.docname
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None:
            continue
        m = idx.id_re.match(title.astext())
        if m and idx.where.get(m.group(0)) == docname:
            anchor = idx.anchor(m.group(0))
            if anchor not in section["ids"]:
                section["ids"].append(anchor)
                doctree.ids[anchor] = section


def _skipped(node: nodes.Node) -> bool:
    p = node.parent
    while p is not None:
        if isinstance(p, SKIP):
            return True
        p = p.parent
    return False


def _ref(app: Sphinx, idx: SpecIndex, fromdoc: str, spec_id: str, child: nodes.Node) -> nodes.reference:
    target = idx.where[spec_id]
    page = "" if target == fromdoc else app.builder.get_relative_uri(fromdoc, target)
    ref = nodes.reference("", "", internal=True, refuri=f"{page}#{idx.anchor(spec_id)}",
                          reftitle=f"{spec_id} ({target}.md)", classes=["spec-id"])
    ref += child
    return ref


def link_mentions(app: Sphinx, doctree: nodes.document, fromdoc: str) -> None:
    """Turn each mention of a spec ID into a link to its definition; warn on unknown IDs."""
    idx = _index(app)

    def unknown(mention: str, node: nodes.Node) -> None:
        logger.warning("unknown spec ID %s (not a '### ID' heading of spec/, see docs/gen_spec_map.py)",
                       mention, location=node, type="diramp", subtype="spec-id")

    py_objects = app.env.get_domain("py").objects  # type: ignore[attr-defined]
    for lit in list(doctree.findall(nodes.literal)):
        text = lit.astext()
        entry = py_objects.get(text.removesuffix("()")) if text.startswith("diramp.") else None
        if entry is not None and not _skipped(lit):
            page = "" if entry.docname == fromdoc else app.builder.get_relative_uri(fromdoc, entry.docname)
            ref = nodes.reference("", "", internal=True, refuri=f"{page}#{entry.node_id}", classes=["api-ref"])
            ref += lit.deepcopy()
            lit.parent.replace(lit, ref)
            continue
        if idx.id_re.fullmatch(text) and not _skipped(lit):
            spec_id = idx.resolve(text)
            if spec_id is None:
                unknown(text, lit)
                continue
            lit.parent.replace(lit, _ref(app, idx, fromdoc, spec_id, lit.deepcopy()))

    for text_node in list(doctree.findall(nodes.Text)):
        if text_node.parent is None or _skipped(text_node):
            continue
        text = str(text_node)
        parts: list[nodes.Node] = []
        pos = 0
        for m in idx.id_re.finditer(text):
            spec_id = idx.resolve(m.group(0))
            if spec_id is None:
                unknown(m.group(0), text_node.parent)
                continue
            if m.start() > pos:
                parts.append(nodes.Text(text[pos:m.start()]))
            parts.append(_ref(app, idx, fromdoc, spec_id, nodes.Text(m.group(0))))
            pos = m.end()
        if not parts:
            continue
        if pos < len(text):
            parts.append(nodes.Text(text[pos:]))
        parent = text_node.parent
        i = parent.index(text_node)
        parent.remove(text_node)
        for k, part in enumerate(parts):
            parent.insert(i + k, part)


REDIRECT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={target}">
<title>diramp documentation</title></head>
<body><p><a href="{target}">diramp documentation</a></p></body></html>
"""


def root_redirect(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    target = app.builder.get_target_uri(app.config.root_doc)
    (Path(app.outdir) / "index.html").write_text(REDIRECT.format(target=target), "utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", add_anchors)
    app.connect("doctree-resolved", link_mentions)
    app.connect("build-finished", root_redirect)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
