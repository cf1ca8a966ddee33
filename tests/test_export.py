"""Printable handouts and answer keys (`mmn-ddx export`): content, secrecy, escaping, the SVG bar,
the command line, and one real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_cli, write
from mmn_ddx import DISCLAIMER
from bundled import LIBRARY, find_case
from mmn_ddx.assessment import DEFAULT_PRIOR, p_equals
from mmn_ddx import documents
from mmn_ddx.documents.cases import QUESTION_LEAN, QUESTION_NEXT, QUESTION_WEIGH
from mmn_ddx.documents.figures import evidence_bar_svg


CASES = ["electrician-finger-drop", "carpenter-cannot-pinch", "tongue-twitches"]


def handout(case, fmt="md", **options):
    return documents.handout(case, fmt, LIBRARY, **options)


def answer_key(case, fmt="md", **options):
    return documents.answer_key(case, fmt, LIBRARY, **options)


def diagnosis_label(diagnosis):
    return LIBRARY.vocabulary.diagnosis_label(diagnosis)
FORMATS = ["md", "html"]


# ----------------------------------------------------------------------------- helpers
class _Page(HTMLParser):
    """The text a reader sees, every tag and attribute, and the raw markup of each <svg>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def parse_html(document: str) -> _Page:
    page = _Page()
    page.feed(document)
    page.close()
    return page


def squash(text: str) -> str:
    return " ".join(text.split())


def md_to_html(document: str) -> str:
    import markdown_it  # a dependency of rich
    return markdown_it.MarkdownIt("commonmark").render(document)


def visible_text(document: str, fmt: str) -> str:
    """What a reader sees: Markdown rendered by a CommonMark parser (raw HTML allowed), or the page's text."""
    page = parse_html(md_to_html(document) if fmt == "md" else document)
    return squash(" ".join(page.text))


def svgs(document: str) -> list[ET.Element]:
    return [ET.fromstring(block) for block in re.findall(r"<svg\b.*?</svg>", document, flags=re.S)]


def paragraphs(text: str) -> list[str]:
    return [squash(p) for p in re.split(r"\n\s*\n", text) if p.strip()]


def assessments(case):
    return [LIBRARY.assessor("durable").assess_case(case, n, DEFAULT_PRIOR) for n in range(1, len(case.stages) + 1)]


# ----------------------------------------------------------------------------- the handout
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case_id", CASES)
def test_handout_has_every_stage_its_narrative_and_the_questions(case_id, fmt):
    case = find_case(case_id)
    document = handout(case, fmt)
    text = visible_text(document, fmt)
    assert squash(case.title) in text
    for number, stage in enumerate(case.stages, 1):
        assert f"Stage {number} of {len(case.stages)}: {stage.name.capitalize()}" in text
        for paragraph in paragraphs(stage.narrative):
            assert paragraph in text
    for question in (QUESTION_LEAN, QUESTION_WEIGH, QUESTION_NEXT, "What is your diagnosis?"):
        assert question in text
    assert text.count(QUESTION_LEAN) == len(case.stages)
    assert DISCLAIMER in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case_id", CASES)
def test_handout_gives_nothing_away(case_id, fmt):
    case = find_case(case_id)
    document = handout(case, fmt)
    text = visible_text(document, fmt)
    final = assessments(case)[-1]
    assert "Diagnosis:" not in text and "Answer key" not in text
    assert diagnosis_label(case.diagnosis) not in text
    assert case.id not in document  # with the id a learner could look the case up (cases show ID --reveal)
    assert squash(case.source) not in text  # sources often name the disease
    for point in case.teaching_points:
        assert point not in text
    assert "The engine" not in text
    for e in final.evidence:
        assert e.rule.id not in document
    if fmt == "html":
        for svg in svgs(document):
            assert svg.find("path") is None, "the handout's bars carry no marker"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case_id", CASES)
def test_answer_key_has_the_diagnosis_the_engine_at_each_stage_and_the_teaching(case_id, fmt):
    case = find_case(case_id)
    document = answer_key(case, fmt)
    text = visible_text(document, fmt)
    stages = assessments(case)
    assert f"Diagnosis: {diagnosis_label(case.diagnosis)}" in text
    assert case.id in text
    for number, (stage, a) in enumerate(zip(case.stages, stages), 1):
        assert f"Stage {number} of {len(case.stages)}: {stage.name.capitalize()}" in text
        assert p_equals(a.p_mmn) in text  # never a false "1.00"
    leanings = {"mmn": "leans MMN", "als": "leans ALS", "undecided": "undecided"}
    assert f"The engine: {leanings[stages[-1].leaning]}" in text
    fired = {e.rule.id: e.rule for a in stages for e in a.evidence}
    assert fired
    for rule in fired.values():
        assert rule.id in text
        assert squash(rule.explanation) in text
        assert all(squash(source) in text for source in rule.sources)
    for detail in stages[-1].criteria_detail.values():
        category = detail["category"].replace("_", " ")
        assert f"{detail['title']}{':' if fmt == 'md' else ''} {category}" in text
    for point in case.teaching_points:
        assert squash(point) in text
    assert DISCLAIMER in text
    if fmt == "html":
        bars = svgs(document)
        assert len(bars) == len(case.stages)
        assert all(bar.find("path") is not None for bar in bars), "each stage's bar has its marker"


