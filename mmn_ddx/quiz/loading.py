"""Quiz files: finding one, reading it, and checking every field, with every problem raised together.

A quiz file (YAML) names the cases it uses and asks questions about them. Every question kind
except `choice` is graded by the engine when the quiz runs, so the file never gives their answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.formats import (  # noqa: F401 - the quiz format's words, re-exported for the quiz package
    CASE_ENTRY, DEFAULT_OPTIONS, ENGINE_KINDS, KINDS, MAX_CHOICE_OPTIONS, MAX_OPTIONS, MIN_OPTIONS, QUESTION, QUESTION_ID, QUIZ_FILE,
    read,
)
from mmn_ddx.model import Case
from mmn_ddx.safetext import shorten
from mmn_ddx.yamlio import fingerprint_of, line_of, load_yaml_text, read_text

if TYPE_CHECKING:
    from mmn_ddx.library import Library

MAX_QUESTIONS = 200  # as many as `quiz generate` makes
MAX_QUIZ_CASES = 50
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SKIP_WORDS = ("skip", "-")  # what a student types to leave a question unanswered


@dataclass(frozen=True)
class CaseRef:
    """A case a quiz uses, and the last stage any question may disclose (None: all of them)."""

    case: Case
    limit: int | None  # 0-based stage index
    ref: str  # as written in the quiz file
    line: int | None
    fingerprint: str = ""  # of the case file's text, so that results can tell when a case was edited


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


def quiz_id(quiz: Quiz) -> str:
    """A quiz's name, the same on every machine: a bundled quiz's name or the quiz file's name without its folder."""
    return Path(quiz.path).stem


def find_quiz(name: str, library: Library) -> Path:
    """A quiz named by path, or by the name of one of the library's quizzes ('introductory')."""
    path = Path(name)
    if path.exists() and not path.is_dir():  # a file; a FIFO or device is refused by the loader, unread
        return path
    known = library.quizzes()
    if name in known:
        return known[name]
    if path.is_dir():
        raise InputError(Problem(name, None, "is a folder; name one quiz file.", "E.g. cases/quizzes/introductory.yaml."))
    hint = did_you_mean(name, known, list_few=False) or (
        "The bundled quizzes: " + ", ".join(known) + "." if known else "Check the path.")
    raise InputError(Problem(name, None, "is neither a quiz file nor the name of a bundled quiz.", hint))


def load_quiz(path: Path | str, library: Library, case_dirs: tuple = ()) -> Quiz:
    """Read and check a quiz file; every problem is raised together, each with its line.

    Its cases are the library's case ids or files under the quiz file's folder or one of `case_dirs`.
    """
    return quiz_from_text(read_text(path), str(path), library, Path(path).parent, case_dirs)


def quiz_from_text(text: str, path: str, library: Library, base: Path | None = None, case_dirs: tuple = ()) -> Quiz:
    return quiz_from_data(load_yaml_text(text, path), path, fingerprint_of(text), library, base, case_dirs)


def as_text(value: Any) -> str:
    """A scalar from a quiz or answers file as one line of text."""
    # YAML 1.1 reads an unquoted yes / no (and on / off) as a boolean; an option or answer an
    # instructor wrote as "yes" must come back as "yes", not "True".
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return " ".join(str(value).split())


_SAME_WORD = {"true": "yes", "false": "no"}


def normalised(text: Any) -> str:
    """An option or answer as compared: case, '_' and '-' and spacing ignored, true/false as yes/no."""
    words = " ".join(as_text(text).lower().replace("_", " ").replace("-", " ").split())
    return _SAME_WORD.get(words, words)


class _Checker:
    """The problems found in one quiz file so far, and the library its names are checked against."""

    def __init__(self, path: str, library: Library, roots: tuple[Path, ...]):
        self.path = path
        self.library = library
        self.roots = roots
        self.problems: list[Problem] = []

    def problem(self, line: int | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.path, line, message, hint))

    def relocated(self, error: InputError, line: int | None) -> None:
        """Problems raised about a case (e.g. an unknown stage), placed at the quiz file's line."""
        self.problems.extend(Problem(self.path, line, p.message, p.hint) for p in error.problems)


