"""A session: a student's run through a paper, each answer graded and saved to the results file at once.

The results file (JSON) is written atomically after every answer, so an interrupted quiz loses
nothing and can be resumed; it is locked for the whole run against a second run on it.
"""

from __future__ import annotations

from pathlib import Path

import mmn_ddx
from mmn_ddx import DISCLAIMER
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.files import FileLock, remove_stale_temp_files
from mmn_ddx.quiz.items import Graded, Item, Option, Paper, grade
from mmn_ddx.quiz.loading import LETTERS, quiz_id
from mmn_ddx.quiz.results import (
    RESULTS_SCHEMA, UNTOUCHED, check_student, now, provenance, read_results, refuse, score_of, what_changed, with_hint,
    write_json_atomic,
)
from mmn_ddx.safetext import clean, shorten


class Session:
    """A student's run through a paper, saved to the results file after every answer."""

    def __init__(self, paper: Paper, data: dict, path: Path | None, lock: FileLock | None = None):
        self.paper = paper
        self.data = data
        self.path = path
        self.lock = lock

    @property
    def feedback(self) -> str:
        """'end' (exam mode) or 'immediate', as the results file records it."""
        return self.data.get("feedback") or "immediate"

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
            student = check_student(student)
        path = Path(results) if results else None
        if path is None:
            return cls(paper, cls.new_data(paper, student, feedback, source), None)
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
                    raise refuse(str(path), "already exists and is not a results file of mmn-ddx.",
                                  "Choose another --results file.") from None
                raise refuse(str(path), f"already holds results ({len(existing['answers'])} of "
                                         f"{len(existing['questions'])} answered).",
                              "Add --resume to carry on from them, or choose another --results file.")
            try:
                data = read_results(path)
            except InputError as error:
                raise with_hint(error, UNTOUCHED) from None
            cls._check_belongs(data, paper, str(path), student)
            if data.get("student") is None and student is not None:
                data["student"] = student
            if feedback == "end" or data.get("feedback") == "end":
                data["feedback"] = "end"  # exam mode, once chosen, is not lifted by resuming without it
            return cls(paper, data, path, lock)
        session = cls(paper, cls.new_data(paper, student, feedback, source), path, lock)
        session.save()
        return session

    @staticmethod
    def new_data(paper: Paper, student: str | None, feedback: str, source: str | None) -> dict:
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
            **provenance(paper),  # so that resuming or regrading under other rules is noticed
            "started": now(),
            "updated": now(),
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
            raise refuse(path, f"holds results of another quiz ('{shorten(data['quiz']['title'])}', "
                                f"{shorten(data['quiz']['fingerprint'])}), not of '{shorten(paper.quiz.title)}' ({paper.quiz.fingerprint}).",
                          "Resume with the quiz file those results came from, or choose another --results file.")
        if data.get("seed") != paper.seed:
            was = "no --seed" if data.get("seed") is None else f"--seed {data.get('seed')}"
            now = "no --seed" if paper.seed is None else f"--seed {paper.seed}"
            raise refuse(path, f"was made with {was}, not {now}: the questions and options came in another order.",
                          f"Run again with {was} to carry on.")
        changed = what_changed(data, paper)
        if changed:
            raise refuse(path, f"was graded under other rules: {' and '.join(changed)} changed since "
                               f"(it was written by mmn-ddx {shorten(data.get('tool_version', 'of an unknown version'))}).",
                         f"Regrade its answers under the current rules with 'mmn-ddx quiz regrade {path}', which writes a "
                         "new file and keeps this one; then resume from the new file.")
        if data["fingerprint"] != paper.fingerprint or data["questions"] != [item.id for item in paper.items]:
            raise refuse(path, "does not match this quiz and seed (its fingerprint or question list differs).",
                          "Choose another --results file.")
        if student is not None and data.get("student") not in (None, student):
            raise refuse(path, f"holds the results of student '{shorten(data.get('student'))}', not '{shorten(student)}'.",
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

    def record(self, item: Item, option: Option | None, typed: str | None = None, seconds: float | None = None,
               answered_at: str | None = None) -> Graded:
        """Grade one answer, add it to the results and save them at once (`answered_at`: when a regrade keeps the first time)."""
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
            "answered_at": answered_at or now(),
        }
        if item.question.criteria:
            record["criteria"] = item.question.criteria
        self.data["answers"].append(record)
        self.data["score"] = score_of(self.data["answers"], self.data["total"])
        self.data["complete"] = self.complete
        self.data["updated"] = now()
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

