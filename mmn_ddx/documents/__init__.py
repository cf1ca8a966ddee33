"""Printed documents: one model (mmn_ddx.documents.model) built once per document, written by one
template-driven writer per format (mmn_ddx.documents.writers). Everything here returns strings or
bytes and never prints."""

from __future__ import annotations

from mmn_ddx.documents.cases import case_answer_key, case_handout
from mmn_ddx.documents.writers import FORMATS, check_format, write


def handout(case, fmt: str, library, templates=None) -> str:
    """The printable case for learners in `fmt` ('md' or 'html')."""
    check_format(fmt)
    return write(case_handout(case, library), fmt, templates)


def answer_key(case, fmt: str, library, prior: float | None = None, engine: str = "durable", templates=None) -> str:
    """The case's answer key in `fmt` ('md' or 'html')."""
    check_format(fmt)
    return write(case_answer_key(case, library, prior, engine), fmt, templates)


def quiz_key(key: dict, fmt: str, templates=None) -> str:
    """A quiz's answer key (the plain data of mmn_ddx.quiz.answer_key) in `fmt` ('md' or 'html')."""
    from mmn_ddx.documents.quizzes import quiz_key as build

    check_format(fmt)
    return write(build(key), fmt, templates)


__all__ = ["FORMATS", "answer_key", "handout", "quiz_key"]
