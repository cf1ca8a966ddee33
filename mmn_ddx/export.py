"""Printable handouts: a case for learners (stages, questions, space for answers) and its answer key.

Everything here returns strings and never prints; only the standard library is used. There are two
formats: Markdown, and an HTML page that stands alone (inline CSS, the evidence bar as an inline
SVG, nothing fetched from the network, a Content-Security-Policy that forbids fetching anything)
and prints cleanly. Case and rule files are written by hand, so every piece of their text is
escaped for the format it lands in: it can never inject markup.

The handout never shows what would give the case away: not the diagnosis, the engine's view, the
teaching points, the source (it often names the disease) or the case id (it starts with the
diagnosis). The answer key, printed separately, shows them all.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from string import Template
from typing import Any

from mmn_ddx import DISCLAIMER, __version__
from mmn_ddx.assessment import (DEFAULT_PRIOR, LEAN_ALS_AT, LEAN_MMN_AT, LEANING_WORDS, bedside_misleads, check_prior,
                                headline, leaning_of, show_p)
from mmn_ddx.errors import InputError, Problem, did_you_mean
from mmn_ddx.model import Assessment, Case, Evidence
from mmn_ddx.library import assessor, vocabulary  # deprecated shims, until this module takes a library
from mmn_ddx.vocabulary import Vocabulary

FORMATS = ("md", "html")
ANSWER_LINES = 3  # lines left for each written answer
TEXT_BAR_WIDTH = 41


# ----------------------------------------------------------------------------- plain helpers
def diagnosis_label(diagnosis: str | None) -> str:
    """A diagnosis or condition id as a reader names it ('kennedy_disease' -> 'Kennedy disease …')."""
    return vocabulary().diagnosis_label(diagnosis)


def _ratio(rule) -> str:
    text = f"LR {rule.likelihood_ratio:.1f} toward {rule.toward.upper()}"
    if rule.capped:
        text += ", capped at 20"
    if rule.estimate:
        text += ", an estimate (the sources give no figures)"
    return text


def _paragraphs(text: str) -> list[str]:
    """Blank-line-separated paragraphs, each with its whitespace collapsed."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text or "") if block.strip()]


def _fraction(p_mmn: float) -> float:
    """Where P(MMN) sits along a bar drawn with MMN on the left (0) and ALS on the right (1)."""
    return min(1.0, max(0.0, 1.0 - p_mmn))


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        near = did_you_mean(fmt, FORMATS, list_few=False)
        raise InputError(Problem(None, None, f"format '{fmt}' is unknown.", f"{near} Allowed: 'md', 'html'.".strip()))
    return fmt


