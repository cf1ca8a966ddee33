"""Quizzes as plain data: quiz files, seeded papers graded by the engine, answers and results.

A quiz file (YAML) names the cases it uses and asks questions about them. Every question kind
except `choice` is **graded by the engine** when the quiz runs: the right answer is computed from
the assessment of the case up to the question's stage and is never stored in the quiz file, so a
quiz cannot drift from the rules; the feedback on a wrong answer is the engine's own explanation.

A *paper* is a quiz prepared for one seed: the questions in order, each with its options, its right
answer and its explanation. The same quiz file and seed give the same paper on any machine (the
order comes from `random.Random` seeded with a string, never from `hash()` or set order).

A *session* records a student's answers in a results file (JSON), written atomically after every
answer, so an interrupted quiz loses nothing and can be resumed.

Nothing here prints, prompts or draws: the command line does that (mmn_ddx/cli/quiz.py,
mmn_ddx/render/quiz.py).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

import mmn_ddx
from mmn_ddx import DISCLAIMER
from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.files import FileLock, remove_stale_temp_files, write_text_atomic
from mmn_ddx.model import Assessment, Case
from mmn_ddx.safetext import clean, shorten
from mmn_ddx.library import vocabulary  # deprecated shim, until this module takes a library
from mmn_ddx.vocabulary import show_value
from mmn_ddx.yamlio import LimitError, line_of, load_json_file, load_json_text, load_yaml_text, read_text

KINDS = ("leaning", "discriminator", "criteria", "next_investigation", "consider", "choice")
ENGINE_KINDS = KINDS[:-1]
QUIZ_FIELDS = ("version", "title", "description", "cases", "questions")
CASE_ENTRY_FIELDS = ("case", "stage")
QUESTION_FIELDS = ("id", "kind", "case", "stage", "criteria", "prompt", "options", "answer",
                   "explanation", "shuffle", "teaching_point")
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DEFAULT_OPTIONS = 4
MIN_OPTIONS, MAX_OPTIONS = 2, 8
MAX_CHOICE_OPTIONS = 26
MAX_QUESTIONS = 200  # as many as --generate makes
MAX_QUIZ_CASES = 50
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SKIP_WORDS = ("skip", "-")
TIE = 1e-9  # weights and swings closer than this are the same
CLEAR_MARGIN = 0.05  # a next-investigation distractor moves P(MMN) at least this much less than the best
RESULTS_SCHEMA = "mmn-ddx/quiz-results/1"
LEANING_LABELS = {"mmn": "MMN", "als": "ALS", "undecided": "undecided"}


# ============================================================================= the quiz file
@dataclass(frozen=True)
class CaseRef:
    """A case a quiz uses, and the last stage any question may disclose (None: all of them)."""

    case: Case
    limit: int | None  # 0-based stage index
    ref: str  # as written in the quiz file
    line: int | None


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    case: Case | None
    stage: int | None  # 0-based index of the last stage disclosed
    criteria: str | None = None
    prompt: str | None = None
    options: tuple[str, ...] = ()  # choice questions only
    option_count: int = DEFAULT_OPTIONS  # engine-graded questions with a pool of options
    answer: str | None = None  # choice questions only
    explanation: str = ""  # choice questions only
    shuffle: bool = True
    teaching_point: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Quiz:
    title: str
    description: str
    cases: tuple[CaseRef, ...]
    questions: tuple[Question, ...]
    path: str
    fingerprint: str  # of the file's text, line endings normalised


def fingerprint_of(text: str) -> str:
    """A short, stable digest of a quiz's text (CRLF and LF give the same fingerprint)."""
    digest = hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()
    return f"sha256:{digest[:16]}"


def quiz_id(quiz: Quiz) -> str:
    """A quiz's name, the same on every machine: a bundled quiz's name or the quiz file's name without its folder."""
    return Path(quiz.path).stem


def quizzes_dir() -> Path:
    from mmn_ddx.resources import cases_dir

    return cases_dir() / "quizzes"


def bundled_quizzes() -> dict[str, Path]:
    """The quizzes shipped in cases/quizzes/: name (the file's stem) to path."""
    folder = quizzes_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml")) if p.is_file()}


def find_quiz(name: str) -> Path:
    """A quiz named by path, or by the name of a bundled quiz ('introductory')."""
    path = Path(name)
    if path.exists() and not path.is_dir():  # a file; a FIFO or device is refused by the loader, unread
        return path
    bundled = bundled_quizzes()
    if name in bundled:
        return bundled[name]
    if path.is_dir():
        raise InputError(Problem(name, None, "is a folder; name one quiz file.", "E.g. cases/quizzes/introductory.yaml."))
    hint = did_you_mean(name, bundled, list_few=False) or (
        "The bundled quizzes: " + ", ".join(bundled) + "." if bundled else "Check the path.")
    raise InputError(Problem(name, None, "is neither a quiz file nor the name of a bundled quiz.", hint))


def load_quiz(path: Path | str, case_dirs: tuple = ()) -> Quiz:
    """Read and check a quiz file; every problem is raised together, each with its line.

    Its cases are bundled ids or files under the quiz file's folder or one of `case_dirs`.
    """
    text = read_text(path)
    return quiz_from_data(load_yaml_text(text, str(path)), str(path), fingerprint_of(text), Path(path).parent, case_dirs)


def quiz_from_text(text: str, path: str, base: Path | None = None, case_dirs: tuple = ()) -> Quiz:
    return quiz_from_data(load_yaml_text(text, path), path, fingerprint_of(text), base, case_dirs)


def _text(value: Any) -> str:
    # YAML 1.1 reads an unquoted yes / no (and on / off) as a boolean; an option or answer an
    # instructor wrote as "yes" must come back as "yes", not "True".
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return " ".join(str(value).split())


def _load_case_ref(ref: str, roots: tuple[Path, ...], path: str, line: int | None, problems: list[Problem]) -> Case | None:
    """The case a quiz names: a bundled id, or a file under the quiz's own folder or a --cases folder.

    A path that leads anywhere else (`../..`, an absolute path, a link out of the folder) is
    refused without being read, so a quiz file cannot make the tool read, or echo, another file.
    """
    from mmn_ddx.library import case_library as library, load_case  # deprecated shims

    looks_like_path = "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))
    if not looks_like_path:
        if ref in library():
            try:
                return load_case(library()[ref])
            except InputError as error:
                problems.extend(error.problems)
                return None
        hint = did_you_mean(ref, library(), list_few=False) or "Run 'mmn-ddx cases' to list the bundled cases, or give a path."
        problems.append(Problem(path, line, f"case '{shorten(ref)}' is not a bundled case.", hint))
        return None
    contained = [] if Path(ref).is_absolute() else [
        (root / ref) for root in roots if _inside((root / ref), root)]
    if not contained:
        where = " or ".join(f"'{root}'" for root in roots) if roots else "no folder (a generated quiz names bundled cases only)"
        problems.append(Problem(path, line, f"case file '{shorten(ref)}' is outside the folders a quiz may read cases from "
                                            f"({where}), so it was not read.",
                                "Copy the case beside the quiz (or into a folder below it), or name its folder with --cases DIR."))
        return None
    for candidate in contained:
        if candidate.exists():
            try:
                return load_case(candidate)
            except InputError as error:
                problems.extend(error.problems)
                return None
    problems.append(Problem(path, line, f"case file '{shorten(ref)}' does not exist.",
                            "A path is read relative to the quiz file's folder (or a --cases folder)."))
    return None


