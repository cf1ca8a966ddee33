"""The class report: many students' results files for one quiz, summed up for the instructor.

Plain data only (the command line draws it with rich, or writes CSV or JSON). A file that cannot
be read is reported and skipped; a student who submitted twice counts once (the latest file by
its `updated` time), and the files set aside are named.

Item analysis, per question: the difficulty (the share of students who got it right) and the
discrimination, the point-biserial correlation between getting the question right (1/0) and the
rest-score (the student's right answers on the other questions), so that a question the strong
students miss and the weak ones get shows as a negative figure, to be looked at.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from mmn_ddx import DISCLAIMER
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.quiz import read_results, with_hint
from mmn_ddx.quiz.loading import load_quiz
from mmn_ddx.quiz.results import rulebook_of, score_of
from mmn_ddx.safetext import csv_cell

if TYPE_CHECKING:
    from mmn_ddx.library import Library
    from mmn_ddx.rulebook import RuleBook

HISTOGRAM_BINS = 10  # 0–9 %, 10–19 %, …, 90–100 %


@dataclass
class Submission:
    path: str
    student: str  # as shown
    key: str  # the same student however the name was typed
    updated: str
    data: dict


@dataclass
class Dropped:
    path: str
    student: str
    updated: str
    kept: str  # the file counted instead


@dataclass
class StudentScore:
    student: str
    path: str
    correct: int
    answered: int
    total: int
    percent: float
    complete: bool
    seed: int | None
    marks: dict = field(default_factory=dict)  # question id -> True (right) / False (wrong or skipped)
    rulebook: str | None = None  # the fingerprint of the rules that graded the file (None: not recorded)

    @property
    def shown_name(self) -> str:
        """The name as the reports list it, marked when the student stopped before the end."""
        return self.student + ("" if self.complete else " (unfinished)")


@dataclass
class WrongAnswer:
    question: str
    answer: str
    label: str
    count: int
    share: float  # of the students who answered the question
    right_label: str
    rule: str | None  # the rule that explains the answer given
    rule_title: str | None


@dataclass
class QuestionStats:
    id: str
    kind: str
    prompt: str
    answered: int  # students whose file has an answer (a skip included)
    right: int
    share_right: float | None  # the same as `difficulty`, the name older readers know
    difficulty: float | None = None  # share of those students who got it right (1.0: everyone)
    discrimination: float | None = None  # point-biserial correlation with the rest-score; None: too few or no spread
    negative_discrimination: bool = False  # the stronger students did worse on it: look at the question
    most_chosen_wrong: WrongAnswer | None = None  # with the rule that explains it


@dataclass
class MissedPoint:
    teaching_point: str
    misses: int
    questions: list


@dataclass
class RuleBookGroup:
    """The students whose results one rule book graded."""

    fingerprint: str | None  # None: files written before results recorded their rule book
    current: bool  # the rule book this report was made with
    students: list = field(default_factory=list)


@dataclass
class ClassReport:
    quiz_title: str
    quiz_fingerprint: str
    files_read: int
    seeds: list
    students: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    wrong_answers: list = field(default_factory=list)
    missed_points: list = field(default_factory=list)
    histogram: list = field(default_factory=list)  # (low, high, count)
    dropped: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    mean_percent: float | None = None
    median_percent: float | None = None
    rulebooks: list = field(default_factory=list)  # RuleBookGroup, the current rule book first

    def hardest_first(self) -> list:
        """The questions by share right, lowest first (a question nobody answered last), then by id."""
        return sorted(self.questions, key=lambda q: (1.1 if q.difficulty is None else q.difficulty, q.id))

    def mixes_rulebooks(self) -> bool:
        """Whether some results were graded by a rule book other than the current one: the figures then need a warning."""
        return bool(self.rulebooks) and (len(self.rulebooks) > 1 or not self.rulebooks[0].current)


# ----------------------------------------------------------------------------- reading
def results_files(names: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files as given, and every *.json under each folder (hidden files left out), in name order."""
    found: list[Path] = []
    problems: list[Problem] = []
    for name in names:
        path = Path(name)
        if not path.exists():
            problems.append(Problem(name, None, "no such file or folder.", "Check the path."))
        elif path.is_dir():
            inside = sorted(p for p in path.rglob("*.json") if p.is_file() and not p.name.startswith("."))
            if not inside:
                problems.append(Problem(name, None, "this folder holds no results files (*.json)."))
            found.extend(inside)
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), problems