# ----------------------------------------------------------------------------- the bars
def evidence_bar_svg(p_mmn: float | None = None, *, width: int = 560) -> str:
    """The evidence bar as an inline SVG: MMN on the left, ALS on the right.

    With `p_mmn`, a marker stands at the probability; without it the bar is empty, for a learner
    to mark their own call. The leaning thresholds (P(MMN) = 0.90 and 0.10) are drawn as marks, and
    the zones are labelled in words as well as tinted, so the bar reads in black and white too.
    """
    height = 72
    x0, x1 = 72.0, width - 48.0
    top, bar_h = 24.0, 14.0

    def x(p: float) -> float:
        return round(x0 + _fraction(p) * (x1 - x0), 1)

    mmn_edge, als_edge = x(LEAN_MMN_AT), x(LEAN_ALS_AT)
    if p_mmn is None:
        label = ("An empty evidence bar: MMN on the left, ALS on the right, with the leaning thresholds "
                 f"P(MMN) = {LEAN_MMN_AT:.2f} and {LEAN_ALS_AT:.2f} marked. Mark your call on it.")
    else:
        label = (f"Evidence bar: P(MMN) = {p_mmn:.2f}, {LEANING_WORDS[leaning_of(p_mmn)]}. MMN on the left, ALS on the "
                 f"right; the marks are the leaning thresholds P(MMN) = {LEAN_MMN_AT:.2f} and {LEAN_ALS_AT:.2f}.")
    e = html.escape
    out = [
        f'<svg class="evidence-bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{e(label)}" font-family="sans-serif">',
        f"<title>{e(label)}</title>",
        f'<text x="{x0 - 8}" y="{top + 11}" text-anchor="end" font-size="13" font-weight="bold" fill="#1b5e20">MMN</text>',
        f'<text x="{x1 + 8}" y="{top + 11}" font-size="13" font-weight="bold" fill="#8e1b1b">ALS</text>',
        f'<rect x="{x0}" y="{top}" width="{mmn_edge - x0:.1f}" height="{bar_h}" fill="#d7ecd5"/>',
        f'<rect x="{mmn_edge}" y="{top}" width="{als_edge - mmn_edge:.1f}" height="{bar_h}" fill="#f6efcf"/>',
        f'<rect x="{als_edge}" y="{top}" width="{x1 - als_edge:.1f}" height="{bar_h}" fill="#f3d6d6"/>',
        f'<rect x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{bar_h}" fill="none" stroke="#333" stroke-width="1"/>',
    ]
    for tenth in range(1, 10):  # a light scale, to help a learner place a mark
        tx = x(tenth / 10)
        out.append(f'<line x1="{tx}" y1="{top + bar_h - 4}" x2="{tx}" y2="{top + bar_h}" stroke="#777" stroke-width="0.8"/>')
    for edge in (mmn_edge, als_edge):
        out.append(f'<line x1="{edge}" y1="{top - 5}" x2="{edge}" y2="{top + bar_h + 5}" stroke="#333" '
                   'stroke-width="1.4" stroke-dasharray="3 2"/>')
    row1, row2 = top + bar_h + 15, top + bar_h + 29
    for value, tx in ((1.0, x0), (LEAN_MMN_AT, mmn_edge), (0.5, x(0.5)), (LEAN_ALS_AT, als_edge), (0.0, x1)):
        out.append(f'<text x="{tx}" y="{row1}" text-anchor="middle" font-size="10" fill="#333">{value:.2f}</text>')
    out.append(f'<text x="{x0 - 16}" y="{row1}" text-anchor="end" font-size="10" fill="#555">P(MMN)</text>')
    for text, left, right in (("leans MMN", x0, mmn_edge), ("undecided", mmn_edge, als_edge), ("leans ALS", als_edge, x1)):
        out.append(f'<text x="{(left + right) / 2:.1f}" y="{row2}" text-anchor="middle" font-size="10" fill="#555">{text}</text>')
    if p_mmn is None:
        out.append(f'<text x="{x(0.5)}" y="{top - 8}" text-anchor="middle" font-size="10" fill="#555">'
                   "mark your call on the bar</text>")
    else:
        px = x(p_mmn)
        anchor = "start" if px < x0 + 40 else "end" if px > x1 - 40 else "middle"
        out.append(f'<line x1="{px}" y1="{top - 2}" x2="{px}" y2="{top + bar_h + 2}" stroke="#000" stroke-width="2.5"/>')
        out.append(f'<path d="M {px - 6} {top - 10} L {px + 6} {top - 10} L {px} {top - 2} Z" fill="#000"/>')
        out.append(f'<text x="{px}" y="{top - 13}" text-anchor="{anchor}" font-size="11" font-weight="bold" '
                   f'fill="#000">P(MMN) = {p_mmn:.2f}</text>')
    out.append("</svg>")
    return "\n".join(out)


def text_bar(p_mmn: float | None = None, width: int = TEXT_BAR_WIDTH) -> str:
    """The same bar in plain text (for Markdown): ┊ marks the thresholds, ● the probability."""

    def at(p: float) -> int:
        return round(_fraction(p) * (width - 1))

    marker = None if p_mmn is None else at(p_mmn)
    edges = (at(LEAN_MMN_AT), at(LEAN_ALS_AT))
    cells = ["●" if i == marker else "┊" if i in edges else "─" for i in range(width)]
    return "MMN ├" + "".join(cells) + "┤ ALS"