def _inside(candidate: Path, root: Path) -> bool:
    """Whether `candidate`, links followed, lies under `root` (nothing is opened)."""
    try:
        return candidate.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a looping link
        return False


def _relocated(error: InputError, path: str, line: int | None) -> list[Problem]:
    """Problems raised about a case (e.g. an unknown stage), placed at the quiz file's line."""
    return [Problem(path, line, p.message, p.hint) for p in error.problems]


@hint_budget
def quiz_from_data(data: Any, path: str, fingerprint: str, base: Path | None = None, case_dirs: tuple = ()) -> Quiz:
    """Check a parsed quiz file and build the Quiz; every problem is raised together."""
    from mmn_ddx.cases import CRITERIA_VALUES

    roots = tuple(Path(d) for d in ((base,) if base is not None else ()) + tuple(case_dirs))

    problems: list[Problem] = []

    def problem(line, message, hint=""):
        problems.append(Problem(path, line, message, hint))

    if not isinstance(data, Mapping):
        raise InputError(Problem(path, line_of(data) or 1, "a quiz file must be a mapping (title:, cases:, questions:).",
                                 "See 'Quizzes and classes' in the README, or 'mmn-ddx schema quiz'."))
    for key in data:
        if key not in QUIZ_FIELDS:
            problem(line_of(data, key), f"field '{key}' is not part of a quiz file.", did_you_mean(key, QUIZ_FIELDS))
    if data.get("version", 1) != 1:
        problem(line_of(data, "version"), f"quiz format version {data.get('version')!r} is not known.", "This mmn-ddx reads version 1.")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problem(line_of(data, "title") or 1, "a quiz needs a 'title' (one line of text).")
        title = Path(path).stem
    description = data.get("description") or ""
    if not isinstance(description, str):
        problem(line_of(data, "description"), "'description' must be text.")
        description = ""

    # ---------------------------------------------------------------- cases
    refs: dict[str, CaseRef] = {}  # by case id and by the reference as written
    ordered: list[CaseRef] = []
    unloadable: set[str] = set()
    raw_cases = data.get("cases")
    for key, items, most in (("cases", raw_cases, MAX_QUIZ_CASES), ("questions", data.get("questions"), MAX_QUESTIONS)):
        if isinstance(items, list) and len(items) > most:  # each case is read and each question graded by the engine
            raise InputError(Problem(path, line_of(data, key), f"a quiz has at most {most} {key}; this one has {len(items):,}.",
                                     "Split it into several quizzes."))
    if not isinstance(raw_cases, list) or not raw_cases:
        problem(line_of(data, "cases") or 1, "a quiz needs 'cases': a list of the cases it uses.",
                "E.g. 'cases: [electrician-finger-drop, {case: carpenter-cannot-pinch, stage: examination}]'.")
        raw_cases = []
    for i, entry in enumerate(raw_cases):
        line = line_of(raw_cases, i)
        stage = None
        if isinstance(entry, str):
            ref = entry
        elif isinstance(entry, Mapping):
            for key in entry:
                if key not in CASE_ENTRY_FIELDS:
                    problem(line_of(entry, key), f"field '{key}' is not part of a case entry.", did_you_mean(key, CASE_ENTRY_FIELDS))
            ref = entry.get("case")
            stage = entry.get("stage")
            if not isinstance(ref, str):
                problem(line, f"case entry {i + 1} needs 'case:' with a bundled case id or a path.")
                continue
        else:
            problem(line, f"case entry {i + 1} must be a case id, a path, or 'case:' with an optional 'stage:'.")
            continue
        case = _load_case_ref(ref, roots, path, line, problems)
        if case is None:
            unloadable.add(ref)  # already reported; its questions need not say so again
            continue
        limit = None
        if stage is not None:
            try:
                limit = case.stage_index(stage)
            except InputError as error:
                problems.extend(_relocated(error, path, line_of(entry, "stage") or line))
        if case.id in refs:
            problem(line, f"case '{case.id}' is listed twice (first on line {refs[case.id].line}).", "List each case once.")
            continue
        ref_obj = CaseRef(case, limit, ref, line)
        ordered.append(ref_obj)
        refs[case.id] = ref_obj
        refs.setdefault(ref, ref_obj)

    # ---------------------------------------------------------------- questions
    questions: list[Question] = []
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problem(line_of(data, "questions") or 1, "a quiz needs 'questions': a list of at least one question.")
        raw_questions = []
    seen_ids: dict[str, int | None] = {}
    for i, raw in enumerate(raw_questions):
        line = line_of(raw_questions, i)
        if not isinstance(raw, Mapping):
            problem(line, f"question {i + 1} must be a mapping (id:, kind:, case: ...).")
            continue
        for key in raw:
            if key not in QUESTION_FIELDS:
                problem(line_of(raw, key), f"field '{key}' is not part of a question.", did_you_mean(key, QUESTION_FIELDS))
        raw_id = raw.get("id", f"q{i + 1}")
        qid = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
        if not QUESTION_ID.match(qid):
            problem(line_of(raw, "id") or line, f"question id {raw_id!r} must be a short word (letters, digits, '-', '_', '.').", "E.g. 'q1' or 'finger-drop-leaning'.")
            qid = f"q{i + 1}"
        if qid in seen_ids:
            problem(line_of(raw, "id") or line, f"question id '{qid}' is used twice (first on line {seen_ids[qid]}).", "Give each question its own id.")
        seen_ids.setdefault(qid, line_of(raw, "id") or line)
        name = f"question '{qid}'"
        before = len(problems)

        kind = raw.get("kind")
        if kind is None:
            problem(line, f"{name} needs a 'kind'.", "One of: " + ", ".join(KINDS) + ".")
            continue
        if kind not in KINDS:
            problem(line_of(raw, "kind"), f"{name}: kind '{kind}' is unknown.", did_you_mean(kind, KINDS))
            continue
        engine = kind in ENGINE_KINDS

        # the case and the stage
        case_ref = None
        case_name = raw.get("case")
        if case_name is None:
            if engine:
                problem(line, f"{name} needs 'case:', one of the quiz's cases: the engine grades it on that case.")
        elif isinstance(case_name, str) and case_name in unloadable:
            pass
        elif not isinstance(case_name, str) or case_name not in refs:
            listed = sorted(r.case.id for r in ordered)
            problem(line_of(raw, "case"), f"{name} names case '{case_name}', which is not listed under 'cases'.",
                    did_you_mean(case_name, listed, list_few=False) or "Add it to the quiz's 'cases' list.")
        else:
            case_ref = refs[case_name]
        stage_index = None
        if case_ref is not None:
            case = case_ref.case
            stage_index = case_ref.limit if case_ref.limit is not None else len(case.stages) - 1
            if raw.get("stage") is not None:
                try:
                    stage_index = case.stage_index(raw["stage"])
                except InputError as error:
                    problems.extend(_relocated(error, path, line_of(raw, "stage")))
                if case_ref.limit is not None and stage_index > case_ref.limit:
                    problem(line_of(raw, "stage"),
                            f"{name} asks at stage '{case.stages[stage_index].name}', beyond stage "
                            f"'{case.stages[case_ref.limit].name}', the limit set for case '{case.id}' under 'cases'.",
                            "Ask at an earlier stage, or raise the limit.")
        elif raw.get("stage") is not None:
            problem(line_of(raw, "stage"), f"{name} gives a stage but no case.", "Add 'case:' or remove 'stage:'.")

        # the criterion set
        criteria = raw.get("criteria")
        if kind == "criteria":
            if criteria is None:
                problem(line, f"{name} needs 'criteria:', the criterion set asked about.", "One of: " + ", ".join(CRITERIA_VALUES) + ".")
            elif not isinstance(criteria, str) or criteria not in CRITERIA_VALUES:
                problem(line_of(raw, "criteria"), f"{name}: criterion set '{shorten(criteria)}' is unknown.",
                        did_you_mean(shorten(criteria), CRITERIA_VALUES))
        elif criteria is not None:
            problem(line_of(raw, "criteria"), f"{name}: 'criteria' belongs only to questions of kind 'criteria'.", "Remove it.")

        prompt = raw.get("prompt")
        if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
            problem(line_of(raw, "prompt"), f"{name}: 'prompt' must be text.")
            prompt = None
        teaching_point = raw.get("teaching_point")
        if teaching_point is not None and not isinstance(teaching_point, str):
            problem(line_of(raw, "teaching_point"), f"{name}: 'teaching_point' must be text.")
            teaching_point = None
        shuffle = raw.get("shuffle", True)
        if not isinstance(shuffle, bool):
            problem(line_of(raw, "shuffle"), f"{name}: 'shuffle' must be true or false.")
            shuffle = True

        options: tuple[str, ...] = ()
        option_count = DEFAULT_OPTIONS
        answer = None
        explanation = ""
        raw_options = raw.get("options")
        if engine:
            if "answer" in raw:
                problem(line_of(raw, "answer"),
                        f"{name}: the engine grades '{kind}' questions, so the quiz file does not give the answer.",
                        "Remove 'answer': the right answer is computed from the rules when the quiz runs, so it cannot drift from them.")
            if "explanation" in raw:
                problem(line_of(raw, "explanation"),
                        f"{name}: the engine explains '{kind}' questions itself.", "Remove 'explanation'; put a note of your own in 'teaching_point'.")
            if raw_options is not None:
                if kind in ("leaning", "criteria"):
                    fixed = "mmn, als and undecided" if kind == "leaning" else "the categories of the criterion set"
                    problem(line_of(raw, "options"), f"{name}: the options of a '{kind}' question are always {fixed}.", "Remove 'options'.")
                elif isinstance(raw_options, bool) or not isinstance(raw_options, int) or not MIN_OPTIONS <= raw_options <= MAX_OPTIONS:
                    problem(line_of(raw, "options"),
                            f"{name}: for a '{kind}' question 'options' is how many to offer, a whole number from {MIN_OPTIONS} to {MAX_OPTIONS}.",
                            "The engine chooses the options; only 'choice' questions list them.")
                else:
                    option_count = raw_options
        else:  # choice
            if prompt is None:
                problem(line, f"{name} needs a 'prompt': the question the student reads.")
            if not isinstance(raw_options, list) or len(raw_options) < MIN_OPTIONS:
                problem(line_of(raw, "options") or line, f"{name} needs 'options': a list of at least {MIN_OPTIONS} answers to choose from.")
            else:
                texts = []
                for j, option in enumerate(raw_options):
                    if isinstance(option, (Mapping, list)) or option is None:
                        problem(line_of(raw_options, j), f"{name}: option {j + 1} must be plain text.",
                                "Put it in quotes: YAML reads 'words: more words' as a key and a value.")
                        continue
                    text = _text(option)
                    if len(text) == 1 or text.isdigit():
                        problem(line_of(raw_options, j), f"{name}: option '{text}' would be taken for an option letter or number.",
                                "Write it in words, e.g. 'two nerves'.")
                    if _norm(text) in {_norm(t) for t in texts}:
                        problem(line_of(raw_options, j), f"{name}: option '{text}' is listed twice.")
                    texts.append(text)
                if len(texts) > MAX_CHOICE_OPTIONS:
                    problem(line_of(raw, "options"), f"{name} has {len(texts)} options; at most {MAX_CHOICE_OPTIONS} can be lettered.")
                options = tuple(texts)
                raw_answer = raw.get("answer")
                if raw_answer is None:
                    problem(line, f"{name} needs 'answer': the right option's text (or its letter).")
                else:
                    text = _text(raw_answer)
                    matched = [t for t in options if _norm(t) == _norm(text)]
                    if not matched and len(text) == 1 and text.lower() in LETTERS[: len(options)]:
                        matched = [options[LETTERS.index(text.lower())]]
                    if matched:
                        answer = matched[0]
                    else:
                        problem(line_of(raw, "answer"), f"{name}: the answer '{text}' is not one of its options.",
                                did_you_mean(text, options) or "Copy the right option's text, or give its letter.")
            explanation = raw.get("explanation")
            if not isinstance(explanation, str) or not explanation.strip():
                problem(line_of(raw, "explanation") or line, f"{name} needs an 'explanation', shown when the answer is wrong.")
                explanation = ""
        if len(problems) > before:
            continue
        questions.append(Question(
            id=qid, kind=kind, case=case_ref.case if case_ref else None, stage=stage_index, criteria=criteria,
            prompt=_text(prompt) if prompt else None, options=options, option_count=option_count, answer=answer,
            explanation=_text(explanation), shuffle=shuffle,
            teaching_point=_text(teaching_point) if teaching_point else None, line=line,
        ))
    if problems:
        raise InputError(problems)
    return Quiz(title=_text(title), description=_text(description), cases=tuple(ordered),
                questions=tuple(questions), path=path, fingerprint=fingerprint)