@hint_budget
def quiz_from_data(data: Any, path: str, fingerprint: str, library: Library, base: Path | None = None,
                   case_dirs: tuple = ()) -> Quiz:
    """Check a parsed quiz file and build the Quiz; every problem is raised together."""
    roots = tuple(Path(d) for d in ((base,) if base is not None else ()) + tuple(case_dirs))
    check = _Checker(path, library, roots)
    if not isinstance(data, Mapping):
        raise InputError(Problem(path, line_of(data) or 1, "a quiz file must be a mapping (title:, cases:, questions:).",
                                 "See 'Quizzes and classes' in the README, or 'mmn-ddx schema quiz'."))
    if "questions" not in data and ("stages" in data or "findings" in data):
        raise InputError(Problem(path, 1, "is a case file, not a quiz file (it has no 'questions:').",
                                 "'mmn-ddx walk' or 'mmn-ddx assess' reads a case; a quiz file names its cases under 'cases:'."))
    _refuse_oversized(data, path)
    fields = read(QUIZ_FILE, data, path, check.problems)
    title, description = fields.get("title", Path(path).stem), fields.get("description", "")
    ordered, refs, unloadable = _read_cases(fields.get("cases", []), check)
    questions = _read_questions(fields.get("questions", []), check, ordered, refs, unloadable)
    if check.problems:
        raise InputError(check.problems)
    return Quiz(title=as_text(title), description=as_text(description), cases=tuple(ordered),
                questions=tuple(questions), path=path, fingerprint=fingerprint)


def _refuse_oversized(data: Mapping, path: str) -> None:
    # each case is read and each question graded by the engine: refuse a huge file before any of that
    for key, most in (("cases", MAX_QUIZ_CASES), ("questions", MAX_QUESTIONS)):
        items = data.get(key)
        if isinstance(items, list) and len(items) > most:
            raise InputError(Problem(path, line_of(data, key), f"a quiz has at most {most} {key}; this one has {len(items):,}.",
                                     "Split it into several quizzes."))


# ----------------------------------------------------------------------------- cases
def _read_cases(raw_cases: list, check: _Checker) -> tuple[list[CaseRef], dict[str, CaseRef], set[str]]:
    """The quiz's cases in order; the same by case id and by the reference as written; the references that failed."""
    refs: dict[str, CaseRef] = {}
    ordered: list[CaseRef] = []
    unloadable: set[str] = set()
    for i, entry in enumerate(raw_cases):
        line = line_of(raw_cases, i)
        written = _case_entry(entry, i, line, check)
        if written is None:
            continue
        ref, stage = written
        loaded = _load_case_ref(ref, line, check)
        if loaded is None:
            unloadable.add(ref)  # already reported; its questions need not say so again
            continue
        case, fingerprint = loaded
        limit = None
        if stage is not None:
            try:
                limit = case.stage_index(stage)
            except InputError as error:
                check.relocated(error, line_of(entry, "stage") or line)
        if case.id in refs:
            check.problem(line, f"case '{case.id}' is listed twice (first on line {refs[case.id].line}).", "List each case once.")
            continue
        ref_obj = CaseRef(case, limit, ref, line, fingerprint)
        ordered.append(ref_obj)
        refs[case.id] = ref_obj
        refs.setdefault(ref, ref_obj)
    return ordered, refs, unloadable


def _case_entry(entry: Any, i: int, line: int | None, check: _Checker) -> tuple[str, Any] | None:
    """(reference, stage) of one entry under 'cases'; None, reported, when it is malformed."""
    if isinstance(entry, str):
        return entry, None
    if not isinstance(entry, Mapping):
        check.problem(line, f"case entry {i + 1} must be a case id, a path, or 'case:' with an optional 'stage:'.")
        return None
    fields = read(CASE_ENTRY, entry, check.path, check.problems, f"case entry {i + 1}")
    if "case" not in fields:
        return None
    return fields["case"], entry.get("stage")


