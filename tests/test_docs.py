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