# ============================================================================= the paper
@dataclass(frozen=True)
class Option:
    value: str  # the canonical answer: a leaning, a finding id, a category, a condition, a choice's text
    label: str  # what the student reads


@dataclass(frozen=True)
class Item:
    """One question as asked on a paper: options in order, the right answer and why."""

    question: Question
    number: int  # 1-based position on the paper
    prompt: str
    options: tuple[Option, ...]
    right: Option
    accepted: frozenset  # every value graded right (ties, several conditions named)
    explanation: str  # the engine's explanation of the right answer (or the instructor's, for choice)
    rule: str | None  # the rule (or criterion set) behind the right answer
    teaching_point: str | None
    wrong_notes: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)  # value -> (why wrong, rule)
    labels: Mapping[str, str] = field(default_factory=dict)  # accepted values not offered -> how to show them
    stage_name: str | None = None

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def case(self) -> Case | None:
        return self.question.case

    def letter(self, option: Option) -> str:
        return LETTERS[self.options.index(option)] if option in self.options else ""


@dataclass(frozen=True)
class Paper:
    quiz: Quiz
    seed: int | None
    items: tuple[Item, ...]

    @property
    def fingerprint(self) -> str:
        """Of the quiz file and the seed together: results belong to exactly one paper."""
        return fingerprint_of(f"{self.quiz.fingerprint}|seed={self.seed}")

    def item(self, question_id: str) -> Item | None:
        for item in self.items:
            if item.id == question_id:
                return item
        return None


