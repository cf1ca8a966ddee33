"""The answer key of a paper as plain data: every right answer with the engine's explanation."""

from __future__ import annotations

from pathlib import Path

import mmn_ddx
from mmn_ddx import DISCLAIMER
from mmn_ddx.quiz.items import Paper
from mmn_ddx.quiz.loading import LETTERS, quiz_id


def answer_key(paper: Paper, generated: str | None = None) -> dict:
    """The paper with its right answers and the engine's explanations, as plain data; `generated`
    is how a generated quiz is named (as its results files name it)."""
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
        # The quiz's id (as its results files give it) and its file's name, never its folder: a key
        # is handed round, and the folder tells the teacher's home (results files made the same change).
        "id": generated or quiz_id(paper.quiz),
        "source": Path(paper.quiz.path).name,
        "seed": paper.seed,
        "fingerprint": paper.fingerprint,
        "tool_version": mmn_ddx.__version__,
        "questions": questions,
        "disclaimer": DISCLAIMER,
    }

