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


# Claims of the CamVid study: "beats" only where Holm's test rejects (docs/method.md, "Wording").
CLAIM_DOCS = ['README.md', 'configs/ccl/README.md', 'docs/method.md']
# Sentences that use the word without claiming it of the study's rows: the paper's claims, the rules.
NOT_A_CLAIM = re.compile(r'paper (?:also )?reports|says that the full CCL|"beats"|\bif a\b|only if|shown to beat', re.I)


def camvid_differences() -> str:
    import json

    from ccl_study.report import differences_table
    from ccl_study.suites import SUITES
    with open(os.path.join(ROOT, 'docs', 'results', 'camvid.json')) as f:
        return differences_table(json.load(f), SUITES['camvid'])


def test_model_zoo_differences_are_generated_from_the_results():
    """The README's deciding differences, with the sentence that states Holm's decisions, are the
    report's for docs/results/camvid.json, as generated."""
    with open(os.path.join(ROOT, 'configs', 'ccl', 'README.md')) as f:
        block = f.read().split('<!-- camvid differences -->\n')[1].split('<!-- /camvid differences -->')[0]
    assert block == camvid_differences()


@pytest.mark.parametrize('doc', CLAIM_DOCS)
def test_beats_only_where_holm_rejects(doc):
    """Outside the generated differences, a sentence that says one row beats another names a pair
    that Holm's test rejects in docs/results/camvid.json (the generated sentence: 'A beats B')."""
    rejected = re.findall(r'(?:: |; )([^;:]+?) beats ([^;.]+)', camvid_differences().split("Holm's test")[-1])
    with open(os.path.join(ROOT, doc)) as f:
        text = re.sub(r'<!-- (\w+) differences -->.*?<!-- /\1 differences -->', '', f.read(), flags=re.S)
    sentences = re.split(r'(?<=[.:;])\s+', ' '.join(text.split()))
    claims = [s for s in sentences if re.search(r'\bbeats?\b', s) and not NOT_A_CLAIM.search(s)]
    unsupported = [s for s in claims if not any(a in s and b in s for a, b in rejected)]
    assert not unsupported, f'{doc} says "beats" where Holm\'s test does not reject: {unsupported}'


# The demo comparison (docs/experiments.md, "The paper's comparison at demo scale"): its tables are the
# report of docs/results/demo_comparison.json, and every figure its prose types is one of that report's.
DEMO_RESULTS = os.path.join(ROOT, 'docs', 'results', 'demo_comparison.json')
FIGURE = re.compile(r'[+-]?\d+\.\d+ ± \d+\.\d+|\[[+-]?\d+\.\d+, [+-]?\d+\.\d+\]|p = \d\.\d+')


def demo_section() -> str:
    with open(os.path.join(ROOT, 'docs', 'experiments.md')) as f:
        text = f.read()
    start = text.index("## The paper's comparison at demo scale")
    return text[start:text.index('\n## ', start + 1)]


def test_demo_comparison_figures_come_from_its_results_file():
    import json

    from ccl_study.report import report_text
    from ccl_study.suites import SUITES
    with open(DEMO_RESULTS) as f:
        generated = report_text(json.load(f), DEMO_RESULTS, SUITES['demo'])
    with open(os.path.splitext(DEMO_RESULTS)[0] + '.md') as f:
        assert f.read() == generated  # the tables as the report writes them
    figures = FIGURE.findall(demo_section())
    assert figures, 'the demo comparison types no figure'
    missing = [f for f in figures if (f'| {f[4:]} |' if f.startswith('p = ') else f) not in generated]
    assert not missing, f'docs/experiments.md types demo figures its results file does not give: {missing}'