class _Context:
    """What the item builders share: one engine, the vocabulary, assessments made once."""

    def __init__(self, engine: str):
        from mmn_ddx.library import assessor  # deprecated shim

        self.assessor = assessor(engine)
        self.book = self.assessor.book
        self.vocab = self.book.vocabulary
        self._assessments: dict[tuple[str, int], Assessment] = {}

    def assess(self, case: Case, stage: int) -> Assessment:
        key = (case.id, stage)
        if key not in self._assessments:
            self._assessments[key] = self.assessor.assess_case(case, stage + 1)
        return self._assessments[key]

    def finding_label(self, finding: str, value: Any = None) -> str:
        label = self.vocab.label(finding)
        if value is None:
            return label
        return f"{label}: {self.vocab.show(finding, value)}"

    def criterion_set(self, set_id: str):
        for criterion_set in self.book.criteria:
            if criterion_set.id == set_id:
                return criterion_set
        return None


def condition_label(condition: str) -> str:
    return vocabulary().diagnosis_label(condition)


def _first_sentence(text: str) -> str:
    match = re.match(r"^(.+?[.!?])(\s|$)", text.strip())
    return match.group(1) if match else text.strip()


def _option_rng(seed: int | None, question_id: str) -> random.Random:
    # A string seed is hashed with SHA-512 by random.seed: the same on every machine and Python.
    return random.Random(f"mmn-ddx/options/{'none' if seed is None else seed}/{question_id}")


def _arrange(right: Option, distractors: list[Option], question: Question, rng: random.Random) -> tuple[Option, ...]:
    options = [right] + distractors
    if question.shuffle:
        rng.shuffle(options)
    return tuple(options)


def _pick(pool: list, count: int, rng: random.Random) -> list:
    """`count` items of a pool sorted beforehand (never set order), chosen by the seeded rng."""
    return rng.sample(pool, min(count, len(pool)))


def _unanswerable(question: Question, quiz: Quiz, message: str, hint: str) -> InputError:
    return InputError(Problem(quiz.path, question.line, f"question '{question.id}': {message}", hint))


def _stage_phrase(question: Question) -> str:
    return f"the {question.case.stages[question.stage].name} stage"


# Leaning questions are not graded on the knife-edge of the tool's own thresholds (0.90 and 0.10):
# within this margin of a threshold both the side and "undecided" are right (README, "Quizzes").
LEANING_MARGIN = 0.05


def _leaning_item(q: Question, a: Assessment, rng, ctx: _Context, quiz: Quiz) -> dict:
    from mmn_ddx.assessment import LEAN_ALS_AT, LEAN_MMN_AT

    options = {value: Option(value, label) for value, label in LEANING_LABELS.items()}
    right = options[a.leaning]
    if a.leaning == "mmn":
        text = f"The engine leans MMN: P(MMN) = {a.p_mmn:.2f}, at or above {LEAN_MMN_AT:.2f}."
    elif a.leaning == "als":
        text = f"The engine leans ALS: P(MMN) = {a.p_mmn:.2f}, at or below {LEAN_ALS_AT:.2f}."
    else:
        text = (f"The engine is undecided: P(MMN) = {a.p_mmn:.2f}"
                + (f", between {LEAN_ALS_AT:.2f} and {LEAN_MMN_AT:.2f}." if LEAN_ALS_AT < a.p_mmn < LEAN_MMN_AT else "."))
    rule = None
    if a.evidence:
        top = a.evidence[0].rule
        rule = top
        text += (f" The heaviest evidence: {top.title} (likelihood ratio {top.likelihood_ratio:.1f} toward "
                 f"{top.toward.upper()}). {top.explanation}")
    for warning in a.warnings:
        text += f" {warning}"
    accepted = {right.value}
    settled = any(c.strength == "settles" for c in a.consider)
    for side, threshold in (("mmn", LEAN_MMN_AT), ("als", LEAN_ALS_AT)):
        if not settled and abs(a.p_mmn - threshold) < LEANING_MARGIN:
            accepted |= {side, "undecided"}
            text += (f" P(MMN) is within {LEANING_MARGIN:.2f} of the tool's {threshold:.2f} mark, so "
                     f"'{LEANING_LABELS[side]}' and '{LEANING_LABELS['undecided']}' are both graded right: "
                     "the mark is a convention of this tool, not a fact to learn.")
    distractors = [options[v] for v in LEANING_LABELS if v != a.leaning]
    return dict(
        prompt=q.prompt or f"Through {_stage_phrase(q)}, where does the weighing lean: MMN, ALS, or undecided?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(accepted),
        explanation=text, rule=rule.id if rule else None,
        teaching_point=rule.teaching_point if rule else (q.case.teaching_points[0] if q.case.teaching_points else None),
    )


def _finding_role(a: Assessment, finding: str, ctx: _Context) -> tuple[str, str | None]:
    """What the engine made of one disclosed finding: counted, folded, shared, or not weighed."""
    label = ctx.finding_label(finding, a.findings.get(finding))
    for e in a.evidence:
        if finding in e.findings:
            return (f"{label} counts through '{e.rule.title}' (likelihood ratio {e.rule.likelihood_ratio:.1f} "
                    f"toward {e.rule.toward.upper()}), which weighs less.", e.rule.id)
        for folded in e.folded:
            if finding in folded.findings:
                return (f"{label} fired '{folded.rule.title}', folded into '{e.rule.title}' "
                        "(same evidence family, one fact counted once).", folded.rule.id)
    for e in a.shared:
        if finding in e.findings:
            return f"{label} is a shared feature: {e.rule.explanation}", e.rule.id
    return f"No rule weighs {label} at this stage.", None


def _discriminator_item(q: Question, a: Assessment, rng, ctx: _Context, quiz: Quiz) -> dict:
    if not a.evidence:
        raise _unanswerable(q, quiz, f"through stage '{q.case.stages[q.stage].name}' no finding of case '{q.case.id}' counts as evidence, "
                            "so there is no most discriminating finding.", "Ask at a later stage.")
    top_weight = max(e.rule.weight for e in a.evidence)
    top = [e for e in a.evidence if abs(e.rule.weight - top_weight) < TIE]
    ties = top + [f for e in a.evidence for f in e.folded if abs(f.rule.weight - top_weight) < TIE]
    accepted = [next(iter(e.findings)) for e in ties if e.findings]
    excluded = {finding for e in ties for finding in e.findings}
    best = top[0]
    right_finding = next(iter(best.findings))
    # Findings some rule weighed (less heavily, folded, or as a shared feature) make the better
    # distractors; one place is kept for a finding no rule weighs, when there is one.
    weighed = {f for e in a.evidence + a.shared for f in e.findings} | {f for e in a.evidence for x in e.folded for f in x.findings}
    tempting = sorted(f for f in a.findings if f not in excluded and f in weighed)
    plain = sorted(f for f in a.findings if f not in excluded and f not in weighed)
    if not tempting and not plain:
        raise _unanswerable(q, quiz, "the case discloses no other finding to offer as an option.", "Ask at a later stage.")
    wanted = q.option_count - 1
    chosen = _pick(tempting, wanted - 1 if plain else wanted, rng)
    chosen += _pick(plain, wanted - len(chosen), rng)
    right = Option(right_finding, ctx.finding_label(right_finding, a.findings[right_finding]))
    distractors = [Option(f, ctx.finding_label(f, a.findings[f])) for f in chosen]
    rule = best.rule
    text = (f"{ctx.finding_label(right_finding, a.findings[right_finding])} carries the most weight: {rule.title}, "
            f"likelihood ratio {rule.likelihood_ratio:.1f}{' (capped)' if rule.capped else ''} toward {rule.toward.upper()}. "
            f"{rule.explanation}")
    others = sorted({ctx.vocab.label(f) for f in accepted if f != right_finding})
    if others:
        text += f" Equally heavy, and also graded right: {', '.join(others)}."
    notes = {option.value: _finding_role(a, option.value, ctx) for option in distractors}
    return dict(
        prompt=q.prompt or f"Of the findings disclosed through {_stage_phrase(q)}, which one discriminates most between MMN and ALS?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(accepted),
        explanation=text, rule=rule.id, teaching_point=rule.teaching_point, wrong_notes=notes,
        labels={f: ctx.finding_label(f, a.findings[f]) for f in accepted},
    )