# ----------------------------------------------------------------------------- HTML stands alone
@pytest.mark.parametrize("case_id", CASES)
@pytest.mark.parametrize("make", [handout, answer_key], ids=["handout", "answer-key"])
def test_html_fetches_nothing_from_the_network(case_id, make):
    document = make(find_case(case_id), "html")
    page = parse_html(document)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed", "base", "audio", "video")
        for name, value in attrs.items():
            assert not re.search(r"(https?:)?//", value or ""), f"<{tag} {name}={value!r}>"
    css = " ".join(page.styles)
    assert "url(" not in css and "@import" not in css
    # A web address may appear in a cited source, as text; it is never a link or a resource.
    without_text = re.sub(r">[^<]*<", "><", document)
    assert not re.search(r"https?://", without_text)
    assert ("default-src 'none'" in document) and ('http-equiv="Content-Security-Policy"' in document)


def test_handout_html_has_no_web_address_at_all():
    assert not re.search(r"https?://", handout(find_case("electrician-finger-drop"), "html"))


HOSTILE = """\
id: hostile-case
title: <script>alert("title")</script> & <b>bold</b>
source: <a href="https://evil.example/">a link</a>
diagnosis: mmn
difficulty: 2
stages:
  - name: <img src=x onerror=alert(1)>
    narrative: |
      # Not a heading. <script>alert("narrative")</script> *not emphasis* [not](a-link)

      A second paragraph with </p></section><iframe src="https://evil.example/"></iframe> &amp; an entity.
    findings:
      age_at_onset: 40
      conduction_block: definite
teaching_points:
  - "</li><script>alert('point')</script>"
"""


@pytest.mark.parametrize("key", [False, True], ids=["handout", "answer-key"])
def test_html_escapes_whatever_a_case_file_says(tmp_path, key):
    case = find_case(str(write(tmp_path / "hostile-case.yaml", HOSTILE)))
    document = answer_key(case, "html") if key else handout(case, "html")
    lowered = document.lower()
    for markup in ("<script", "<img", "<iframe", "<a ", "<b>"):
        assert markup not in lowered, markup
    assert not any(name.startswith("on") for _, attrs in parse_html(document).tags for name in attrs)
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in document  # markupsafe's spelling of the quote
    text = visible_text(document, "html")
    assert '<script>alert("title")</script> & <b>bold</b>' in text
    assert "Stage 1 of 1: <img src=x onerror=alert(1)>" in text
    if key:  # the key does not repeat the narrative; it shows the teaching points
        assert "</li><script>alert('point')</script>" in text
    else:
        assert "# Not a heading." in text and "&amp; an entity" in text


@pytest.mark.parametrize("key", [False, True], ids=["handout", "answer-key"])
def test_markdown_escapes_whatever_a_case_file_says(tmp_path, key):
    case = find_case(str(write(tmp_path / "hostile-case.yaml", HOSTILE)))
    document = answer_key(case, "md") if key else handout(case, "md")
    rendered = md_to_html(document)
    for markup in ("<script", "<img", "<iframe", "<a ", "<b>", "<em>not emphasis"):
        assert markup not in rendered.lower(), markup
    assert rendered.count("<h1>") == 1
    text = visible_text(document, "md")
    assert '<script>alert("title")</script> & <b>bold</b>' in text
    if key:
        assert "</li><script>alert('point')</script>" in text
    else:
        assert "# Not a heading." in text and "*not emphasis* [not](a-link)" in text
        assert "&amp; an entity" in text


def test_markdown_renders_as_a_document():
    case = find_case("electrician-finger-drop")
    rendered = md_to_html(handout(case, "md"))
    assert rendered.count("<h1>") == 1
    assert rendered.count("<h2>") == len(case.stages) + 1  # the stages, then the conclusion
    assert rendered.count("<ol>") == len(case.stages) + 1
    assert "<pre><code" in rendered and "<hr />" in rendered  # the bar, and ruled lines to write on
    first = case.stages[0].findings
    assert len(re.findall(r"<li><strong>[^<]+:</strong>", rendered)) >= len(first)  # one list item per finding
    key = md_to_html(answer_key(case, "md"))
    assert "|" not in key and key.count("<pre><code") == len(case.stages)


