"""An Anki deck of the rule book: one note per weighing rule, one per stage of every case.

Notes keep their identity across exports (genanki's guid from the rule id or the case and stage),
so importing a newer deck updates the cards a student already has instead of adding duplicates.
The same rule book and cases give the same bytes: notes are stamped with the time their files
last changed, and the zip entries carry a fixed date.
"""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from markupsafe import Markup

from mmn_ddx import DISCLAIMER
from mmn_ddx.assessment import DEFAULT_PRIOR, LEANING_WORDS, headline, p_equals

# Fixed ids: Anki knows a note type and a deck by these, so they must never change.
DECK_ID = 1_874_266_513
RULE_MODEL_ID = 1_874_266_514
STAGE_MODEL_ID = 1_874_266_515
DECK_NAME = "mmn-ddx: MMN versus ALS"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
QUESTION = "Toward which diagnosis, and how strongly?"

CSS = """.card { font-family: Georgia, serif; font-size: 18px; text-align: left; color: #111; background: #fff; }
.finding { font-weight: bold; } .ask { font-style: italic; color: #333; } .small { font-size: 14px; color: #444; }
.mmn { color: #1b5e20; } .als { color: #8e1b1b; } ul { padding-left: 1.2em; }"""


@dataclass
class Deck:
    """What was put in the deck, for the command's message and for tests."""

    path: Path
    rule_notes: int = 0
    stage_notes: int = 0
    tags: set = field(default_factory=set)


def _models():
    import genanki

    back = "{{FrontSide}}<hr id=answer>{{Back}}"
    rule = genanki.Model(RULE_MODEL_ID, "mmn-ddx weighing rule", fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Rule"}],
                         templates=[{"name": "Rule", "qfmt": "{{Front}}", "afmt": back}], css=CSS, sort_field_index=2)
    stage = genanki.Model(STAGE_MODEL_ID, "mmn-ddx case stage", fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Stage"}],
                          templates=[{"name": "Stage", "qfmt": "{{Front}}", "afmt": back}], css=CSS, sort_field_index=2)
    return rule, stage


def _tag(text: str) -> str:
    """Anki tags are single words."""
    return "".join(ch if ch.isalnum() or ch in "-_:" else "_" for ch in text.strip()) or "none"


def _list(items) -> Markup:
    return Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i) for i in items))


def _rule_note(rule, vocab, difficulty, models):
    import genanki
    from mmn_ddx.conditions import findings_of

    findings = [vocab.label(f) for f in findings_of(rule.when)]
    front = Markup('<div class="finding">{}</div><div class="small">Findings: {}</div><p class="ask">{}</p>').format(
        rule.title, ", ".join(dict.fromkeys(findings)), QUESTION)
    back = Markup('<p class="{}"><b>{}</b></p><p>{}</p><p class="small">{}</p><div class="small">Sources:{}</div>'
                  '<p class="small">{}</p>').format(
        rule.toward, rule.ratio_words(long=True) if rule.toward != "neither" else "Toward neither: found in both, it does not move the balance", rule.teaching_point or rule.explanation, rule.explanation if rule.teaching_point else "",
        _list(rule.sources), DISCLAIMER)
    tags = ["mmn-ddx", "rule", f"family::{_tag(rule.family or rule.id)}", f"toward::{rule.toward}",
            f"difficulty::{difficulty if difficulty else 'unrated'}"]
    return genanki.Note(models[0], [str(front), str(back), rule.id], tags=tags, guid=genanki.guid_for("mmn-ddx", "rule", rule.id))


def _stage_note(case, number, assessment, vocab, models):
    import genanki

    stage = case.stages[number - 1]
    findings = [f"{vocab.label(f)}: {vocab.show(f, v)}" for f, v in assessment.findings.items()]
    front = Markup('<div class="finding">{}</div><div class="small">Stage {} of {}: {}</div>{}<p class="ask">{}</p>').format(
        case.title, number, len(case.stages), stage.name.capitalize(), _list(findings),
        "Where does the case lean now, and why?")
    reasons = [f"{e.rule.title} ({e.rule.ratio_words(long=True)})" for e in assessment.evidence]
    back = Markup('<p><b>{}</b>, {}</p><p>{}</p><div class="small">Counted evidence:{}</div><p class="small">{}</p>').format(
        LEANING_WORDS[assessment.leaning], p_equals(assessment.p_mmn), headline(assessment), _list(reasons or ["none yet"]),
        DISCLAIMER)
    tags = ["mmn-ddx", "case-stage", f"difficulty::{case.difficulty or 'unrated'}", f"leaning::{assessment.leaning}"]
    stage_id = f"{case.id}/{number}-{stage.name}"
    return genanki.Note(models[1], [str(front), str(back), stage_id], tags=tags, guid=genanki.guid_for("mmn-ddx", "stage", stage_id))


def _stamp(library, cases) -> float:
    """When the rule book or a case last changed: the notes' modification time."""
    files = [p for p in Path(library.rules_root).rglob("*") if p.is_file()] + [Path(c.path) for c in cases if c.path]
    return max((p.stat().st_mtime for p in files), default=0.0) // 1


def build_deck(library, out: Path | str, force: bool = False, engine: str = "durable") -> Deck:
    """Write the deck to `out` (an .apkg file), atomically; an existing file only with `force`."""
    import genanki
    from mmn_ddx.cases import load_case
    from mmn_ddx.files import write_new_file

    vocab = library.vocabulary
    cases = [load_case(path, vocab) for _, path in sorted(library.cases().items())]
    judge = library.assessor(engine)
    models = _models()
    deck = genanki.Deck(DECK_ID, DECK_NAME, description="Weighing rules and case stages from mmn-ddx. " + DISCLAIMER)
    result = Deck(Path(out))
    easiest: dict[str, int] = {}
    stage_notes = []
    for case in cases:
        for number in range(1, len(case.stages) + 1):
            assessment = judge.assess_case(case, number, DEFAULT_PRIOR)
            for e in assessment.evidence:
                if case.difficulty:
                    easiest[e.rule.id] = min(easiest.get(e.rule.id, case.difficulty), case.difficulty)
            stage_notes.append(_stage_note(case, number, assessment, vocab, models))
    rule_notes = [_rule_note(rule, vocab, easiest.get(rule.id), models)
                  for rule in sorted(library.rulebook.weigh, key=lambda r: r.id)]
    for note in rule_notes + stage_notes:
        deck.add_note(note)
    result.rule_notes, result.stage_notes = len(rule_notes), len(stage_notes)
    result.tags = {tag for note in deck.notes for tag in note.tags}
    package = genanki.Package(deck)
    stamp = _stamp(library, cases)
    with tempfile.TemporaryDirectory() as folder:
        db_path = os.path.join(folder, "collection.anki2")
        with contextlib.closing(sqlite3.connect(db_path)) as db:
            package.write_to_db(db.cursor(), stamp, count(int(stamp * 1000)))
            db.commit()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("collection.anki2", ZIP_DATE), Path(db_path).read_bytes())
            archive.writestr(zipfile.ZipInfo("media", ZIP_DATE), "{}")
    write_new_file(out, buffer.getvalue(), force)
    return result
