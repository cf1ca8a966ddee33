"""The answer key of a paper as plain data: every right answer with the engine's explanation."""

from __future__ import annotations

import mmn_ddx
from mmn_ddx import DISCLAIMER
from mmn_ddx.quiz.items import Paper
from mmn_ddx.quiz.loading import LETTERS


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