def _load_case_ref(ref: str, line: int | None, check: _Checker) -> tuple[Case, str] | None:
    """The case a quiz names, and its file's fingerprint: a library case id, or a file under the
    quiz's own folder or a --cases folder.

    A path that leads anywhere else (`../..`, an absolute path, a link out of the folder) is
    refused without being read, so a quiz file cannot make the tool read, or echo, another file.
    """
    looks_like_path = "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))
    if not looks_like_path:
        known = check.library.cases()
        if ref not in known:
            hint = did_you_mean(ref, known, list_few=False) or "Run 'mmn-ddx cases' to list the bundled cases, or give a path."
            check.problem(line, f"case '{shorten(ref)}' is not a bundled case.", hint)
            return None
        return _load_or_report(known[ref], check)
    contained = [] if Path(ref).is_absolute() else [
        (root / ref) for root in check.roots if _inside((root / ref), root)]
    if not contained:
        where = " or ".join(f"'{root}'" for root in check.roots) if check.roots else "no folder (a generated quiz names bundled cases only)"
        check.problem(line, f"case file '{shorten(ref)}' is outside the folders a quiz may read cases from "
                            f"({where}), so it was not read.",
                      "Copy the case beside the quiz (or into a folder below it), or name its folder with --cases DIR.")
        return None
    for candidate in contained:
        if candidate.exists():
            return _load_or_report(candidate, check)
    check.problem(line, f"case file '{shorten(ref)}' does not exist.",
                  "A path is read relative to the quiz file's folder (or a --cases folder).")
    return None


def _load_or_report(path: Path, check: _Checker) -> tuple[Case, str] | None:
    from mmn_ddx.cases import load_case_text

    try:
        text = read_text(path)
        return load_case_text(text, str(path), check.library.vocabulary), fingerprint_of(text)
    except InputError as error:
        check.problems.extend(error.problems)
        return None


def _inside(candidate: Path, root: Path) -> bool:
    """Whether `candidate`, links followed, lies under `root` (nothing is opened)."""
    try:
        return candidate.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a looping link
        return False


# ----------------------------------------------------------------------------- questions
def _read_questions(raw_questions: list, check: _Checker, ordered: list[CaseRef], refs: dict[str, CaseRef],
                    unloadable: set[str]) -> list[Question]:
    questions: list[Question] = []
    seen_ids: dict[str, int | None] = {}
    for i, raw in enumerate(raw_questions):
        line = line_of(raw_questions, i)
        if not isinstance(raw, Mapping):
            check.problem(line, f"question {i + 1} must be a mapping (id:, kind:, case: ...).")
            continue
        before = len(check.problems)
        question = _read_question(raw, i, line, check, seen_ids, ordered, refs, unloadable)
        if question is not None and len(check.problems) == before:
            questions.append(question)
    return questions


def _read_question(raw: Mapping, i: int, line: int | None, check: _Checker, seen_ids: dict,
                   ordered: list[CaseRef], refs: dict[str, CaseRef], unloadable: set[str]) -> Question | None:
    qid = _question_id(raw, i, line, check, seen_ids)
    name = f"question '{qid}'"
    fields = read(QUESTION, raw, check.path, check.problems, name)
    kind = fields.get("kind")
    if kind is None:
        return None
    case_ref, stage_index = _question_case_and_stage(raw, name, kind, line, check, ordered, refs, unloadable)
    criteria = _question_criteria(raw, name, kind, line, check)
    prompt, teaching_point, shuffle = fields.get("prompt"), fields.get("teaching_point"), fields.get("shuffle", True)
    if kind in ENGINE_KINDS:
        option_count = _engine_option_count(raw, name, kind, check)
        options, answer, explanation = (), None, ""
    else:
        option_count = DEFAULT_OPTIONS
        options, answer, explanation = _choice_parts(raw, name, prompt, line, check)
    return Question(
        id=qid, kind=kind, case=case_ref.case if case_ref else None, stage=stage_index, criteria=criteria,
        prompt=as_text(prompt) if prompt else None, options=options, option_count=option_count, answer=answer,
        explanation=as_text(explanation), shuffle=shuffle,
        teaching_point=as_text(teaching_point) if teaching_point else None, line=line,
    )