def _criteria_item(q: Question, a: Assessment, rng, ctx: _Context, quiz: Quiz) -> dict:
    from mmn_ddx.cases import CRITERIA_VALUES

    set_id = q.criteria
    detail = a.criteria_detail[set_id]
    value = a.criteria[set_id]
    options = {v: Option(v, v.replace("_", " ")) for v in CRITERIA_VALUES[set_id]}
    right = options[value]
    met = [e["title"] for e in detail["elements"] if e["status"] == "met"]
    failed = [e["title"] for e in detail["elements"] if e["status"] == "failed"]
    unknown = [e["title"] for e in detail["elements"] if e["status"] == "unknown" and e["part"] != "region"]
    text = f"{detail['title']}: {value.replace('_', ' ')}."
    if met:
        text += " Met: " + "; ".join(met) + "."
    if failed:
        text += " Not met: " + "; ".join(failed) + "."
    if unknown:
        text += " Unknown: " + "; ".join(unknown) + "."
    if detail["undecided_categories"]:
        missing = ", ".join(ctx.vocab.label(f) for f in detail["missing_findings"][:6])
        text += f" Undecided between: {', '.join(c.replace('_', ' ') for c in detail['undecided_categories'])}"
        text += f"; missing: {missing}." if missing else "."
    raise_with = detail.get("would_raise")
    if raise_with:
        text += (f" It would rise to {raise_with['category'].replace('_', ' ')} if "
                 f"{ctx.vocab.label(raise_with['finding'])} were {show_value(raise_with['value'])}.")
    teaching = q.teaching_point
    if teaching is None:
        criterion_set = ctx.criterion_set(set_id)
        deciding = [e for e in detail["elements"] if e["status"] == "failed" and e["part"] != "region"] or \
                   [e for e in detail["elements"] if e["status"] == "met"]
        if criterion_set is not None and deciding:
            element = next((e for e in criterion_set.elements if e.id == deciding[0]["id"]), None)
            if element is not None:
                teaching = _first_sentence(element.explanation)
    title = detail["title"]
    distractors = [o for v, o in options.items() if v != value]
    return dict(
        prompt=q.prompt or f"Through {_stage_phrase(q)}, which category of the {title} does the case reach?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset({value}),
        explanation=text, rule=set_id, teaching_point=teaching,
    )


def _strongest_rule_if(ctx: _Context, a: Assessment, finding: str, value: Any):
    """The heaviest counting rule that `finding = value` would fire (None if it fires none)."""
    from mmn_ddx.conditions import evaluate, findings_of

    hypothetical = {**a.findings, finding: value}
    fired = [r for r in ctx.book.weigh
             if r.toward != "neither" and finding in findings_of(r.when) and evaluate(r.when, hypothetical) is True]
    return max(fired, key=lambda r: (r.weight, r.id), default=None)


def _swings(ctx: _Context, a: Assessment) -> dict[str, tuple[float, Any]]:
    """For each still-unknown finding some rule weighs: what its answer is worth once it is
    known (the measure that ranks the next best findings), and the answer that would move it most."""
    fired = a.fired_rules()
    swings: dict[str, tuple[float, Any]] = {}
    for finding in ctx.assessor.candidates():
        if finding in a.findings:
            continue
        expected, outcomes = ctx.assessor.informativeness(a.findings, fired, finding, a.prior, a.p_mmn)
        value = max(enumerate(outcomes), key=lambda o: (abs(o[1][1] - a.p_mmn), -o[0]))[1][0]
        swings[finding] = (expected, value)
    return swings


def _next_investigation_item(q: Question, a: Assessment, rng, ctx: _Context, quiz: Quiz) -> dict:
    from mmn_ddx.assessment import WORTH_MEANS

    if not a.next_best:
        raise _unanswerable(q, quiz, f"through stage '{q.case.stages[q.stage].name}' no unknown finding of case '{q.case.id}' "
                            "is worth asking for (its expected change in the log-odds is below the threshold), so there is no best next finding.", "Ask at an earlier stage.")
    best = a.next_best[0]
    swings = _swings(ctx, a)
    accepted = sorted(f for f, (s, _) in swings.items() if s >= best.swing - TIE)
    clear = sorted(f for f, (s, _) in swings.items() if f not in accepted and s <= best.swing - CLEAR_MARGIN)
    close = sorted(f for f, (s, _) in swings.items() if f not in accepted and f not in clear)
    chosen = _pick(clear, q.option_count - 1, rng)
    if len(chosen) < q.option_count - 1:
        chosen += _pick(close, q.option_count - 1 - len(chosen), rng)
    if not chosen:
        raise _unanswerable(q, quiz, "every unknown finding would tell as much as the best one, so there is nothing to choose between.",
                            "Ask at another stage.")
    right = Option(best.finding, ctx.vocab.label(best.finding))
    distractors = [Option(f, ctx.vocab.label(f)) for f in chosen]
    rule = _strongest_rule_if(ctx, a, best.finding, swings[best.finding][1])
    text = f"{best.why} No other unknown finding is expected to move it as far."
    others = [ctx.vocab.label(f) for f in accepted if f != best.finding]
    if others:
        text += f" Equally informative, and also graded right: {', '.join(others)}."
    if rule is not None:
        text += f" The rule that answer would fire: {rule.title} (likelihood ratio {rule.likelihood_ratio:.1f} toward {rule.toward.upper()})."
    notes = {}
    for option in distractors:
        swing, value = swings[option.value]
        other_rule = _strongest_rule_if(ctx, a, option.value, value)
        notes[option.value] = (f"{option.label}: its answer is worth {swing:.2f} ({WORTH_MEANS}), "
                               f"against {best.swing:.2f} for {right.label}.", other_rule.id if other_rule else None)
    return dict(
        prompt=q.prompt or f"After {_stage_phrase(q)}, which still-unknown finding would tell the most ({WORTH_MEANS})?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(accepted),
        explanation=text, rule=rule.id if rule else None,
        teaching_point=rule.teaching_point if rule else None, wrong_notes=notes,
        labels={f: ctx.vocab.label(f) for f in accepted},
    )


