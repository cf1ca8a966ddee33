"""Moodle XML: a quiz's papers as multichoice questions Moodle (and what reads Moodle XML) imports.

Each question's stem is the case as the question discloses it (the narratives, and each stage's
findings as a table) and the prompt; the options are the paper's, in the paper's order, with
fraction 100 for every option the engine grades right and 0 for the others, and feedback from
the engine's explanation or, for a wrong option, why it is wrong and the rule's teaching point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmn_ddx.documents.quizzes import case_context


@dataclass
class MoodleOption:
    label: str
    fraction: int
    feedback: str


@dataclass
class MoodleQuestion:
    name: str
    idnumber: str
    context: list
    prompt: str
    explanation: str
    teaching_point: str
    options: list[MoodleOption] = field(default_factory=list)


@dataclass
class Variant:
    seed: int | None
    category: str
    questions: list[MoodleQuestion]


def _feedback(item, option, rulebook) -> str:
    if option.value in item.accepted:
        return item.explanation
    why, rule_id = item.wrong_notes.get(option.value, ("", None))
    rule = rulebook.rule(rule_id) if rule_id else None
    point = getattr(rule, "teaching_point", "") or ""
    return " ".join(part for part in (why, f"Teaching point: {point}" if point else "") if part)


def variant(paper, library, several: bool) -> Variant:
    """One paper (one seed) as Moodle questions."""
    quiz = paper.quiz
    # Moodle reads '/' in a category path as a subcategory and '//' as a slash in the name.
    category = quiz.title.replace("/", "//") + (f" / seed {paper.seed}" if several else "")
    questions = []
    for item in paper.items:
        options = [MoodleOption(o.label, 100 if o.value in item.accepted else 0, _feedback(item, o, library.rulebook))
                   for o in item.options]
        name = f"{item.number}. {item.id}" + (f" (seed {paper.seed})" if several else "")
        questions.append(MoodleQuestion(name, item.id, case_context(item, library.vocabulary, findings_table=True), item.prompt, item.explanation,
                                        item.teaching_point or "", options))
    return Variant(paper.seed, category, questions)


def moodle_xml(papers, library, templates=None) -> str:
    """The papers (one per seed) as one Moodle XML file, a category per seed when there are several."""
    from mmn_ddx import DISCLAIMER
    from mmn_ddx.documents.writers import render_template

    several = len(papers) > 1
    return render_template("moodle.xml.j2", templates, variants=[variant(p, library, several) for p in papers],
                           notice=DISCLAIMER)
