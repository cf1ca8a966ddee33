"""Case documents: the handout for learners (stages, questions, space for answers) and its answer key.

The handout never shows what would give the case away: not the diagnosis, the engine's view, the
teaching points, the source (it often names the disease) or the case id (it starts with the
diagnosis). The answer key, printed separately, shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmn_ddx.assessment import DEFAULT_PRIOR, LEAN_ALS_AT, LEAN_MMN_AT, LEANING_WORDS, bedside_misleads, check_prior, headline, p_equals, show_p
from mmn_ddx.documents.model import (Bar, Document, EvidenceItem, EvidenceList, Heading, Item, ItemList, NameLine, Paragraph,
                                     Question, Questions, Section, Table)
from mmn_ddx.model import Assessment, Case, Evidence, paragraphs

QUESTION_LEAN = "Where does the case lean now: MMN, ALS, or undecided? How sure are you?"
QUESTION_WEIGH = "Which findings so far point toward MMN, which toward ALS, and which are shared by both?"
QUESTION_NEXT = "What would you ask for or order next, and why?"
QUESTION_DIAGNOSIS = "What is your diagnosis?"
QUESTION_CONSIDER = "Which other conditions would you consider, and what would tell them apart?"
QUESTION_CRITERIA = "Which formal criteria does the case meet, and in which category?"


# ----------------------------------------------------------------------------- what the pages say
@dataclass
class StageKey:
    """One stage of the answer key: the engine's view, and what is new in it."""

    number: int
    name: str
    assessment: Assessment
    previous_p: float
    new_ids: set = field(default_factory=set)  # rules that fired first at this stage
    new_conditions: list = field(default_factory=list)  # Consideration raised first at this stage

    @property
    def new_evidence(self) -> list[Evidence]:
        return [e for e in self.assessment.evidence if e.rule.id in self.new_ids]

    @property
    def carried_evidence(self) -> list[Evidence]:
        return [e for e in self.assessment.evidence if e.rule.id not in self.new_ids]

    @property
    def new_shared(self) -> list[Evidence]:
        return [e for e in self.assessment.shared if e.rule.id in self.new_ids]


def stage_keys(case: Case, library, prior: float = DEFAULT_PRIOR, engine: str = "durable") -> list[StageKey]:
    """The engine's assessment after each stage, and which rules and red flags each stage added."""
    judge = library.assessor(engine)
    keys: list[StageKey] = []
    seen_rules: set = set()
    seen_conditions: set = set()
    previous_p = prior
    for number, stage in enumerate(case.stages, 1):
        a = judge.assess_case(case, number, prior)
        fired = a.fired_rules()
        new_conditions = [c for c in a.consider if c.condition not in seen_conditions]
        keys.append(StageKey(number, stage.name, a, previous_p, fired - seen_rules, new_conditions))
        seen_rules |= fired
        seen_conditions |= {c.condition for c in a.consider}
        previous_p = a.p_mmn
    return keys


def difficulty_text(case: Case) -> str:
    return f"difficulty {case.difficulty} of 3" if case.difficulty else "difficulty not given"


def stage_title(stage) -> str:
    """'Examination', or 'Review (follow-up, 14 months after onset)'."""
    return stage.name.capitalize() + (f" (follow-up, {stage.when})" if stage.follow_up else "")


def findings_list(findings: dict, vocab) -> ItemList:
    return ItemList([Item(vocab.show(f, v), label=f"{vocab.label(f)}:") for f, v in findings.items()], style="findings")


def instructions() -> str:
    return ("Read one stage at a time and answer its questions before you read on. Mark your call on the "
            f"bar: MMN on the left, ALS on the right; the dashed marks are P(MMN) = {LEAN_MMN_AT:.2f} and "
            f"{LEAN_ALS_AT:.2f}, where a leaning is named.")


def stage_questions(last: bool) -> list[str]:
    return [QUESTION_LEAN, QUESTION_WEIGH] + ([] if last else [QUESTION_NEXT])


def final_questions(library) -> list[str]:
    titles = "; ".join(criterion_set.title for criterion_set in library.criteria)
    return [QUESTION_DIAGNOSIS, QUESTION_CONSIDER, f"{QUESTION_CRITERIA} ({titles})"]


def _changes(stage, vocab, key: bool = False) -> list:
    """What a follow-up changed; in the answer key, with the teaching point of the change."""
    blocks: list = []
    if stage.changes:
        blocks += [Heading("Changed since the earlier visit"), ItemList([Item(vocab.show_change(c)) for c in stage.changes])]
    if key and stage.teaching_point:
        blocks.append(Paragraph(stage.teaching_point, label="What the change teaches:", style="verdict"))
    return blocks


def _evidence_item(e: Evidence, vocab) -> EvidenceItem:
    rule = e.rule
    folded = ""
    if e.folded:
        folded = (f"Also fired, counted once through this rule (same family ‘{rule.family or ''}’, one fact): "
                  f"{', '.join(f.rule.title for f in e.folded)}.")
    found = "; ".join(f"{vocab.label(k)}: {vocab.show(k, v)}" for k, v in e.findings.items())
    return EvidenceItem(rule.title, rule.id, rule.toward, rule.ratio_words(long=True), found, rule.explanation, folded, list(rule.sources))


def _stage_notes(a, case, vocab) -> list[str]:
    """What the answer key says beside the engine's verdict: the mimic to exclude first, and a
    bedside picture that leans away from the case's own diagnosis (a teaching point, not a fault)."""
    notes = [headline(a)] if a.consider and a.consider[0].leads else []
    misleads = bedside_misleads(a, case.diagnosis, vocab)
    return notes + ([misleads] if misleads else [])