def _consider_item(q: Question, a: Assessment, rng, ctx: _Context, quiz: Quiz) -> dict:

    if not a.consider:
        raise _unanswerable(q, quiz, f"through stage '{q.case.stages[q.stage].name}' case '{q.case.id}' raises no red flag, "
                            "so there is no condition to consider.", "Ask at a later stage, or about another case.")
    named = [c.condition for c in a.consider]
    # The case's own diagnosis, when the engine names it, is the answer shown; any named condition is graded right.
    first = next((c for c in a.consider if c.condition == q.case.diagnosis), a.consider[0])
    named = [first.condition] + [c for c in named if c != first.condition]
    because = ", ".join(ctx.vocab.label(f) for f in first.because)
    text = f"The engine names {condition_label(first.condition)} because of {because}: {first.rules[0].why}"
    if len(named) > 1:
        text += " It also names " + ", ".join(condition_label(c) for c in named[1:]) + ", also graded right."
    right = Option(first.condition, condition_label(first.condition))
    pool = sorted(c for c in vocabulary().conditions if c not in named)
    distractors = [Option(c, condition_label(c)) for c in _pick(pool, q.option_count - 1, rng)]
    notes = {o.value: (f"The engine raises no red flag for {o.label} at this stage.", None) for o in distractors}
    return dict(
        prompt=q.prompt or f"Through {_stage_phrase(q)}, which other condition, besides MMN and ALS, does the case make you consider?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(named),
        explanation=text, rule=first.rules[0].id, teaching_point=_first_sentence(first.rules[0].why), wrong_notes=notes,
        labels={c: condition_label(c) for c in named},
    )


def _choice_item(q: Question, a: Assessment | None, rng, ctx: _Context, quiz: Quiz) -> dict:
    options = [Option(text, text) for text in q.options]
    right = next(o for o in options if o.value == q.answer)
    arranged = tuple(options)
    if q.shuffle:
        arranged = tuple(rng.sample(options, len(options)))
    return dict(prompt=q.prompt, options=arranged, right=right, accepted=frozenset({right.value}),
                explanation=q.explanation, rule=None, teaching_point=q.teaching_point or _first_sentence(q.explanation))


BUILDERS: dict[str, Callable[..., dict]] = {
    "leaning": _leaning_item,
    "discriminator": _discriminator_item,
    "criteria": _criteria_item,
    "next_investigation": _next_investigation_item,
    "consider": _consider_item,
    "choice": _choice_item,
}


def question_order(quiz: Quiz, seed: int | None) -> list[Question]:
    """The file's order without a seed; a seeded shuffle with one."""
    questions = list(quiz.questions)
    if seed is not None:
        random.Random(f"mmn-ddx/order/{seed}").shuffle(questions)
    return questions


def prepare(quiz: Quiz, seed: int | None = None, engine: str = "durable") -> Paper:
    """The quiz as asked with `seed`: each question graded by the engine in advance.

    A question the engine cannot grade (no counted evidence for a discriminator question, say)
    is reported with its line; every such problem is raised together.
    """
    ctx = _Context(engine)
    problems: list[Problem] = []
    items: list[Item] = []
    for number, q in enumerate(question_order(quiz, seed), 1):
        a = ctx.assess(q.case, q.stage) if q.case is not None else None
        try:
            parts = BUILDERS[q.kind](q, a, _option_rng(seed, q.id), ctx, quiz)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if q.teaching_point:
            parts["teaching_point"] = q.teaching_point
        items.append(Item(question=q, number=number,
                          stage_name=q.case.stages[q.stage].name if q.case is not None else None, **parts))
    if problems:
        raise InputError(problems)
    return Paper(quiz, seed, tuple(items))


def check_quiz_file(path: Path | str, case_dirs: tuple = (), data: Any = None) -> list[Problem]:
    """Every problem of a quiz file, the engine's included (for `validate`; `data` if already parsed)."""
    try:
        if data is None:
            quiz = load_quiz(path, case_dirs)
        else:
            quiz = quiz_from_data(data, str(path), fingerprint_of(read_text(path)), Path(path).parent, case_dirs)
        prepare(quiz)
    except InputError as error:
        return error.problems
    return []


# ============================================================================= answers
_SAME_WORD = {"true": "yes", "false": "no"}


def _norm(text: Any) -> str:
    words = " ".join(_text(text).lower().replace("_", " ").replace("-", " ").split())
    return _SAME_WORD.get(words, words)


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
        wanted = _norm(text)
        if not wanted:
            continue
        for option in options:
            if wanted in (_norm(option.value), _norm(option.label), _norm(option.label.split(":")[0])):
                return option
        for value in sorted(item.accepted):  # a tie graded right though not offered (typed by name)
            label = item.labels.get(value, value)
            if wanted in (_norm(value), _norm(label), _norm(label.split(":")[0])):
                return Option(value, label)
    return None


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
    student = None
    if isinstance(data, Mapping) and "answers" in data and set(data) <= {"student", "answers"} and not isinstance(data["answers"], Mapping):
        raise InputError(Problem(path, line_of(data, "answers"), "'answers' must map each question id to an answer.",
                                 "E.g. 'answers: {q1: b, q2: conduction_block}'; 'mmn-ddx quiz QUIZ --key' lists the ids."))
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


# ============================================================================= grading and results
@dataclass(frozen=True)
class Graded:
    item: Item
    option: Option | None  # None: skipped
    correct: bool
    feedback: str
    explained_by: str | None  # the rule that explains the answer given (the right one's, when right)


def grade(item: Item, option: Option | None) -> Graded:
    if option is None:
        return Graded(item, None, False, f"Skipped. The answer: {item.right.label}. {item.explanation}", item.rule)
    if option.value in item.accepted:
        return Graded(item, option, True, item.explanation, item.rule)
    note, rule = item.wrong_notes.get(option.value, ("", None))
    feedback = f"{note} {item.explanation}".strip()
    return Graded(item, option, False, feedback, rule or item.rule)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_json_atomic(path: Path | str, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def score_of(records: list[dict], total: int) -> dict:
    correct = sum(1 for r in records if r.get("correct") is True)
    return {"correct": correct, "answered": sum(1 for r in records if r.get("answer") is not None),
            "total": total, "percent": round(100 * correct / total, 1) if total else 0.0}


UNTOUCHED = "The file was left untouched."
MAX_STUDENT_CHARS = 200


def _check_student(name: str) -> str:
    """A student's name as kept in results: at most 200 characters, control characters shown as escapes."""
    if len(name) > MAX_STUDENT_CHARS:
        raise InputError(Problem(None, None, f"the student name ({shorten(name, 40)}) is longer than the "
                                             f"{MAX_STUDENT_CHARS} characters allowed.", "Give the name as the class list has it."))
    return clean(name)


def _refuse(path: str, message: str, hint: str = "") -> InputError:
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
                                 "Name a file written by 'mmn-ddx quiz --results'."))
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
    return found