# ----------------------------------------------------------------------------- what the pages say
@dataclass
class StageKey:
    """One stage of the answer key: the engine's view, and what is new in it."""

    number: int
    name: str
    assessment: Assessment
    previous_p: float
    new_ids: set = field(default_factory=set)  # rules that fired first at this stage
    new_conditions: list = field(default_factory=list)  # Consideration raised first at this stage

    @property
    def new_evidence(self) -> list[Evidence]:
        return [e for e in self.assessment.evidence if e.rule.id in self.new_ids]

    @property
    def carried_evidence(self) -> list[Evidence]:
        return [e for e in self.assessment.evidence if e.rule.id not in self.new_ids]

    @property
    def new_shared(self) -> list[Evidence]:
        return [e for e in self.assessment.shared if e.rule.id in self.new_ids]


def stage_keys(case: Case, prior: float, engine: str = "durable") -> list[StageKey]:
    """The engine's assessment after each stage, and which rules and red flags each stage added."""
    judge = assessor(engine)
    keys: list[StageKey] = []
    seen_rules: set = set()
    seen_conditions: set = set()
    previous_p = prior
    for number, stage in enumerate(case.stages, 1):
        a = judge.assess_case(case, number, prior)
        fired = a.fired_rules()
        new_conditions = [c for c in a.consider if c.condition not in seen_conditions]
        keys.append(StageKey(number, stage.name, a, previous_p, fired - seen_rules, new_conditions))
        seen_rules |= fired
        seen_conditions |= {c.condition for c in a.consider}
        previous_p = a.p_mmn
    return keys


def _criteria_titles() -> list[str]:
    from mmn_ddx.library import rulebook  # deprecated shim

    return [criterion_set.title for criterion_set in rulebook().criteria]


QUESTION_LEAN = "Where does the case lean now: MMN, ALS, or undecided? How sure are you?"
QUESTION_WEIGH = "Which findings so far point toward MMN, which toward ALS, and which are shared by both?"
QUESTION_NEXT = "What would you ask for or order next, and why?"
QUESTION_DIAGNOSIS = "What is your diagnosis?"
QUESTION_CONSIDER = "Which other conditions would you consider, and what would tell them apart?"
QUESTION_CRITERIA = "Which formal criteria does the case meet, and in which category?"


def _instructions() -> str:
    return ("Read one stage at a time and answer its questions before you read on. Mark your call on the "
            f"bar: MMN on the left, ALS on the right; the dashed marks are P(MMN) = {LEAN_MMN_AT:.2f} and "
            f"{LEAN_ALS_AT:.2f}, where a leaning is named.")


def _stage_questions(last: bool) -> list[str]:
    return [QUESTION_LEAN, QUESTION_WEIGH] + ([] if last else [QUESTION_NEXT])


def _final_questions() -> list[str]:
    return [QUESTION_DIAGNOSIS, QUESTION_CONSIDER, f"{QUESTION_CRITERIA} ({'; '.join(_criteria_titles())})"]


def _difficulty(case: Case) -> str:
    return f"difficulty {case.difficulty} of 3" if case.difficulty else "difficulty not given"


# ----------------------------------------------------------------------------- Markdown
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_BLOCK_START = re.compile(r"^([#>+=~-])|^(\d+)([.)])")


def md_text(text: Any) -> str:
    """Text from a case or rule file, made inert in Markdown (no markup, no HTML, no block syntax)."""
    flat = " ".join(str(text).split())
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    flat = _MD_ENTITY.sub(r"\\&", flat)
    return _MD_BLOCK_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", flat)


def _md_paragraphs(text: str) -> list[str]:
    return [md_text(p) for p in _paragraphs(text)]


def _md_answer_space(lines: int = ANSWER_LINES) -> list[str]:
    # Each line of underscores is a Markdown thematic break: ruled lines to write on.
    out: list[str] = []
    for _ in range(lines):
        out += ["   " + "_" * 60, ""]
    return out


def _md_findings(findings: dict, vocab: Vocabulary) -> list[str]:
    return [f"- **{md_text(vocab.label(f))}:** {md_text(vocab.show(f, v))}" for f, v in findings.items()]