# ----------------------------------------------------------------------------- the builders
def case_handout(case: Case, library) -> Document:
    """The printable case for learners: stages, findings, questions and space for answers."""
    vocab = library.vocabulary
    total = len(case.stages)
    sections = []
    for number, stage in enumerate(case.stages, 1):
        blocks: list = [Paragraph(p) for p in paragraphs(stage.narrative)]
        blocks += _changes(stage, vocab)
        if stage.unchanged_findings:
            blocks += [Heading("Findings disclosed at this stage"), findings_list(stage.unchanged_findings, vocab)]
        asked = [Question(q, "lean" if q == QUESTION_LEAN else "lines") for q in stage_questions(number == total)]
        blocks += [Heading("Questions"), Questions(asked)]
        sections.append(Section(f"Stage {number} of {total}: {stage_title(stage)}", blocks, f"stage-{number}", "stage",
                                break_before=number > 1))
    sections.append(Section("Your conclusion", [Questions([Question(q) for q in final_questions(library)])],
                            css="conclusion", break_before=True))
    return Document("handout", f"{case.title} (case handout)", case.title,
                    meta=f"Case handout · {difficulty_text(case)} · {total} stages",
                    header=[NameLine(), Paragraph(instructions(), style="instructions")], sections=sections)


def case_answer_key(case: Case, library, prior: float | None = None, engine: str = "durable") -> Document:
    """The answer key: the diagnosis, the engine's view at every stage with the evidence that fired,
    its explanations and sources, the criteria categories and the teaching points."""
    vocab = library.vocabulary
    keys = stage_keys(case, library, check_prior(DEFAULT_PRIOR if prior is None else prior), engine)
    final = keys[-1].assessment
    total = len(keys)
    header: list = [Paragraph(f"Diagnosis: {vocab.diagnosis_label(case.diagnosis)}", style="diagnosis")]
    if case.source:
        header.append(Paragraph(case.source, label="Source:", style="small"))
    sections = [_stage_key_section(case, key, total, vocab) for key in keys]
    end: list = []
    if final.criteria_detail:
        end.append(Table(["Criteria", "Category"], [[d["title"], d["category"].replace("_", " ")]
                                                     for d in final.criteria_detail.values()]))
    else:
        end.append(Paragraph("No formal criteria were judged."))
    end += [Paragraph(note, label="Teaching moment:") for note in final.disagreement]
    sections.append(Section("Formal criteria after the last stage", end, css="conclusion"))
    if final.consider:
        because = [", ".join(vocab.label(f) for f in c.because) for c in final.consider]
        sections.append(Section("Conditions to consider", [ItemList(
            [Item(f"{vocab.diagnosis_label(c.condition)} (because of {why})") for c, why in zip(final.consider, because)])]))
    if case.teaching_points:
        sections.append(Section("Teaching points", [ItemList([Item(p) for p in case.teaching_points])]))
    return Document("answer-key", f"{case.title} (answer key)", f"Answer key: {case.title}",
                    meta=(f"Case {case.id} · {difficulty_text(case)} · prior P(MMN) = {final.prior:.2f} · "
                          "keep apart from the handout"),
                    header=header, sections=sections)


def _stage_key_section(case: Case, key: StageKey, total: int, vocab) -> Section:
    a = key.assessment
    stage = case.stages[key.number - 1]
    blocks: list = _changes(stage, vocab, key=True)
    blocks.append(Paragraph(f"The engine: {LEANING_WORDS[a.leaning]}, {p_equals(a.p_mmn)} "
                            f"(before this stage {show_p(key.previous_p)}).", style="verdict"))
    blocks += [Paragraph(note, style="strong") for note in _stage_notes(a, case, vocab)]
    blocks.append(Bar(a.p_mmn, p_equals(a.p_mmn)))
    if key.new_evidence:
        blocks += [Heading("Evidence that fired at this stage"), EvidenceList([_evidence_item(e, vocab) for e in key.new_evidence])]
    if key.carried_evidence:
        carried = "; ".join(f"{e.rule.title} ({e.rule.ratio_words(long=True)})" for e in key.carried_evidence)
        blocks.append(Paragraph(carried, label="Still counted from earlier stages:", style="small"))
    blocks += [Paragraph(f"{f.rule.title} also fired; it is counted once through {e.rule.title}.", style="note")
               for e in key.carried_evidence for f in e.folded if f.rule.id in key.new_ids]
    if key.new_shared:
        blocks += [Heading("Shared features: they raise the question, they do not answer it"),
                   ItemList([Item(e.rule.explanation, label=f"{e.rule.title}:") for e in key.new_shared])]
    if key.new_conditions:
        items = [Item(f"because of {', '.join(vocab.label(f) for f in c.because)}: {c.rules[0].why}",
                      label=f"{vocab.diagnosis_label(c.condition)},") for c in key.new_conditions]
        blocks += [Heading("Consider also"), ItemList(items)]
    if a.next_best and key.number < total:
        blocks += [Heading("What to ask for next (the engine’s answer)"), ItemList([Item(n.why) for n in a.next_best])]
    blocks += [Paragraph(f"Note: {w}", style="note") for w in a.warnings]
    return Section(f"Stage {key.number} of {total}: {stage_title(stage)}", blocks, f"stage-{key.number}", "stage")
