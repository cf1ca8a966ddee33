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


def case_context(item, vocab, findings_table: bool = False) -> list:
    """The case as a question discloses it, through the question's stage (never its id or diagnosis);
    each stage's findings as a list, or as a table."""
    from mmn_ddx.documents.cases import findings_list
    from mmn_ddx.documents.model import Table
    from mmn_ddx.model import paragraphs

    case = item.case
    if case is None:
        return []
    blocks: list = [Paragraph(case.title, label="Case:", style="strong")]
    for number in range(item.question.stage + 1):
        stage = case.stages[number]
        blocks.append(Paragraph(f"{number + 1}. {stage.name.capitalize()}", style="strong"))
        blocks += [Paragraph(p) for p in paragraphs(stage.narrative)]
        if stage.findings and findings_table:
            blocks.append(Table(["Finding", "Value"], [[vocab.label(f), vocab.show(f, v)] for f, v in stage.findings.items()]))
        elif stage.findings:
            blocks.append(findings_list(stage.findings, vocab))
    return blocks


def quiz_paper(paper, vocab, student: str | None = None) -> Document:
    """A student's printable paper: each question on its own page, with the case so far and boxes to
    tick, and no answers. The seed is printed, so the answers can be graded with the same paper."""
    from mmn_ddx.documents.model import NameLine, Question, Questions

    quiz = paper.quiz
    header: list = [Paragraph(student, label="Student:", style="strong")] if student else [NameLine()]
    if quiz.description:
        header.append(Paragraph(quiz.description))
    header.append(Paragraph("Tick one box for each question. Each question is on a page of its own and shows the "
                            "case as far as the question needs it.", style="instructions"))
    sections = []
    for item in paper.items:
        options = [Option(item.letter(o), o.label) for o in item.options]
        blocks = case_context(item, vocab) + [Questions([Question(item.prompt, "options", options)], start=item.number)]
        sections.append(Section(f"Question {item.number} of {len(paper.items)}", blocks, f"question-{item.number}",
                                "question", break_before=item.number > 1))
    meta = f"{questions_text(len(paper.items))} · {seed_text(paper.seed)} · {paper.fingerprint}"
    title = f"{quiz.title}" + (f" ({student})" if student else "")
    return Document("paper", title, quiz.title, meta=meta, header=header, sections=sections)

