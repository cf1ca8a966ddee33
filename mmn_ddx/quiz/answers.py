"""Answers: what a student typed matched to an option, and answers files (question id: answer)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.quiz.items import Item, Option, Paper
from mmn_ddx.quiz.loading import LETTERS, SKIP_WORDS, normalised
from mmn_ddx.quiz.results import RESULTS_SCHEMA
from mmn_ddx.safetext import shorten
from mmn_ddx.yamlio import LimitError, line_of, load_json_text, load_yaml_text, read_text

_LETTER = re.compile(r"^\(?([a-zA-Z])[).]?$")


def match_answer(item: Item, raw: Any) -> Option | None:
    """The option a student meant: a letter, an option number, or the answer's text; None if none fits."""
    options = item.options
    if isinstance(raw, bool):
        texts = ["true", "yes"] if raw else ["false", "no"]
    elif isinstance(raw, int):
        if 1 <= raw <= len(options):
            return options[raw - 1]
        texts = [str(raw)]
    else:
        text = str(raw).strip()
        letter = _LETTER.match(text)
        if letter and LETTERS.index(letter.group(1).lower()) < len(options):
            return options[LETTERS.index(letter.group(1).lower())]
        if text.isdigit() and 1 <= int(text) <= len(options):
            return options[int(text) - 1]
        texts = [text]
    for text in texts:
        wanted = normalised(text)
        if not wanted:
            continue
        for option in options:
            if wanted in _names(option):
                return option
        for value in sorted(item.accepted):  # a tie graded right though not offered (typed by name)
            unoffered = Option(value, item.labels.get(value, value))
            if wanted in _names(unoffered):
                return unoffered
    return None


def _names(option: Option) -> tuple[str, ...]:
    """What a student may type for an option: its value, its label, or the label's part before a ':'."""
    return normalised(option.value), normalised(option.label), normalised(option.label.split(":")[0])


def is_skip(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in SKIP_WORDS)


def answer_help(item: Item) -> str:
    """What a student may type for this item."""
    n = len(item.options)
    return (f"Answer with a letter (a–{LETTERS[n - 1]}), a number (1–{n}) or the option's text; "
            "'skip' leaves the question unanswered.")


def answer_problem(item: Item, raw: Any) -> str:
    shown = "; ".join(f"{LETTERS[i]}) {o.label}" for i, o in enumerate(item.options))
    hint = did_you_mean(str(raw), [o.label for o in item.options] + [o.value for o in item.options], list_few=False)
    return f"'{raw}' is not one of the options ({shown}). {hint + ' ' if hint else ''}{answer_help(item)}"


@dataclass
class AnswerSheet:
    """An answers file: question id to (the option chosen or None for a skip, what was written)."""

    answers: dict
    student: str | None = None
    path: str | None = None


@hint_budget
def load_answers(path: str, paper: Paper) -> AnswerSheet:
    """Read an answers file (YAML or JSON: question id -> answer); every problem is raised together.

    An answer is an option letter, an option number or the answer's text; `null`, 'skip' or '-'
    leaves the question unanswered. The file may also be `{student: NAME, answers: {...}}`.
    """
    text = read_text(path)
    try:
        data = load_yaml_text(text, path)
    except InputError as error:
        data = _json_fallback(text, path, error)
    if isinstance(data, Mapping) and data.get("schema") == RESULTS_SCHEMA:
        raise InputError(Problem(path, None, "is a results file, not an answers file.",
                                 "To carry on from it, give it as --results FILE with --resume; an answers file maps "
                                 "question ids to answers, e.g. 'q1: b'."))
    student = None
    if isinstance(data, Mapping) and isinstance(data.get("answers"), Mapping) and paper.item("answers") is None:
        # A wrapped file: a misspelt 'student' would otherwise make the whole file read as question ids.
        extra = [key for key in data if key not in ("student", "answers")]
        if extra:
            raise InputError([Problem(path, line_of(data, key), f"'{shorten(key)}' is not a key of an answers file "
                                      "that has 'answers:'; beside it only 'student:' may stand.",
                                      did_you_mean(str(key), ["student"], list_few=False) or "Remove it.")
                              for key in extra])
    if isinstance(data, Mapping) and "answers" in data and set(data) <= {"student", "answers"} and not isinstance(data["answers"], Mapping):
        raise InputError(Problem(path, line_of(data, "answers"), "'answers' must map each question id to an answer.",
                                 "E.g. 'answers: {q1: b, q2: conduction_block}'; 'mmn-ddx quiz key QUIZ' lists the ids."))
    if isinstance(data, Mapping) and set(data) <= {"student", "answers"} and isinstance(data.get("answers"), Mapping):
        student = data.get("student")
        if student is not None and not isinstance(student, str):
            raise InputError(Problem(path, line_of(data, "student"), "'student' must be a name (text)."))
        data = data["answers"]
    if not isinstance(data, Mapping):
        raise InputError(Problem(path, line_of(data) or 1, "an answers file is a mapping of question id: answer.",
                                 "E.g. 'q1: b' or 'q2: conduction_block'."))
    ids = [item.id for item in paper.items]
    problems: list[Problem] = []
    answers: dict[str, tuple[Option | None, str]] = {}
    for key, value in data.items():
        line = line_of(data, key)
        item = paper.item(str(key))
        if item is None:
            hint = did_you_mean(str(key), ids, list_few=False) or f"The quiz's questions: {', '.join(ids)}."
            problems.append(Problem(path, line, f"question '{key}' is not in this quiz.", hint))
            continue
        if isinstance(value, (Mapping, list)):
            problems.append(Problem(path, line, f"question '{key}': the answer must be one letter, number or text.", answer_help(item)))
            continue
        typed = "" if value is None else str(value)
        if is_skip(value):
            answers[item.id] = (None, typed)
            continue
        option = match_answer(item, value)
        if option is None:
            problems.append(Problem(path, line, f"question '{key}': {answer_problem(item, value)}"))
            continue
        answers[item.id] = (option, typed)
    if problems:
        raise InputError(problems)
    return AnswerSheet(answers, student, path)


def _json_fallback(text: str, path: str, yaml_error: InputError) -> Any:
    """JSON that YAML refuses (tabs, say): parse it as JSON, or report the YAML error."""
    if isinstance(yaml_error, LimitError):
        raise yaml_error  # refused for its size or shape, not its syntax: JSON would not do better
    try:
        return load_json_text(text, path)
    except InputError:
        raise yaml_error from None  # the original, more precise error


