"""Quiz documents: the answer key (from the key's plain data, mmn_ddx.quiz.answer_key) and the
printable paper without answers."""

from __future__ import annotations

from mmn_ddx.documents.model import Document, Option, Options, Paragraph, Section


def questions_text(count: int) -> str:
    return f"{count} question" + ("" if count == 1 else "s")


def seed_text(seed) -> str:
    return "no seed" if seed is None else f"seed {seed}"


def quiz_key(key: dict) -> Document:
    """The answer key: every question with its options, the right ones marked, and the engine's explanation."""
    header = [Paragraph(key["description"])] if key.get("description") else []
    sections = []
    for q in key["questions"]:
        where = f" · case {q['case']} through {q['stage']}" if q["case"] else ""
        blocks: list = [Paragraph(f"{q['id']} · {q['kind']}{where}", style="where"),
                        Options([Option(o["letter"], o["label"], bool(o["right"])) for o in q["options"]]),
                        Paragraph(f"Answer: {q['answer']['letter']}) {q['answer']['label']}", style="answer"),
                        Paragraph(q["explanation"])]
        if q["rule"]:
            blocks.append(Paragraph(q["rule"], label="Rule:", style="where"))
        if q["teaching_point"]:
            blocks.append(Paragraph(q["teaching_point"], label="Teaching point:", style="note"))
        sections.append(Section(f"{q['number']}. {q['prompt']}", blocks, f"question-{q['number']}", "question"))
    meta = (f"{questions_text(len(key['questions']))} · {seed_text(key['seed'])} · {key['fingerprint']} · "
            f"mmn-ddx {key['tool_version']}")
    return Document("quiz-key", f"Answer key: {key['quiz']}", f"Answer key: {key['quiz']}", meta=meta, header=header,
                    sections=sections, notice=key["disclaimer"])
