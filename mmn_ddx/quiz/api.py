"""What the quiz commands call: one function per job, taking the library, returning plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.quiz.answers import AnswerSheet, load_answers
from mmn_ddx.quiz.generation import generate, generated_id
from mmn_ddx.quiz.items import Paper
from mmn_ddx.quiz.keys import answer_key
from mmn_ddx.quiz.loading import find_quiz, load_quiz
from mmn_ddx.quiz.papers import prepare
from mmn_ddx.quiz.regrading import regrade as regrade_results  # noqa: F401 (the façade's name for it)
from mmn_ddx.quiz.session import Session

if TYPE_CHECKING:
    from mmn_ddx.library import Library


def paper_for(name: str | None, library: Library, *, generate_count: int | None = None, seed: int | None = None,
              engine: str = "durable", case_dirs: tuple = ()) -> tuple[Paper, str | None]:
    """The paper of a named quiz (file or bundled) or of a generated one, and how it was generated."""
    if generate_count is not None:
        built, _ = generate(generate_count, library, seed, engine)
        return prepare(built, library, seed, engine), generated_id(generate_count, seed)
    if not name:
        raise InputError(Problem(None, None, "no quiz named.", "Name a quiz file or a bundled quiz ("
                                 + ", ".join(library.quizzes()) + "), or use --generate N."))
    return prepare(load_quiz(find_quiz(name, library), library, case_dirs), library, seed, engine), None


def start_quiz(name: str | None, library: Library, *, generate_count: int | None = None, seed: int | None = None,
          answers: str | None = None, student: str | None = None, results: str | None = None,
          resume: bool = False, feedback: str = "immediate", case_dirs: tuple = ()) -> tuple[Session, AnswerSheet | None]:
    """Everything a run needs, checked before the first question: the paper, the answers file, the results file."""
    if resume and not results:
        raise InputError(Problem(None, None, "--resume needs --results FILE, the file to carry on from."))
    paper, source = paper_for(name, library, generate_count=generate_count, seed=seed, case_dirs=case_dirs)
    sheet = load_answers(answers, paper) if answers else None
    if sheet is not None and student is None:
        student = sheet.student
    session = Session.open(paper, student=student, results=results, resume=resume, feedback=feedback, source=source)
    return session, sheet


def quiz_key(name: str | None, library: Library, *, generate_count: int | None = None, seed: int | None = None,
             case_dirs: tuple = ()) -> dict:
    """The answer key of a quiz (or of a generated one) for `seed`, as plain data."""
    paper, generated = paper_for(name, library, generate_count=generate_count, seed=seed, case_dirs=case_dirs)
    return answer_key(paper, generated)


def generated_quiz(count: int, library: Library, seed: int | None = None) -> str:
    """The text of a quiz file of `count` engine-graded questions drawn from the library's cases."""
    _, text = generate(count, library, seed)
    return text