def _md_handout(case: Case, vocab: Vocabulary) -> str:
    out = [f"# {md_text(case.title)}", "", f"**{DISCLAIMER}**", "",
           f"*Case handout · {_difficulty(case)} · {len(case.stages)} stages*", "",
           "Name: ______________________  Date: ______________", "", md_text(_instructions()), ""]
    total = len(case.stages)
    for number, stage in enumerate(case.stages, 1):
        out += [f"## Stage {number} of {total}: {md_text(_stage_title(stage))}", ""]
        for paragraph in _md_paragraphs(stage.narrative):
            out += [paragraph, ""]
        out += _md_changes(stage, vocab)
        if stage.unchanged_findings:
            out += ["**Findings disclosed at this stage**", "", *_md_findings(stage.unchanged_findings, vocab), ""]
        out += ["**Questions**", ""]
        for q_number, question in enumerate(_stage_questions(number == total), 1):
            out += [f"{q_number}. {md_text(question)}", ""]
            if question == QUESTION_LEAN:
                out += ["   ☐ MMN   ☐ undecided   ☐ ALS   How sure? ______ %", "",
                        "   Mark your call on the bar:", "", "   ```text", f"   {text_bar(None)}", "   ```", ""]
            else:
                out += _md_answer_space()
    out += ["## Your conclusion", ""]
    for q_number, question in enumerate(_final_questions(), 1):
        out += [f"{q_number}. {md_text(question)}", "", *_md_answer_space()]
    out += ["---", "", f"*{DISCLAIMER}*", ""]
    return "\n".join(out)


def _stage_title(stage) -> str:
    """'Examination', or 'Review (follow-up, 14 months after onset)'."""
    return stage.name.capitalize() + (f" (follow-up, {stage.when})" if stage.follow_up else "")


def _md_changes(stage, vocab: Vocabulary, key: bool = False) -> list[str]:
    """What a follow-up changed; in the answer key, with the teaching point of the change."""
    out = []
    if stage.changes:
        out += ["**Changed since the earlier visit**", "", *(f"- {md_text(vocab.show_change(c))}" for c in stage.changes), ""]
    if key and stage.teaching_point:
        out += [f"**What the change teaches:** {md_text(stage.teaching_point)}", ""]
    return out


def _html_changes(stage, vocab: Vocabulary, key: bool = False) -> str:
    out = ""
    if stage.changes:
        items = "".join(f"<li>{_h(vocab.show_change(c))}</li>" for c in stage.changes)
        out += f'<h3>Changed since the earlier visit</h3>\n<ul class="changes">{items}</ul>'
    if key and stage.teaching_point:
        out += f'\n<p class="verdict"><strong>What the change teaches:</strong> {_h(stage.teaching_point)}</p>'
    return out


def _md_evidence(e: Evidence, vocab: Vocabulary) -> list[str]:
    """One fired rule as a loose list item: a paragraph each for the ratio, findings, why, sources."""
    rule = e.rule
    found = "; ".join(f"{vocab.label(k)}: {vocab.show(k, v)}" for k, v in e.findings.items())
    out = [f"- **{md_text(rule.title)}** (`{rule.id}`): {md_text(_ratio(rule))}.", "",
           f"  Findings: {md_text(found)}.", "", f"  {md_text(rule.explanation)}", ""]
    if e.folded:
        titles = ", ".join(f.rule.title for f in e.folded)
        out += [f"  *Also fired, counted once through this rule (same family '{md_text(rule.family or '')}', one fact):* {md_text(titles)}.", ""]
    out += ["  Sources:", "", *(f"  - {md_text(s)}" for s in rule.sources), ""]
    return out


