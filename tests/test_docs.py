"""Every file the READMEs and docs name exists (paths in backticks, relative links)."""
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ['README.md', 'configs/ccl/README.md', *sorted(os.path.relpath(p, ROOT) for p in glob.glob(
    os.path.join(ROOT, 'docs', '*.md')))]
# Paths in backticks under the project's own folders; `*` and `<...>` are patterns, not files.
CITED = re.compile(r'`((?:mmseg_ccl|tools|configs|docs|tests)/[^`\s*<>$]+)`')
LINK = re.compile(r'\]\(((?!https?://|#)[^)#\s]+)(?:#[^)]*)?\)')


@pytest.mark.parametrize('doc', DOCS)
def test_cited_files_exist(doc):
    with open(os.path.join(ROOT, doc)) as f:
        text = f.read()
    missing = [p for p in CITED.findall(text) if not os.path.exists(os.path.join(ROOT, p.rstrip('/.,:')))]
    here = os.path.dirname(os.path.join(ROOT, doc))
    missing += [p for p in LINK.findall(text) if not os.path.exists(os.path.join(here, p))]
    assert not missing, f'{doc} names files that do not exist: {missing}'


ANCHORED = re.compile(r'\]\(((?!https?://)[^)#\s]*\.md)?#([^)\s]+)\)')


def heading_anchors(path: str) -> set:
    """The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as '-'."""
    with open(path) as f:
        text = re.sub(r'```.*?```', '', f.read(), flags=re.S)
    headings = re.findall(r'^#+\s+(.+?)\s*$', text, flags=re.M)
    return {re.sub(r'[^\w\- ]', '', h.lower()).replace(' ', '-') for h in headings}


@pytest.mark.parametrize('doc', DOCS)
def test_linked_sections_exist(doc):
    with open(os.path.join(ROOT, doc)) as f:
        text = f.read()
    here = os.path.dirname(os.path.join(ROOT, doc))
    missing = [f'{target}#{anchor}' for target, anchor in ANCHORED.findall(text)
               if anchor not in heading_anchors(os.path.join(here, target) if target else os.path.join(ROOT, doc))]
    assert not missing, f'{doc} links to sections that do not exist: {missing}'
