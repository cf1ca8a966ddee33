"""Preparing a paper: the quiz's questions in the seed's order, each graded by the engine in advance."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.quiz.items import Item, Paper
from mmn_ddx.quiz.kinds import BUILDERS, ItemContext, option_rng
from mmn_ddx.quiz.loading import Question, Quiz, fingerprint_of, load_quiz, quiz_from_data
from mmn_ddx.yamlio import read_text

if TYPE_CHECKING:
    from mmn_ddx.library import Library


def question_order(quiz: Quiz, seed: int | None) -> list[Question]:
    """The file's order without a seed; a seeded shuffle with one."""
    questions = list(quiz.questions)
    if seed is not None:
        random.Random(f"mmn-ddx/order/{seed}").shuffle(questions)
    return questions


def prepare(quiz: Quiz, library: Library, seed: int | None = None, engine: str = "durable",
            context: ItemContext | None = None) -> Paper:
    """The quiz as asked with `seed`: each question graded by the engine in advance.

    A question the engine cannot grade (no counted evidence for a discriminator question, say)
    is reported with its line; every such problem is raised together. Papers of one quiz under
    many seeds (a class's papers) may share a `context`, so each case stage is assessed once.
    """
    ctx = context or ItemContext(library, engine)
    problems: list[Problem] = []
    items: list[Item] = []
    for number, q in enumerate(question_order(quiz, seed), 1):
        a = ctx.assess(q.case, q.stage) if q.case is not None else None
        try:
            parts = BUILDERS[q.kind](q, a, option_rng(seed, q.id), ctx, quiz)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if q.teaching_point:
            parts["teaching_point"] = q.teaching_point
        items.append(Item(question=q, number=number,
                          stage_name=q.case.stages[q.stage].name if q.case is not None else None, **parts))
    if problems:
        raise InputError(problems)
    return Paper(quiz, seed, tuple(items), library.fingerprint())


def check_quiz_file(path: Path | str, library: Library, case_dirs: tuple = (), data: Any = None) -> list[Problem]:
    """Every problem of a quiz file, the engine's included (for `validate`; `data` if already parsed)."""
    try:
        if data is None:
            quiz = load_quiz(path, library, case_dirs)
        else:
            quiz = quiz_from_data(data, str(path), fingerprint_of(read_text(path)), library, Path(path).parent, case_dirs)
        prepare(quiz, library)
    except InputError as error:
        return error.problems
    return []