def _question_id(raw: Mapping, i: int, line: int | None, check: _Checker, seen_ids: dict) -> str:
    raw_id = raw.get("id", f"q{i + 1}")
    qid = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    if not QUESTION_ID.match(qid):
        check.problem(line_of(raw, "id") or line, f"question id {raw_id!r} must be a short word (letters, digits, '-', '_', '.').",
                      "E.g. 'q1' or 'finger-drop-leaning'.")
        qid = f"q{i + 1}"
    if qid in seen_ids:
        check.problem(line_of(raw, "id") or line, f"question id '{qid}' is used twice (first on line {seen_ids[qid]}).",
                      "Give each question its own id.")
    seen_ids.setdefault(qid, line_of(raw, "id") or line)
    return qid


def _question_case_and_stage(raw: Mapping, name: str, kind: str, line: int | None, check: _Checker,
                             ordered: list[CaseRef], refs: dict[str, CaseRef],
                             unloadable: set[str]) -> tuple[CaseRef | None, int | None]:
    """The quiz case a question asks about, and the 0-based index of the last stage it discloses."""
    case_ref = None
    case_name = raw.get("case")
    if case_name is None:
        if kind in ENGINE_KINDS:
            check.problem(line, f"{name} needs 'case:', one of the quiz's cases: the engine grades it on that case.")
    elif isinstance(case_name, str) and case_name in unloadable:
        pass
    elif not isinstance(case_name, str) or case_name not in refs:
        listed = sorted(r.case.id for r in ordered)
        check.problem(line_of(raw, "case"), f"{name} names case '{case_name}', which is not listed under 'cases'.",
                      did_you_mean(case_name, listed, list_few=False) or "Add it to the quiz's 'cases' list.")
    else:
        case_ref = refs[case_name]
    if case_ref is None:
        if raw.get("stage") is not None:
            check.problem(line_of(raw, "stage"), f"{name} gives a stage but no case.", "Add 'case:' or remove 'stage:'.")
        return None, None
    case = case_ref.case
    stage_index = case_ref.limit if case_ref.limit is not None else len(case.stages) - 1
    if raw.get("stage") is not None:
        try:
            stage_index = case.stage_index(raw["stage"])
        except InputError as error:
            check.relocated(error, line_of(raw, "stage"))
        if case_ref.limit is not None and stage_index > case_ref.limit:
            check.problem(line_of(raw, "stage"),
                          f"{name} asks at stage '{case.stages[stage_index].name}', beyond stage "
                          f"'{case.stages[case_ref.limit].name}', the limit set for case '{case.id}' under 'cases'.",
                          "Ask at an earlier stage, or raise the limit.")
    return case_ref, stage_index


def _question_criteria(raw: Mapping, name: str, kind: str, line: int | None, check: _Checker) -> str | None:
    from mmn_ddx.formats import CRITERIA_VALUES

    criteria = raw.get("criteria")
    if kind != "criteria":
        if criteria is not None:
            check.problem(line_of(raw, "criteria"), f"{name}: 'criteria' belongs only to questions of kind 'criteria'.", "Remove it.")
        return criteria
    if criteria is None:
        check.problem(line, f"{name} needs 'criteria:', the criterion set asked about.", "One of: " + ", ".join(CRITERIA_VALUES) + ".")
    return criteria


