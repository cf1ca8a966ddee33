"""Regrading a results file under the current rules: the stored answers graded again, written to a new file.

The answers are matched by their value (the finding, category or condition chosen), not their
letter: under other rules the options of a seed may come in another order or include others.
The old file is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mmn_ddx.files import write_new_file
from mmn_ddx.quiz.generation import generate, parse_generated_id
from mmn_ddx.quiz.items import Item, Option
from mmn_ddx.quiz.loading import Quiz, find_quiz, load_quiz, quiz_id
from mmn_ddx.quiz.papers import prepare
from mmn_ddx.quiz.results import json_text, now, read_results, refuse, rulebook_of, what_changed
from mmn_ddx.quiz.session import Session
from mmn_ddx.safetext import shorten

if TYPE_CHECKING:
    from mmn_ddx.library import Library

@dataclass
class Change:
    """A question whose grade the current rules change."""

    id: str
    answer: str | None  # as shown; None: skipped
    was_correct: bool
    now_correct: bool
    right_label: str  # the right answer now


@dataclass
class Regraded:
    source: str  # the results file regraded (left as it was)
    path: str  # the new file
    student: str | None
    changed: list[str]  # what differs between the rules that graded the old file and the current ones, in words
    recorded: bool  # whether the old file says which rules graded it (older files do not)
    before: dict  # the old score
    after: dict  # the new score
    changes: list[Change] = field(default_factory=list)


def regrade(results: str, library: Library, *, out: str | None = None, force: bool = False,
            quiz: str | None = None, case_dirs: tuple = ()) -> Regraded:
    """Grade the answers stored in `results` again under the library's rules and write them to `out`
    (default: NAME.regraded.json beside it); refuse to replace a file without `force`, and never the old one."""
    old = read_results(results)
    target = Path(out) if out else Path(results).with_name(f"{Path(results).stem}.regraded.json")
    if target.resolve() == Path(results).resolve():
        raise refuse(str(target), "is the results file being regraded; the regraded answers go to a new file so that "
                                  "the old grades are kept.", "Give another --out FILE.")
    paper = prepare(_quiz_of(old, results, library, quiz, case_dirs), library, old.get("seed"))
    missing = [qid for qid in old["questions"] if paper.item(qid) is None]
    if missing:
        raise refuse(results, f"lists questions the quiz no longer has: {', '.join(shorten(q) for q in missing[:5])}.",
                     "Name the quiz file the answers were given to with --quiz FILE.")
    session = Session(paper, Session.new_data(paper, old.get("student"), old.get("feedback", "immediate"),
                                               old["quiz"].get("id")), None)
    session.data["started"] = old.get("started", session.data["started"])
    changes = []
    for record in old["answers"]:
        item = paper.item(record["id"])
        graded = session.record(item, _stored_option(item, record), record.get("typed"), record.get("seconds"),
                                record.get("answered_at"))
        if graded.correct != record["correct"]:
            changes.append(Change(item.id, record.get("answer_label"), record["correct"], graded.correct, item.right.label))
    session.data["regraded"] = {
        "from": Path(results).name,  # the name only: a path would tell the teacher's folders to whoever gets the file
        "rulebook": rulebook_of(old),
        "tool_version": old.get("tool_version"),
        "score": old["score"],
        "at": now(),
    }
    write_new_file(target, json_text(session.data), force)
    order = {item.id: item.number for item in paper.items}
    changes.sort(key=lambda c: order[c.id])
    return Regraded(source=results, path=str(target), student=old.get("student"), changed=what_changed(old, paper),
                    recorded=rulebook_of(old) is not None,
                    before=old["score"], after=session.data["score"], changes=changes)


def _stored_option(item: Item, record: dict) -> Option | None:
    """The option a stored answer chose, by its value; an answer no longer offered is still graded by its value."""
    value = record.get("answer")
    if value is None:
        return None
    for option in item.options:
        if option.value == value:
            return option
    return Option(value, record.get("answer_label") or value)


def _quiz_of(old: dict, results: str, library: Library, named: str | None, case_dirs: tuple) -> Quiz:
    """The quiz the answers were given to: the one named, the bundled quiz of the file's id, or the generated one again."""
    recorded = old["quiz"]
    recorded_id = recorded.get("id") or Path(recorded.get("source", "")).stem
    generated = None if named else parse_generated_id(recorded_id)
    if named:
        quiz = load_quiz(find_quiz(named, library), library, case_dirs)
    elif generated:
        count, seed = generated
        quiz, _ = generate(count, library, seed)
    elif recorded_id in library.quizzes():
        quiz = load_quiz(library.quizzes()[recorded_id], library, case_dirs)
    else:
        raise refuse(results, f"holds answers to quiz '{shorten(recorded_id)}', which is not a bundled quiz.",
                     "Name its quiz file with --quiz FILE.")
    if quiz.fingerprint != recorded["fingerprint"] and generated:
        raise refuse(results, f"holds answers to a quiz generated from the case library ({count} questions, seed {seed}), "
                              "which the current rules and cases generate differently.",
                     f"Write that quiz with the mmn-ddx version that made it ({shorten(old.get('tool_version') or 'unknown')}): "
                     f"'mmn-ddx quiz generate {count} --seed {seed} --out FILE', then regrade with --quiz FILE.")
    if quiz.fingerprint != recorded["fingerprint"]:
        raise refuse(results, f"holds answers to quiz '{shorten(recorded['title'])}' ({shorten(recorded['fingerprint'])}), "
                              f"not to quiz '{quiz_id(quiz)}' ('{shorten(quiz.title)}', {quiz.fingerprint}): "
                              "another quiz, or the same one edited since.",
                     "Name the quiz file the answers were given to with --quiz FILE.")
    return quiz