def _md_answer_key(case: Case, keys: list[StageKey], vocab: Vocabulary) -> str:
    final = keys[-1].assessment
    out = [f"# Answer key: {md_text(case.title)}", "", f"**{DISCLAIMER}**", "",
           f"*Case `{case.id}` · {_difficulty(case)} · prior P(MMN) = {final.prior:.2f} · keep apart from the handout*", "",
           f"**Diagnosis: {md_text(diagnosis_label(case.diagnosis))}**", ""]
    if case.source:
        out += [f"Source: {md_text(case.source)}", ""]
    total = len(keys)
    for key in keys:
        a = key.assessment
        stage = case.stages[key.number - 1]
        out += [f"## Stage {key.number} of {total}: {md_text(_stage_title(stage))}", "", *_md_changes(stage, vocab, key=True),
                f"The engine: **{LEANING_WORDS[a.leaning]}**, P(MMN) = {show_p(a.p_mmn)} (before this stage {show_p(key.previous_p)}).", "",
                "```text", f"{text_bar(a.p_mmn)}   P(MMN) = {show_p(a.p_mmn)}", "```", ""]
        out += [f"**{md_text(note)}**" for note in _stage_notes(a, case, vocab)] + ([""] if _stage_notes(a, case, vocab) else [])
        if key.new_evidence:
            out += ["**Evidence that fired at this stage**", ""]
            for e in key.new_evidence:
                out += _md_evidence(e, vocab)
        if key.carried_evidence:
            out += ["**Still counted from earlier stages:** "
                    + "; ".join(f"{md_text(e.rule.title)} ({md_text(_ratio(e.rule))})" for e in key.carried_evidence), ""]
        folded_now = [(f, e) for e in key.carried_evidence for f in e.folded if f.rule.id in key.new_ids]
        for f, e in folded_now:
            out += [f"*{md_text(f.rule.title)} also fired; it is counted once through {md_text(e.rule.title)}.*", ""]
        if key.new_shared:
            out += ["**Shared features (they raise the question, they do not answer it)**", ""]
            out += [f"- **{md_text(e.rule.title)}**: {md_text(e.rule.explanation)}" for e in key.new_shared]
            out.append("")
        if key.new_conditions:
            out += ["**Consider also**", ""]
            for c in key.new_conditions:
                because = ", ".join(vocab.label(f) for f in c.because)
                out.append(f"- **{md_text(diagnosis_label(c.condition))}**, because of {md_text(because)}: {md_text(c.rules[0].why)}")
            out.append("")
        if a.next_best and key.number < total:
            out += ["**What to ask for next (the engine's answer)**", ""]
            out += [f"- {md_text(n.why)}" for n in a.next_best]
            out.append("")
        for warning in a.warnings:
            out += [f"*Note: {md_text(warning)}*", ""]
    out += ["## Formal criteria after the last stage", ""]
    if final.criteria_detail:
        # A list, not a table: tables are not CommonMark, and some renderers would show the pipes.
        for detail in final.criteria_detail.values():
            out.append(f"- {md_text(detail['title'])}: **{md_text(detail['category'].replace('_', ' '))}**")
        out.append("")
    else:
        out += ["No formal criteria were judged.", ""]
    for note in final.disagreement:
        out += [f"**Teaching moment:** {md_text(note)}", ""]
    if final.consider:
        out += ["## Conditions to consider", ""]
        for c in final.consider:
            because = ", ".join(vocab.label(f) for f in c.because)
            out.append(f"- {md_text(diagnosis_label(c.condition))} (because of {md_text(because)})")
        out.append("")
    if case.teaching_points:
        out += ["## Teaching points", ""]
        out += [f"- {md_text(point)}" for point in case.teaching_points]
        out.append("")
    out += ["---", "", f"*{DISCLAIMER}*", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------- HTML
CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 Georgia, "Times New Roman", serif; color: #111; background: #fff;
       max-width: 48rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.55rem; margin: 0 0 .2rem; line-height: 1.2; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; padding-bottom: .15rem; border-bottom: 1.5px solid #444;
     break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; break-after: avoid; page-break-after: avoid; }