class Session:
    """A student's run through a paper, saved to the results file after every answer."""

    def __init__(self, paper: Paper, data: dict, path: Path | None, lock: FileLock | None = None):
        self.paper = paper
        self.data = data
        self.path = path
        self.lock = lock

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, paper: Paper, *, student: str | None = None, results: str | None = None,
             resume: bool = False, feedback: str = "immediate", source: str | None = None) -> "Session":
        """Start a new results file, or carry on from one with `resume`.

        A results file that already exists is never overwritten: without `resume` it is refused;
        with it, it must be this quiz's and this seed's, and is then continued. The file is locked
        for the whole run (a second run on it is refused, naming the first) until `close()`.
        """
        if student is not None:
            student = _check_student(student)
        path = Path(results) if results else None
        if path is None:
            return cls(paper, cls._new_data(paper, student, feedback, source), None)
        if path.is_dir():
            raise InputError(Problem(str(path), None, "is a folder; --results names a file.", "E.g. --results results/ada.json."))
        lock = FileLock(path).acquire()
        try:
            remove_stale_temp_files(path)
            session = cls._open_locked(paper, path, lock, student, resume, feedback, source)
        except BaseException:
            lock.release()
            raise
        return session

    @classmethod
    def _open_locked(cls, paper: Paper, path: Path, lock: FileLock, student: str | None, resume: bool,
                     feedback: str, source: str | None) -> "Session":
        if path.exists():
            if not resume:
                try:
                    existing = read_results(path)
                except InputError:
                    raise _refuse(str(path), "already exists and is not a results file of mmn-ddx.",
                                  "Choose another --results file.") from None
                raise _refuse(str(path), f"already holds results ({len(existing['answers'])} of "
                                         f"{len(existing['questions'])} answered).",
                              "Add --resume to carry on from them, or choose another --results file.")
            try:
                data = read_results(path)
            except InputError as error:
                raise with_hint(error, UNTOUCHED) from None
            cls._check_belongs(data, paper, str(path), student)
            if data.get("student") is None and student is not None:
                data["student"] = student
            return cls(paper, data, path, lock)
        session = cls(paper, cls._new_data(paper, student, feedback, source), path, lock)
        session.save()
        return session

    @staticmethod
    def _new_data(paper: Paper, student: str | None, feedback: str, source: str | None) -> dict:
        return {
            "schema": RESULTS_SCHEMA,
            # The quiz by name and hash: never its path, which means nothing on the teacher's
            # machine and would tell the student's home folder (older files have 'source').
            "quiz": {"title": paper.quiz.title, "id": source or quiz_id(paper.quiz), "fingerprint": paper.quiz.fingerprint},
            "seed": paper.seed,
            "fingerprint": paper.fingerprint,
            "student": student,
            "feedback": feedback,
            "tool_version": mmn_ddx.__version__,  # from importlib.metadata, read when needed
            "started": _now(),
            "updated": _now(),
            "questions": [item.id for item in paper.items],
            "total": len(paper.items),
            "complete": False,
            "score": score_of([], len(paper.items)),
            "answers": [],
            "disclaimer": DISCLAIMER,
        }

    def close(self) -> None:
        """Let another run write the results file (the lock is also released if the process dies)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def _check_belongs(data: dict, paper: Paper, path: str, student: str | None) -> None:
        if data["quiz"]["fingerprint"] != paper.quiz.fingerprint:
            raise _refuse(path, f"holds results of another quiz ('{shorten(data['quiz']['title'])}', "
                                f"{shorten(data['quiz']['fingerprint'])}), not of '{shorten(paper.quiz.title)}' ({paper.quiz.fingerprint}).",
                          "Resume with the quiz file those results came from, or choose another --results file.")
        if data.get("seed") != paper.seed:
            was = "no --seed" if data.get("seed") is None else f"--seed {data.get('seed')}"
            now = "no --seed" if paper.seed is None else f"--seed {paper.seed}"
            raise _refuse(path, f"was made with {was}, not {now}: the questions and options came in another order.",
                          f"Run again with {was} to carry on.")
        if data["fingerprint"] != paper.fingerprint or data["questions"] != [item.id for item in paper.items]:
            raise _refuse(path, "does not match this quiz and seed (its fingerprint or question list differs).",
                          "Choose another --results file.")
        if student is not None and data.get("student") not in (None, student):
            raise _refuse(path, f"holds the results of student '{shorten(data.get('student'))}', not '{shorten(student)}'.",
                          "Check the --student name or the --results file.")

    # ------------------------------------------------------------------ answering
    @property
    def student(self) -> str | None:
        return self.data.get("student")

    def answered_ids(self) -> set:
        return {record["id"] for record in self.data["answers"]}

    def pending(self) -> list[Item]:
        done = self.answered_ids()
        return [item for item in self.paper.items if item.id not in done]

    @property
    def complete(self) -> bool:
        return not self.pending()

    def record(self, item: Item, option: Option | None, typed: str | None = None, seconds: float | None = None) -> Graded:
        """Grade one answer, add it to the results and save them at once."""
        if item.id in self.answered_ids():
            raise InputError(Problem(None, None, f"question '{item.id}' is already answered."))
        graded = grade(item, option)
        record = {
            "id": item.id,
            "number": item.number,
            "kind": item.kind,
            "case": item.case.id if item.case else None,
            "stage": item.stage_name,
            "prompt": item.prompt,
            "options": [{"letter": LETTERS[i], "value": o.value, "label": o.label} for i, o in enumerate(item.options)],
            "answer": option.value if option else None,
            "answer_label": option.label if option else None,
            "typed": None if typed is None else clean(typed),
            "right_answer": item.right.value,
            "right_label": item.right.label,
            "accepted": sorted(item.accepted),
            "correct": graded.correct,
            "seconds": None if seconds is None else round(seconds, 2),
            "rule": item.rule,
            "explained_by": graded.explained_by,
            "teaching_point": item.teaching_point,
            "feedback": graded.feedback,
            "answered_at": _now(),
        }
        if item.question.criteria:
            record["criteria"] = item.question.criteria
        self.data["answers"].append(record)
        self.data["score"] = score_of(self.data["answers"], self.data["total"])
        self.data["complete"] = self.complete
        self.data["updated"] = _now()
        self.save()
        return graded

    def save(self) -> None:
        if self.path is not None:
            write_json_atomic(self.path, self.data)

    def graded_records(self) -> list[tuple[Item, dict]]:
        """Every answer so far in paper order, with its item."""
        by_id = {record["id"]: record for record in self.data["answers"]}
        return [(item, by_id[item.id]) for item in self.paper.items if item.id in by_id]

    def summary(self) -> dict:
        score = self.data["score"]
        return {**score, "done": len(self.data["answers"]), "complete": self.complete,
                "path": str(self.path) if self.path else None, "student": self.student}


# ============================================================================= what the command calls
def paper_for(name: str | None, *, generate_count: int | None = None, seed: int | None = None,
              engine: str = "durable", case_dirs: tuple = ()) -> tuple[Paper, str | None]:
    """The paper of a named quiz (file or bundled) or of a generated one, and how it was generated."""
    if generate_count is not None:
        built, _ = generate(generate_count, seed, engine)
        return prepare(built, seed, engine), f"generated-{generate_count}-seed-{0 if seed is None else seed}"
    if not name:
        raise InputError(Problem(None, None, "no quiz named.", "Name a quiz file or a bundled quiz ("
                                 + ", ".join(bundled_quizzes()) + "), or use --generate N."))
    return prepare(load_quiz(find_quiz(name), case_dirs), seed, engine), None


def start(name: str | None, *, generate_count: int | None = None, seed: int | None = None,
          answers: str | None = None, student: str | None = None, results: str | None = None,
          resume: bool = False, feedback: str = "immediate", case_dirs: tuple = ()) -> tuple[Session, AnswerSheet | None]:
    """Everything a run needs, checked before the first question: the paper, the answers file, the results file."""
    if resume and not results:
        raise InputError(Problem(None, None, "--resume needs --results FILE, the file to carry on from."))
    paper, source = paper_for(name, generate_count=generate_count, seed=seed, case_dirs=case_dirs)
    sheet = load_answers(answers, paper) if answers else None
    if sheet is not None and student is None:
        student = sheet.student
    session = Session.open(paper, student=student, results=results, resume=resume, feedback=feedback, source=source)
    return session, sheet


# ============================================================================= the answer key
def answer_key(paper: Paper) -> dict:
    """The paper with its right answers and the engine's explanations, as plain data."""
    questions = []
    for item in paper.items:
        q = item.question
        questions.append({
            "number": item.number,
            "id": item.id,
            "kind": item.kind,
            "case": item.case.id if item.case else None,
            "case_title": item.case.title if item.case else None,
            "stage": item.stage_name,
            "criteria": q.criteria,
            "prompt": item.prompt,
            "options": [{"letter": LETTERS[i], "value": o.value, "label": o.label, "right": o.value in item.accepted}
                        for i, o in enumerate(item.options)],
            "answer": {"letter": item.letter(item.right), "value": item.right.value, "label": item.right.label},
            "also_accepted": sorted(v for v in item.accepted if v != item.right.value),
            "explanation": item.explanation,
            "rule": item.rule,
            "teaching_point": item.teaching_point,
        })
    return {
        "quiz": paper.quiz.title,
        "description": paper.quiz.description,
        "source": paper.quiz.path,
        "seed": paper.seed,
        "fingerprint": paper.fingerprint,
        "tool_version": mmn_ddx.__version__,
        "questions": questions,
        "disclaimer": DISCLAIMER,
    }


