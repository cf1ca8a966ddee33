"""The results store: results files (JSON) read against their schema, written atomically."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.files import write_text_atomic
from mmn_ddx.quiz.items import Paper
from mmn_ddx.safetext import clean, shorten
from mmn_ddx.yamlio import load_json_file

RESULTS_SCHEMA = "mmn-ddx/quiz-results/1"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_text(data: Any) -> str:
    """A results file's text: indented, non-ASCII kept as written (a student's name stays readable)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_json_atomic(path: Path | str, data: Any) -> None:
    write_text_atomic(path, json_text(data))


def score_of(records: list[dict], total: int) -> dict:
    correct = sum(1 for r in records if r.get("correct") is True)
    return {"correct": correct, "answered": sum(1 for r in records if r.get("answer") is not None),
            "total": total, "percent": round(100 * correct / total, 1) if total else 0.0}


# ----------------------------------------------------------------------------- what graded the answers
RULEBOOK_PARTS = {  # Library.fingerprint()'s parts, as a message names them
    "vocabulary": "vocabulary (findings.yaml)",
    "weighing": "weighing rules",
    "consider": "red-flag (consider) rules",
    "criteria": "criteria",
    "families": "evidence families",
}


def provenance(paper: Paper) -> dict:
    """What a paper was graded with, as results record it: the rule book's fingerprints and each case's."""
    rulebook = dict(paper.rulebook)
    overall = rulebook.pop("rulebook", None)
    return {
        "rulebook": {"fingerprint": overall, **rulebook} if overall else None,
        "cases": {ref.case.id: ref.fingerprint for ref in paper.quiz.cases},
    }


def rulebook_of(data: dict) -> str | None:
    """The fingerprint of the rule book that graded a results file (None: written before results recorded it)."""
    recorded = data.get("rulebook")
    return recorded.get("fingerprint") if isinstance(recorded, dict) else None


def what_changed(data: dict, paper: Paper) -> list[str]:
    """What differs between the rule book and cases that graded `data` and those of `paper`, in words.

    Results written before they recorded a rule book are taken as they are: nothing can be said.
    """
    recorded = data.get("rulebook")
    if not isinstance(recorded, dict):
        return []
    current = provenance(paper)
    changed = []
    if recorded.get("fingerprint") != current["rulebook"]["fingerprint"]:
        parts = [words for part, words in RULEBOOK_PARTS.items() if recorded.get(part) != current["rulebook"].get(part)]
        changed.append("the rule book's " + (", ".join(parts) if parts else "files"))
    cases = data.get("cases") if isinstance(data.get("cases"), dict) else {}
    edited = sorted(case_id for case_id, digest in current["cases"].items() if cases.get(case_id, digest) != digest)
    if edited:
        changed.append("case " + ", ".join(f"'{shorten(case_id)}'" for case_id in edited))
    return changed


UNTOUCHED = "The file was left untouched."
MAX_STUDENT_CHARS = 200


def check_student(name: str) -> str:
    """A student's name as kept in results: at most 200 characters, control characters shown as escapes."""
    if len(name) > MAX_STUDENT_CHARS:
        raise InputError(Problem(None, None, f"the student name ({shorten(name, 40)}) is longer than the "
                                             f"{MAX_STUDENT_CHARS} characters allowed.", "Give the name as the class list has it."))
    return clean(name)


def refuse(path: str, message: str, hint: str = "") -> InputError:
    return InputError(Problem(path, None, message, (hint + " " if hint else "") + UNTOUCHED))


def with_hint(error: InputError, extra: str) -> InputError:
    """The same problems, each with a sentence added to its hint."""
    return InputError(Problem(p.path, p.line, p.message, f"{p.hint} {extra}".strip()) for p in error.problems)


def read_results(path: Path | str) -> dict:
    """A results file, checked against its schema (types and ranges) and for consistency.

    Anything else raises an InputError naming the file and each field that is wrong (the first
    problems only: a file that is wrong everywhere is not a results file).
    """
    name = str(path)
    data = load_json_file(path)
    if not isinstance(data, dict) or data.get("schema") != RESULTS_SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else None
        what = "it is not a JSON object" if not isinstance(data, dict) else f"'schema' is {shorten(found)}, not '{RESULTS_SCHEMA}'"
        raise InputError(Problem(name, None, f"is not a results file of mmn-ddx: {what}.",
                                 "Name a file written by 'mmn-ddx quiz take --results'."))
    problems = [Problem(name, None, f"field '{field}' {message}.", RESULTS_HINT)
                for field, message in _results_schema_problems(data)]
    if not problems:
        problems = [Problem(name, None, message, RESULTS_HINT) for message in _results_consistency_problems(data)]
    if problems:
        raise InputError(problems[:MAX_RESULTS_PROBLEMS])
    return data


RESULTS_HINT = "The file may have been edited by hand or damaged; 'mmn-ddx schema quiz-results' gives its format."
MAX_RESULTS_PROBLEMS = 10


def _results_schema_problems(data: dict) -> list[tuple[str, str]]:
    from mmn_ddx.schemas import check

    return check(data, _results_schema())


@lru_cache(maxsize=1)
def _results_schema() -> dict:
    from mmn_ddx.schemas import quiz_results_schema

    return quiz_results_schema()


def _results_consistency_problems(data: dict) -> list[str]:
    """What a schema cannot say: the answers belong to the questions listed, each once."""
    questions = data["questions"]
    found = []
    if data["total"] != len(questions):
        found.append(f"field 'total' is {data['total']}, but 'questions' lists {len(questions)}.")
    listed = set(questions)
    seen: set = set()
    for i, record in enumerate(data["answers"]):
        qid = record["id"]
        if qid not in listed:
            found.append(f"field 'answers[{i}].id' is '{shorten(qid)}', a question the file does not list.")
        elif qid in seen:
            found.append(f"field 'answers[{i}].id': question '{shorten(qid)}' is answered twice.")
        seen.add(qid)
        # The report counts 'correct'; a grade that its own answer contradicts was changed by hand.
        accepted = record.get("accepted") or [record["right_answer"]]
        if record["correct"] != (record["answer"] is not None and record["answer"] in accepted):
            found.append(f"field 'answers[{i}].correct' is {str(record['correct']).lower()}, but the answer "
                         f"'{shorten(record['answer'])}' is {'' if record['correct'] else 'not '}among the right ones "
                         f"({', '.join(shorten(a) for a in accepted[:5])}).")
    return found