p { margin: .4rem 0; }
.meta { color: #444; font-style: italic; margin: 0 0 .6rem; }
.notice { border: 1.5px solid #8a3b00; color: #5a2600; padding: .35rem .7rem; font-weight: bold;
          font-family: sans-serif; font-size: .9rem; }
.who { display: flex; gap: 2rem; margin: .8rem 0; font-family: sans-serif; font-size: .9rem; }
.who span { flex: 1; border-bottom: 1px solid #555; padding-bottom: .1rem; }
.instructions { font-size: .95rem; }
.findings { margin: .4rem 0 .6rem; padding-left: 1.2rem; font-size: .95rem; columns: 2; column-gap: 2.5rem; }
.findings li { margin: .05rem 0; break-inside: avoid; }
.questions { padding-left: 1.3rem; }
.questions > li { margin: .6rem 0 .9rem; break-inside: avoid; page-break-inside: avoid; }
.choices { font-family: sans-serif; font-size: .95rem; margin: .35rem 0; }
.choices span { margin-right: 1.4rem; white-space: nowrap; }
.box { display: inline-block; width: .9em; height: .9em; border: 1.3px solid #222; vertical-align: -.1em;
       margin-right: .3em; }
.blank { display: inline-block; min-width: 4em; border-bottom: 1px solid #555; }
.lines div { height: 1.9em; border-bottom: 1px solid #999; }
svg.evidence-bar { display: block; max-width: 100%; height: auto; margin: .3rem 0; }
.verdict { font-family: sans-serif; font-weight: bold; }
.diagnosis { font-size: 1.15rem; border: 2px solid #222; padding: .4rem .7rem; display: inline-block; }
.evidence { padding-left: 1.2rem; }
.evidence > li { margin: .5rem 0; break-inside: avoid; page-break-inside: avoid; }
.rule-id { font-family: monospace; font-size: .85rem; color: #555; }
.toward-mmn { color: #1b5e20; } .toward-als { color: #8e1b1b; }
.small { font-size: .88rem; color: #333; }
.sources { font-size: .85rem; color: #333; margin: .15rem 0 0; padding-left: 1.1rem; }
.note { font-style: italic; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #888; padding: .25rem .6rem; text-align: left; vertical-align: top; }
footer { margin-top: 2rem; }
@page { margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  .handout section.stage + section.stage, .handout section.conclusion { break-before: page; page-break-before: always; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".strip()

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mmn-ddx $version">
<title>$title</title>
<style>
$css
</style>
</head>
<body class="$kind">
<header>
$header
<p class="notice">$disclaimer</p>
</header>
<main>
$body
</main>
<footer>
<p class="notice">$disclaimer</p>
</footer>
</body>
</html>
""")


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html_page(kind: str, title: str, header: str, body: str) -> str:
    return PAGE.substitute(version=_h(__version__), title=_h(title), css=CSS, kind=kind, header=header,
                           disclaimer=_h(DISCLAIMER), body=body)


def _html_paragraphs(text: str) -> str:
    return "\n".join(f"<p>{_h(p)}</p>" for p in _paragraphs(text))


def _html_lines(lines: int = ANSWER_LINES) -> str:
    return '<div class="lines">' + "<div></div>" * lines + "</div>"


def _html_findings(findings: dict, vocab: Vocabulary) -> str:
    items = "".join(f"<li><strong>{_h(vocab.label(f))}:</strong> {_h(vocab.show(f, v))}</li>" for f, v in findings.items())
    return f'<ul class="findings">{items}</ul>'


def _html_handout(case: Case, vocab: Vocabulary) -> str:
    total = len(case.stages)
    header = (f"<h1>{_h(case.title)}</h1>\n"
              f'<p class="meta">Case handout · {_h(_difficulty(case))} · {total} stages</p>\n'
              '<p class="who"><span>Name:</span><span>Date:</span></p>\n'
              f'<p class="instructions">{_h(_instructions())}</p>')
    parts: list[str] = []
    for number, stage in enumerate(case.stages, 1):
        section = [f'<section class="stage" id="stage-{number}">',
                   f"<h2>Stage {number} of {total}: {_h(_stage_title(stage))}</h2>",
                   _html_paragraphs(stage.narrative), _html_changes(stage, vocab)]
        if stage.unchanged_findings:
            section += ["<h3>Findings disclosed at this stage</h3>", _html_findings(stage.unchanged_findings, vocab)]
        section += ["<h3>Questions</h3>", '<ol class="questions">']
        for question in _stage_questions(number == total):
            if question == QUESTION_LEAN:
                section.append(
                    f"<li>{_h(question)}"
                    '<p class="choices"><span><i class="box"></i>MMN</span><span><i class="box"></i>undecided</span>'
                    '<span><i class="box"></i>ALS</span><span>How sure? <i class="blank"></i> %</span></p>'
                    f"{evidence_bar_svg(None)}</li>")
            else:
                section.append(f"<li>{_h(question)}{_html_lines()}</li>")
        section += ["</ol>", "</section>"]
        parts.append("\n".join(section))
    conclusion = ['<section class="conclusion">', "<h2>Your conclusion</h2>", '<ol class="questions">']
    conclusion += [f"<li>{_h(q)}{_html_lines()}</li>" for q in _final_questions()]
    conclusion += ["</ol>", "</section>"]
    parts.append("\n".join(conclusion))
    return _html_page("handout", f"{case.title} (case handout)", header, "\n".join(parts))


def _html_evidence(e: Evidence, vocab: Vocabulary) -> str:
    rule = e.rule
    found = "; ".join(f"{vocab.label(k)}: {vocab.show(k, v)}" for k, v in e.findings.items())
    out = [f'<li><strong class="toward-{_h(rule.toward)}">{_h(rule.title)}</strong> '
           f'<span class="rule-id">{_h(rule.id)}</span> — {_h(_ratio(rule))}',
           f'<p class="small">Findings: {_h(found)}</p>',
           f"<p>{_h(rule.explanation)}</p>"]
    if e.folded:
        titles = ", ".join(f.rule.title for f in e.folded)
        out.append(f'<p class="small note">Also fired, counted once through this rule (same family '
                   f"&#8216;{_h(rule.family or '')}&#8217;): {_h(titles)}.</p>")
    out.append('<p class="small">Sources:</p><ul class="sources">' + "".join(f"<li>{_h(s)}</li>" for s in rule.sources) + "</ul></li>")
    return "\n".join(out)


def _html_answer_key(case: Case, keys: list[StageKey], vocab: Vocabulary) -> str:
    final = keys[-1].assessment
    total = len(keys)
    header = (f"<h1>Answer key: {_h(case.title)}</h1>\n"
              f'<p class="meta">Case {_h(case.id)} · {_h(_difficulty(case))} · prior P(MMN) = {final.prior:.2f} · '
              "keep apart from the handout</p>\n"
              f'<p class="diagnosis">Diagnosis: <strong>{_h(diagnosis_label(case.diagnosis))}</strong></p>'
              + (f'\n<p class="small">Source: {_h(case.source)}</p>' if case.source else ""))
    parts: list[str] = []
    for key in keys:
        a = key.assessment
        section = [f'<section class="stage" id="stage-{key.number}">',
                   f"<h2>Stage {key.number} of {total}: {_h(_stage_title(case.stages[key.number - 1]))}</h2>",
                   _html_changes(case.stages[key.number - 1], vocab, key=True),
                   f'<p class="verdict">The engine: {_h(LEANING_WORDS[a.leaning])}, P(MMN) = {show_p(a.p_mmn)} '
                   f"(before this stage {show_p(key.previous_p)})</p>",
                   *[f'<p class="verdict"><strong>{_h(note)}</strong></p>' for note in _stage_notes(a, case, vocab)],
                   evidence_bar_svg(a.p_mmn)]
        if key.new_evidence:
            section += ["<h3>Evidence that fired at this stage</h3>", '<ul class="evidence">',
                        *(_html_evidence(e, vocab) for e in key.new_evidence), "</ul>"]
        if key.carried_evidence:
            carried = "; ".join(f"{_h(e.rule.title)} ({_h(_ratio(e.rule))})" for e in key.carried_evidence)
            section.append(f'<p class="small"><strong>Still counted from earlier stages:</strong> {carried}</p>')
        for e in key.carried_evidence:
            for f in e.folded:
                if f.rule.id in key.new_ids:
                    section.append(f'<p class="small note">{_h(f.rule.title)} also fired; it is counted once through '
                                   f"{_h(e.rule.title)}.</p>")
        if key.new_shared:
            section += ["<h3>Shared features: they raise the question, they do not answer it</h3>", '<ul class="evidence">']
            section += [f"<li><strong>{_h(e.rule.title)}</strong>: {_h(e.rule.explanation)}</li>" for e in key.new_shared]
            section.append("</ul>")
        if key.new_conditions:
            section += ["<h3>Consider also</h3>", '<ul class="evidence">']
            for c in key.new_conditions:
                because = ", ".join(vocab.label(f) for f in c.because)
                section.append(f"<li><strong>{_h(diagnosis_label(c.condition))}</strong>, because of {_h(because)}: "
                               f"{_h(c.rules[0].why)}</li>")
            section.append("</ul>")
        if a.next_best and key.number < total:
            section += ["<h3>What to ask for next (the engine&#8217;s answer)</h3>", "<ul>"]
            section += [f"<li>{_h(n.why)}</li>" for n in a.next_best]
            section.append("</ul>")
        section += [f'<p class="small note">Note: {_h(w)}</p>' for w in a.warnings]
        section.append("</section>")
        parts.append("\n".join(section))
    end = ['<section class="conclusion">', "<h2>Formal criteria after the last stage</h2>"]
    if final.criteria_detail:
        end.append("<table><thead><tr><th>Criteria</th><th>Category</th></tr></thead><tbody>")
        end += [f"<tr><td>{_h(d['title'])}</td><td>{_h(d['category'].replace('_', ' '))}</td></tr>"
                for d in final.criteria_detail.values()]
        end.append("</tbody></table>")
    else:
        end.append("<p>No formal criteria were judged.</p>")
    end += [f"<p><strong>Teaching moment:</strong> {_h(note)}</p>" for note in final.disagreement]
    if final.consider:
        end += ["<h2>Conditions to consider</h2>", "<ul>"]
        end += [f"<li>{_h(diagnosis_label(c.condition))} (because of {_h(', '.join(vocab.label(f) for f in c.because))})</li>"
                for c in final.consider]
        end.append("</ul>")
    if case.teaching_points:
        end += ["<h2>Teaching points</h2>", "<ul>", *(f"<li>{_h(p)}</li>" for p in case.teaching_points), "</ul>"]
    end.append("</section>")
    parts.append("\n".join(end))
    return _html_page("answer-key", f"{case.title} (answer key)", header, "\n".join(parts))


# ----------------------------------------------------------------------------- the public functions
def handout(case: Case, fmt: str = "md", vocab: Vocabulary | None = None) -> str:
    """The printable case for learners: stages, findings, questions and space for answers."""
    _check_format(fmt)
    vocab = vocab or vocabulary()
    return _html_handout(case, vocab) if fmt == "html" else _md_handout(case, vocab)


def answer_key(case: Case, fmt: str = "md", prior: float | None = None, engine: str = "durable",
               vocab: Vocabulary | None = None) -> str:
    """The answer key: the diagnosis, the engine's view at every stage with the evidence that fired,
    its explanations and sources, the criteria categories and the teaching points."""
    _check_format(fmt)
    vocab = vocab or vocabulary()
    keys = stage_keys(case, check_prior(DEFAULT_PRIOR if prior is None else prior), engine)
    return _html_answer_key(case, keys, vocab) if fmt == "html" else _md_answer_key(case, keys, vocab)


def document(case: Case, fmt: str = "md", *, key: bool = False, prior: float | None = None) -> str:
    """The handout, or with `key` the answer key, in `fmt` ('md' or 'html')."""
    return answer_key(case, fmt, prior) if key else handout(case, fmt)


def _stage_notes(a, case, vocab) -> list[str]:
    """What the answer key says beside the engine's verdict: the mimic to exclude first, and a
    bedside picture that leans away from the case's own diagnosis (a teaching point, not a fault)."""
    notes = [headline(a)] if a.consider and a.consider[0].leads else []
    misleads = bedside_misleads(a, case.diagnosis, vocab)
    return notes + ([misleads] if misleads else [])