def check_outputs(names: Iterable[str], outputs: dict[str, str | None]) -> None:
    """Refuse, before anything is read or written, outputs (CSV, HTML) that would replace each other or one of
    the results files being reported (even with --force: a typo must not cost a student's answers).
    `outputs` maps an option's name (`--csv`) to the path given, if any."""
    given = {option: path for option, path in outputs.items() if path}
    problems = []
    seen: dict[Path, str] = {}
    for option, path in given.items():
        where = Path(path).resolve()
        if where in seen:
            problems.append(Problem(path, None, f"is named by both {seen[where]} and {option}: two reports cannot share "
                                                "the same file.", "Give each its own file name."))
        seen.setdefault(where, option)
    inputs, _ = results_files(names)
    read = {p.resolve() for p in inputs}
    for option, path in given.items():
        if Path(path).resolve() in read or any(_same_file(path, p) for p in inputs):
            problems.append(Problem(path, None, f"is one of the results files being reported, so {option} will not "
                                                "replace it (not even with --force).", "Choose another file name."))
    if problems:
        raise InputError(problems)


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).samefile(b)
    except OSError:
        return False


def _student_key(name: str | None, path: str) -> tuple[str, str]:
    if name is None or not name.strip():
        return f"(no name: {Path(path).name})", f"file:{path}"
    shown = " ".join(name.split())
    return shown, shown.casefold()


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def natural_key(text: str) -> list:
    """'q2' before 'q10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _rule_title(rule_id: str | None, book: RuleBook) -> str | None:
    if not rule_id:
        return None
    named = book.rule(rule_id) or book.criterion_set(rule_id)
    return named.title if named is not None else None


# ----------------------------------------------------------------------------- the report
def class_report(names: Iterable[str], library: Library) -> ClassReport:
    """Read results files (or folders of them) and sum them up; unreadable files become problems.

    Rule titles come from the library's rule book, and results are grouped by the rule book that
    graded them, the library's own first.
    """
    paths, problems = results_files(names)
    submissions = _read_submissions(paths, problems)
    quiz_fp, title, kept = _one_quiz(submissions, problems)
    counted, dropped = _latest_per_student(kept)
    report = ClassReport(quiz_title=title, quiz_fingerprint=quiz_fp, files_read=len(submissions),
                         seeds=sorted({s.data.get("seed") for s in counted}, key=lambda x: (x is not None, x or 0)),
                         dropped=sorted(dropped, key=lambda d: d.path), problems=problems)
    report.students = [_student_score(s) for s in counted]
    report.rulebooks = _rulebook_groups(report.students, library.fingerprint()["rulebook"])
    _add_questions(report, counted, library.rulebook)
    _kinds_of_unanswered(report, counted, library)
    report.missed_points = _missed_points(counted)
    percents = [s.percent for s in report.students]
    report.histogram = _histogram(percents)
    if percents:
        report.mean_percent = round(statistics.mean(percents), 1)
        report.median_percent = round(statistics.median(percents), 1)
    return report


def _read_submissions(paths: list[Path], problems: list[Problem]) -> list[Submission]:
    submissions: list[Submission] = []
    for path in paths:
        try:
            data = read_results(path)
        except InputError as error:
            problems.extend(with_hint(error, "It was skipped.").problems)
            continue
        shown, key = _student_key(data.get("student"), str(path))
        submissions.append(Submission(str(path), shown, key, data["updated"], data))
    if not submissions:
        problems.append(Problem(None, None, "no results file could be read, so there is nothing to report.",
                                "Name the files written by 'mmn-ddx quiz take --results', or a folder of them."))
        raise InputError(problems)
    return submissions


def _one_quiz(submissions: list[Submission], problems: list[Problem]) -> tuple[str, str, list[Submission]]:
    """One quiz per report: the quiz most files belong to (its fingerprint and title, and its files)."""
    by_quiz = Counter(s.data["quiz"]["fingerprint"] for s in submissions)
    titles = {s.data["quiz"]["fingerprint"]: s.data["quiz"]["title"] for s in submissions}
    quiz_fp = min(by_quiz, key=lambda fp: (-by_quiz[fp], titles[fp], fp))
    kept: list[Submission] = []
    for s in submissions:
        if s.data["quiz"]["fingerprint"] == quiz_fp:
            kept.append(s)
        else:
            problems.append(Problem(s.path, None, f"holds results of another quiz ('{s.data['quiz']['title']}'), not of "
                                                  f"'{titles[quiz_fp]}' like the other {by_quiz[quiz_fp]} file(s).",
                                    "It was skipped; report each quiz's results separately."))
    return quiz_fp, titles[quiz_fp], kept


def _latest_per_student(kept: list[Submission]) -> tuple[list[Submission], list[Dropped]]:
    """One submission per student, the latest, in name order; and the earlier ones set aside."""
    latest: dict[str, Submission] = {}
    for s in sorted(kept, key=lambda s: (_when(s.updated), s.path)):
        latest[s.key] = s  # later ones replace earlier ones
    dropped = [Dropped(s.path, s.student, s.updated, latest[s.key].path) for s in kept if latest[s.key] is not s]
    return sorted(latest.values(), key=lambda s: (s.student.casefold(), s.path)), dropped


def _student_score(s: Submission) -> StudentScore:
    records = s.data["answers"]
    return StudentScore(
        student=s.student, path=s.path, **score_of(records, s.data["total"]),
        complete=len(records) == len(s.data["questions"]), seed=s.data.get("seed"),
        marks={r["id"]: r["correct"] for r in records}, rulebook=rulebook_of(s.data),
    )


def _rulebook_groups(students: list[StudentScore], current: str) -> list[RuleBookGroup]:
    groups: dict[str | None, RuleBookGroup] = {}
    for student in students:
        group = groups.setdefault(student.rulebook, RuleBookGroup(student.rulebook, student.rulebook == current))
        group.students.append(student.student)
    return sorted(groups.values(), key=lambda g: (not g.current, g.fingerprint is None, g.fingerprint or ""))


def _add_questions(report: ClassReport, counted: list[Submission], book: RuleBook) -> None:
    """Per question: how many got it right, its discrimination, and the wrong answers chosen."""
    records_by_question: dict[str, list[tuple[StudentScore, dict]]] = {}
    for student, s in zip(report.students, counted):
        for qid in s.data["questions"]:
            records_by_question.setdefault(qid, [])
        for record in s.data["answers"]:
            records_by_question[record["id"]].append((student, record))
    for qid in sorted(records_by_question, key=natural_key):
        pairs = records_by_question[qid]
        records = [record for _, record in pairs]
        right = sum(1 for r in records if r["correct"])
        first = records[0] if records else {}
        wrong_answers = _wrong_answers(qid, records, book)
        share = round(right / len(records), 3) if records else None
        discrimination = point_biserial([bool(r["correct"]) for r in records],
                                        [student.correct - bool(r["correct"]) for student, r in pairs])
        report.questions.append(QuestionStats(
            id=qid, kind=str(first.get("kind", "")), prompt=str(first.get("prompt", "")), answered=len(records),
            right=right, share_right=share, difficulty=share, discrimination=discrimination,
            negative_discrimination=discrimination is not None and discrimination < 0,
            most_chosen_wrong=wrong_answers[0] if wrong_answers else None,
        ))
        report.wrong_answers.extend(wrong_answers)
    report.wrong_answers.sort(key=lambda w: (-w.count, natural_key(w.question), w.answer))


def _kinds_of_unanswered(report: ClassReport, counted: list[Submission], library: Library) -> None:
    """A question nobody reached has no record to give its kind: take it from the quiz file, when the
    library holds the very quiz (same name, same fingerprint) that the results were written from."""
    blank = [q for q in report.questions if not q.kind]
    if not blank or not counted:
        return
    path = library.quizzes().get(str(counted[0].data["quiz"].get("id", "")))
    if path is None:
        return
    try:
        quiz = load_quiz(path, library)
    except InputError:  # the quiz file changed and no longer loads: the kinds stay unknown
        return
    if quiz.fingerprint != report.quiz_fingerprint:
        return
    kinds = {question.id: question.kind for question in quiz.questions}
    for q in blank:
        q.kind = kinds.get(q.id, "")


def _wrong_answers(qid: str, records: list[dict], book: RuleBook) -> list[WrongAnswer]:
    """The wrong answers given to one question, the most chosen first, each with the rule that explains it."""
    wrong = [r for r in records if not r["correct"] and r.get("answer") is not None]
    found = []
    for answer, count in Counter(r["answer"] for r in wrong).items():
        chosen = [r for r in wrong if r["answer"] == answer]
        rules = Counter(r.get("explained_by") or r.get("rule") for r in chosen)
        rule = min(rules, key=lambda k: (-rules[k], k or "")) if rules else None
        found.append(WrongAnswer(
            question=qid, answer=answer, label=str(chosen[0].get("answer_label") or answer), count=count,
            share=round(count / len(records), 3), right_label=str(chosen[0].get("right_label") or chosen[0]["right_answer"]),
            rule=rule, rule_title=_rule_title(rule, book),
        ))
    return sorted(found, key=lambda w: (-w.count, w.answer))


MIN_STUDENTS_FOR_DISCRIMINATION = 3


def point_biserial(marks: list[bool], rest_scores: list[int]) -> float | None:
    """The correlation between getting a question right and the rest-score, to three places.

    None with fewer than three students, or when either side has no spread (everyone right, or
    every rest-score the same): there is then nothing to correlate.
    """
    if len(marks) < MIN_STUDENTS_FOR_DISCRIMINATION or len(set(marks)) < 2 or len(set(rest_scores)) < 2:
        return None
    return round(statistics.correlation([float(m) for m in marks], [float(r) for r in rest_scores]), 3)


def _missed_points(counted: list[Submission]) -> list[MissedPoint]:
    missed: dict[str, list] = {}
    for s in counted:
        for record in s.data["answers"]:
            point = record.get("teaching_point")
            if not record["correct"] and point:
                missed.setdefault(point, []).append(record["id"])
    return sorted(
        (MissedPoint(point, len(ids), sorted(set(ids), key=natural_key)) for point, ids in missed.items()),
        key=lambda m: (-m.misses, m.teaching_point),
    )


def _histogram(percents: list[float]) -> list[tuple[int, int, int]]:
    bins = [0] * HISTOGRAM_BINS
    for p in percents:
        bins[min(int(p // (100 / HISTOGRAM_BINS)), HISTOGRAM_BINS - 1)] += 1
    width = 100 // HISTOGRAM_BINS
    return [(i * width, 100 if i == HISTOGRAM_BINS - 1 else (i + 1) * width - 1, n) for i, n in enumerate(bins)]


def report_json(report: ClassReport) -> dict:
    data = asdict(report)
    data["problems"] = [str(p) for p in report.problems]
    data["histogram"] = [{"from": low, "to": high, "students": n} for low, high, n in report.histogram]
    data["disclaimer"] = DISCLAIMER
    return {"schema": "mmn-ddx/class-report/1", **data}


def report_csv(report: ClassReport) -> str:
    """One row per student: the score, then 1 (right), 0 (wrong or skipped) or blank (not reached) per
    question, then the fingerprint of the rule book that graded the file (blank: not recorded).
    """
    question_ids = [q.id for q in report.questions]
    rows = [["student", "file", "correct", "answered", "total", "percent", "complete", "seed", *question_ids, "rulebook"]]
    for s in report.students:
        marks = ["" if qid not in s.marks else "1" if s.marks[qid] else "0" for qid in question_ids]
        rows.append([s.student, s.path, s.correct, s.answered, s.total, s.percent, "yes" if s.complete else "no",
                     "" if s.seed is None else s.seed, *marks, s.rulebook or ""])
    return _csv_text(rows)


def report_items_csv(report: ClassReport) -> str:
    """One row per question: the item analysis, and the most chosen wrong answer with the rule that explains it."""
    rows = [["question", "kind", "answered", "right", "difficulty", "discrimination", "negative_discrimination",
             "most_chosen_wrong", "chosen", "rule", "rule_title", "prompt"]]
    for q in report.questions:
        w = q.most_chosen_wrong
        rows.append([q.id, q.kind, q.answered, q.right, _blank(q.difficulty), _blank(q.discrimination),
                     "yes" if q.negative_discrimination else "no", w.label if w else "", w.count if w else "",
                     (w.rule or "") if w else "", (w.rule_title or "") if w else "", q.prompt])
    return _csv_text(rows)


def _blank(value) -> object:
    return "" if value is None else value


def _csv_text(rows: list[list]) -> str:
    """CSV with every cell through csv_cell: a student named '=HYPERLINK(…)' must stay text in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([csv_cell(c) for c in row])
    return buffer.getvalue()