# ============================================================================= generating a quiz
GENERATED_KINDS = ("leaning", "discriminator", "criteria", "next_investigation", "consider")
CRITERIA_FOR_GENERATION = ("efns_pns_2010_mmn", "gold_coast_als", "revised_el_escorial_als", "awaji_als")


def _yaml_scalar(value: Any) -> str:
    """A scalar for the generated YAML: a plain word when safe, else a JSON string (valid YAML)."""
    text = str(value)
    if re.fullmatch(r"[a-z][a-z0-9_-]*", text) and text not in ("yes", "no", "on", "off", "true", "false", "null", "y", "n"):
        return text
    return json.dumps(text, ensure_ascii=False)


def generate(count: int, seed: int | None = None, engine: str = "durable") -> tuple[Quiz, str]:
    """A quiz of `count` engine-graded questions drawn from the case library, and its YAML text.

    The same count and seed give the same text on any machine; the kinds take turns, each on a
    different case where possible, and every question is one the engine can grade.
    """
    from mmn_ddx.library import case_library as library, load_case  # deprecated shims

    if count < 1:
        raise InputError(Problem(None, None, f"--generate needs at least one question, not {count}."))
    seed_ = 0 if seed is None else seed
    rng = random.Random(f"mmn-ddx/generate/{seed_}")
    cases = [load_case(path) for _, path in sorted(library().items())]
    ctx = _Context(engine)
    pools: dict[str, list] = {}
    for kind in GENERATED_KINDS:
        pool = []
        for case in cases:
            last = len(case.stages) - 1
            names = [s.name for s in case.stages]
            first_electro = names.index("electrodiagnosis") if "electrodiagnosis" in names else last
            if kind == "criteria":
                pool += [(case, i, s) for i in range(first_electro, last + 1) for s in CRITERIA_FOR_GENERATION]
            elif kind == "next_investigation":
                pool += [(case, i, None) for i in range(last)]
            else:
                pool += [(case, i, None) for i in range(last + 1)]
        rng.shuffle(pool)
        pools[kind] = pool
    kinds = list(GENERATED_KINDS)
    rng.shuffle(kinds)
    dummy = Quiz("generated", "", (), (), "<generated>", "")
    chosen: list[tuple[str, Case, int, str | None]] = []
    used: dict[str, set] = {kind: set() for kind in GENERATED_KINDS}
    turn = 0
    stalled = 0
    while len(chosen) < count and stalled < len(kinds):
        kind = kinds[turn % len(kinds)]
        turn += 1
        found = None
        pool = pools[kind]
        # A case not yet used for this kind first; then any case.
        for fresh_only in (True, False):
            for index, (case, stage, criteria) in enumerate(pool):
                if fresh_only and case.id in used[kind]:
                    continue
                question = Question(id="probe", kind=kind, case=case, stage=stage, criteria=criteria)
                try:
                    _check_generated(question, ctx, dummy)
                except InputError:
                    continue
                found = pool.pop(index)
                break
            if found:
                break
        if found is None:
            stalled += 1
            continue
        stalled = 0
        used[kind].add(found[0].id)
        chosen.append((kind, *found))
        for candidate in list(pool):  # one question per case, stage and kind
            if candidate[0].id == found[0].id and candidate[1] == found[1]:
                pool.remove(candidate)
    if len(chosen) < count:
        raise InputError(Problem(None, None, f"the case library yields only {len(chosen)} distinct questions the engine can grade, not {count}.",
                                 f"Ask for at most {len(chosen)}."))
    text = _generated_text(chosen, count, seed_)
    return quiz_from_text(text, f"<generated: --generate {count} --seed {seed_}>"), text


def _check_generated(question: Question, ctx: _Context, quiz: Quiz) -> None:
    a = ctx.assess(question.case, question.stage)
    if question.kind == "next_investigation" and (not a.next_best or a.next_best[0].swing < CLEAR_MARGIN):
        raise InputError(Problem(None, None, "too little to gain"))
    if question.kind == "discriminator" and len(a.findings) < 3:
        raise InputError(Problem(None, None, "too few findings"))
    BUILDERS[question.kind](question, a, _option_rng(0, "probe"), ctx, quiz)


def _generated_text(chosen: list, count: int, seed: int) -> str:
    lines = [
        f"# Generated by: mmn-ddx quiz --generate {count} --seed {seed} --out FILE",
        "# Every question is graded by the engine when the quiz runs; edit freely, then 'mmn-ddx validate' it.",
        "version: 1",
        f"title: {_yaml_scalar(f'Generated quiz: {count} questions from the case library (seed {seed})')}",
        f"description: {_yaml_scalar('Drawn at random from the bundled cases; the engine computes every answer.')}",
        "cases:",
    ]
    for case_id in sorted({case.id for _, case, _, _ in chosen}):
        lines.append(f"  - {_yaml_scalar(case_id)}")
    lines.append("questions:")
    for number, (kind, case, stage, criteria) in enumerate(chosen, 1):
        lines.append(f"  - id: q{number}")
        lines.append(f"    kind: {kind}")
        lines.append(f"    case: {_yaml_scalar(case.id)}")
        lines.append(f"    stage: {_yaml_scalar(case.stages[stage].name)}")
        if criteria:
            lines.append(f"    criteria: {criteria}")
    return "\n".join(lines) + "\n"


__all__ = [
    "AnswerSheet", "Graded", "paper_for", "start", "Item", "KINDS", "Option", "Paper", "Question", "Quiz", "Session",
    "answer_key", "answer_help", "answer_problem", "bundled_quizzes", "check_quiz_file", "find_quiz",
    "fingerprint_of", "generate", "grade", "is_skip", "load_answers", "load_quiz", "match_answer",
    "prepare", "quiz_from_text", "read_results", "with_hint", "write_json_atomic", "write_text_atomic",
]