# ----------------------------------------------------------------------------- the SVG bar
@pytest.mark.parametrize("p", [None, 0.0, 0.02, 0.1, 0.5, 0.9, 0.97, 1.0])
def test_the_evidence_bar_is_well_formed_svg(p):
    svg = ET.fromstring(evidence_bar_svg(p))
    assert svg.tag == "svg"
    assert svg.get("role") == "img" and svg.get("aria-label")
    assert svg.find("title") is not None
    dashed = [line for line in svg.iter("line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2, "the two leaning thresholds"
    labels = [t.text for t in svg.iter("text")]
    assert "MMN" in labels and "ALS" in labels
    assert (svg.find("path") is None) == (p is None)


def test_the_marker_sits_toward_mmn_on_the_left():
    def marker_x(p: float) -> float:
        path = ET.fromstring(evidence_bar_svg(p)).find("path").get("d")
        xs = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)][0::2]
        return sum(xs) / len(xs)

    assert marker_x(0.99) < marker_x(0.9) < marker_x(0.5) < marker_x(0.1) < marker_x(0.01)


# ----------------------------------------------------------------------------- the command line
def test_export_writes_markdown_to_stdout_by_default():
    out = run_cli(["export", "electrician-finger-drop"]).stdout
    assert out.startswith("# ") and "Stage 1 of 5: History" in out and DISCLAIMER in out


def test_export_writes_a_file_and_refuses_to_overwrite_it(tmp_path):
    target = tmp_path / "key.html"
    result = run_cli(["export", "electrician-finger-drop", "--format", "html", "--answer-key", "--out", str(target)])
    assert result.stdout == ""
    assert "Wrote the answer key" in result.stderr
    first = target.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>") and "Diagnosis:" in first

    refused = run_cli(["export", "electrician-finger-drop", "--format", "html", "--out", str(target)], exit_code=2)
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == first

    run_cli(["export", "electrician-finger-drop", "--format", "html", "--out", str(target), "--force"])
    replaced = target.read_text(encoding="utf-8")
    assert replaced != first and "Diagnosis:" not in replaced


def test_export_says_when_the_file_cannot_be_written(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = run_cli(["export", "electrician-finger-drop", "--out", str(tmp_path / "a-file" / "x.md")], exit_code=2)
    assert "cannot be written" in result.stderr and "is a file, not a folder" in result.stderr


def test_export_creates_a_missing_folder_and_takes_the_format_from_the_name(tmp_path):
    target = tmp_path / "handouts" / "finger-drop.html"
    run_cli(["export", "electrician-finger-drop", "--out", str(target)])
    assert target.read_text().lstrip().lower().startswith("<!doctype html")
    assert "Stage 1" in run_cli(["export", "electrician-finger-drop", "--out", "-"]).stdout


def test_export_names_a_case_by_path_and_rejects_unknown_names_and_formats(tmp_path):
    path = write(tmp_path / "hostile-case.yaml", HOSTILE)
    assert "Stage 1 of 1" in run_cli(["export", str(path)]).stdout
    assert "Error" in run_cli(["export", "electrician-fingr-drop"], exit_code=2).stderr
    run_cli(["export", "electrician-finger-drop", "--format", "pdf"], exit_code=2)
    assert "--answer-key" in run_cli(["export", "electrician-finger-drop", "--prior", "0.3"], exit_code=2).stderr


def test_export_prior_moves_the_answer_key():
    low = run_cli(["export", "electrician-finger-drop", "--answer-key", "--prior", "0.01"]).stdout
    assert "prior P(MMN) = 0.01" in low and "(before this stage 0.01)" in low


def test_export_library_rejects_an_unknown_format():
    from mmn_ddx.errors import InputError

    with pytest.raises(InputError, match="format 'pdf' is unknown"):
        handout(find_case("electrician-finger-drop"), "pdf")


# ----------------------------------------------------------------------------- a real browser
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium: apt-get install -y chromium (CI installs it)")
def test_a_headless_browser_renders_the_stages_and_the_bars(tmp_path):
    case = find_case("electrician-finger-drop")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    for name, document in (("handout", handout(case, "html")), ("key", answer_key(case, "html"))):
        page = tmp_path / f"{name}.html"
        page.write_text(document, encoding="utf-8")
        done = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        dom = done.stdout
        for number, stage in enumerate(case.stages, 1):
            assert re.search(rf"<h2>Stage {number} of {len(case.stages)}: {stage.name.capitalize()}</h2>", dom)
        assert len(re.findall(r"<svg\b", dom)) == len(case.stages)
        assert DISCLAIMER in dom
    shot = tmp_path / "handout.png"
    done = subprocess.run([*flags, "--window-size=900,1400", "--hide-scrollbars", f"--screenshot={shot}",
                           (tmp_path / "handout.html").as_uri()], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