def _engine_option_count(raw: Mapping, name: str, kind: str, check: _Checker) -> int:
    """How many options an engine-graded question offers; it may not give its answer or explanation."""
    if "answer" in raw:
        check.problem(line_of(raw, "answer"),
                      f"{name}: the engine grades '{kind}' questions, so the quiz file does not give the answer.",
                      "Remove 'answer': the right answer is computed from the rules when the quiz runs, so it cannot drift from them.")
    if "explanation" in raw:
        check.problem(line_of(raw, "explanation"),
                      f"{name}: the engine explains '{kind}' questions itself.", "Remove 'explanation'; put a note of your own in 'teaching_point'.")
    raw_options = raw.get("options")
    if raw_options is None:
        return DEFAULT_OPTIONS
    if kind in ("leaning", "criteria"):
        fixed = "mmn, als and undecided" if kind == "leaning" else "the categories of the criterion set"
        check.problem(line_of(raw, "options"), f"{name}: the options of a '{kind}' question are always {fixed}.", "Remove 'options'.")
    elif isinstance(raw_options, bool) or not isinstance(raw_options, int) or not MIN_OPTIONS <= raw_options <= MAX_OPTIONS:
        check.problem(line_of(raw, "options"),
                      f"{name}: for a '{kind}' question 'options' is how many to offer, a whole number from {MIN_OPTIONS} to {MAX_OPTIONS}.",
                      "The engine chooses the options; only 'choice' questions list them.")
    else:
        return raw_options
    return DEFAULT_OPTIONS


def _choice_parts(raw: Mapping, name: str, prompt: str | None, line: int | None,
                  check: _Checker) -> tuple[tuple[str, ...], str | None, str]:
    """A choice question's options, its answer (an option's text) and its explanation."""
    if prompt is None:
        check.problem(line, f"{name} needs a 'prompt': the question the student reads.")
    options: tuple[str, ...] = ()
    answer = None
    raw_options = raw.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < MIN_OPTIONS:
        check.problem(line_of(raw, "options") or line, f"{name} needs 'options': a list of at least {MIN_OPTIONS} answers to choose from.")
    else:
        options = _choice_options(raw, raw_options, name, check)
        answer = _choice_answer(raw, options, name, line, check)
    explanation = raw.get("explanation")
    if not isinstance(explanation, str) or not explanation.strip():
        check.problem(line_of(raw, "explanation") or line, f"{name} needs an 'explanation', shown when the answer is wrong.")
        explanation = ""
    return options, answer, explanation


def _choice_options(raw: Mapping, raw_options: list, name: str, check: _Checker) -> tuple[str, ...]:
    texts: list[str] = []
    for j, option in enumerate(raw_options):
        if isinstance(option, (Mapping, list)) or option is None:
            check.problem(line_of(raw_options, j), f"{name}: option {j + 1} must be plain text.",
                          "Put it in quotes: YAML reads 'words: more words' as a key and a value.")
            continue
        text = as_text(option)
        if not text.strip():
            check.problem(line_of(raw_options, j), f"{name}: option {j + 1} is empty.", "Write the option's text, or remove it.")
            continue
        if text.strip().lower() in SKIP_WORDS:
            check.problem(line_of(raw_options, j), f"{name}: option '{text}' cannot be chosen by its text: typing it skips the question.",
                          "Write it in other words, e.g. 'none of these'.")
        if len(text) == 1 or text.isdigit():
            check.problem(line_of(raw_options, j), f"{name}: option '{text}' would be taken for an option letter or number.",
                          "Write it in words, e.g. 'two nerves'.")
        if normalised(text) in {normalised(t) for t in texts}:
            check.problem(line_of(raw_options, j), f"{name}: option '{text}' is listed twice.")
        texts.append(text)
    if len(texts) > MAX_CHOICE_OPTIONS:
        check.problem(line_of(raw, "options"), f"{name} has {len(texts)} options; at most {MAX_CHOICE_OPTIONS} can be lettered.")
    return tuple(texts)


def _choice_answer(raw: Mapping, options: tuple[str, ...], name: str, line: int | None, check: _Checker) -> str | None:
    raw_answer = raw.get("answer")
    if raw_answer is None:
        check.problem(line, f"{name} needs 'answer': the right option's text (or its letter).")
        return None
    text = as_text(raw_answer)
    matched = [t for t in options if normalised(t) == normalised(text)]
    if not matched and len(text) == 1 and text.lower() in LETTERS[: len(options)]:
        matched = [options[LETTERS.index(text.lower())]]
    if matched:
        return matched[0]
    check.problem(line_of(raw, "answer"), f"{name}: the answer '{text}' is not one of its options.",
                  did_you_mean(text, options) or "Copy the right option's text, or give its letter.")
    return None
