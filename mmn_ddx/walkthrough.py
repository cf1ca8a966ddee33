"""A case walkthrough as plain data: stage by stage, the learner's calls, and how they compare.

The command line drives the prompts (click) and the drawing (rich); everything it shows comes from
here, so a scripted run (`--answers`, `--json`) and a live one cannot disagree.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from mmn_ddx.assessment import DEFAULT_PRIOR, Assessor, bedside_misleads, to_json
from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.model import Assessment, Case

CALL_WORDS = {
    "mmn": ("mmn", "m", "multifocal", "multifocal motor neuropathy", "neuropathy"),
    "als": ("als", "a", "mnd", "motor neuron disease", "amyotrophic lateral sclerosis"),
    "undecided": ("undecided", "u", "und", "unsure", "not sure", "don't know", "dont know", "dk"),
}
WHAT_IF = ("?", "what if", "what-if", "whatif")
SKIP = ("", "-", "skip", "none", "s")


@dataclass
class Call:
    leaning: str
    confidence: int | None = None  # percent, when the learner gives one


def parse_call(text: str) -> Call | str:
    """A learner's call ('mmn', 'a 70', 'undecided'…), '?' for what-if, or an error message."""
    raw = " ".join(str(text).strip().lower().split())
    if raw in WHAT_IF:
        return "?"
    match = re.match(r"^(.*?)(?:\s+(\d{1,3}(?:\.\d+)?)\s*%?)?$", raw)
    words, number = (match.group(1), match.group(2)) if match else (raw, None)
    for leaning, forms in CALL_WORDS.items():
        if words in forms:
            confidence = None
            if number is not None:
                value = float(number)
                value = value * 100 if value <= 1 and "." in number else value
                if not 0 <= value <= 100:
                    return "A confidence is a percentage from 0 to 100, e.g. 'mmn 70'."
                confidence = round(value)
            return Call(leaning, confidence)
    return "Answer mmn, als or undecided (m, a, u), optionally with a confidence such as 'mmn 70'; '?' shows what would change the leaning."


@dataclass
class Investigation:
    finding: str
    swing: float


@dataclass
class InvestigationFeedback:
    chosen: str
    chosen_swing: float
    best: str
    best_swing: float

    @property
    def share_of_best(self) -> float:
        return self.chosen_swing / self.best_swing if self.best_swing else 1.0


@dataclass
class Step:
    index: int  # 0-based
    name: str
    narrative: str
    new_findings: dict
    assessment: Assessment
    previous_p: float
    newly_fired: list  # rule ids that fired at this stage
    last: bool


@dataclass
class StageRecord:
    stage: str
    engine: str
    p_mmn: float
    call: Call | None = None
    investigation: InvestigationFeedback | None = None
    note: str | None = None  # a teaching point for the end report (bedside_misleads), shown after the reveal

    @property
    def agrees(self) -> bool | None:
        return None if self.call is None else self.call.leaning == self.engine


@dataclass
class Walkthrough:
    case: Case
    assessor: Assessor
    prior: float = DEFAULT_PRIOR
    records: list = field(default_factory=list)

    def steps(self):
        previous_p = self.prior
        previous_fired: set = set()
        for index, stage in enumerate(self.case.stages):
            a = self.assessor.assess_case(self.case, index + 1, self.prior)
            fired = {e.rule.id for e in a.evidence + a.shared} | {f.rule.id for e in a.evidence for f in e.folded}
            newly = [key for key, truth, _ in a.trace if truth is True and key in fired and key not in previous_fired]
            self.records.append(StageRecord(stage.name, a.leaning, a.p_mmn,
                                            note=bedside_misleads(a, self.case.diagnosis, self.assessor.book.vocabulary)))
            yield Step(index, stage.name, stage.narrative, dict(stage.findings), a, previous_p, newly,
                       index == len(self.case.stages) - 1)
            previous_p, previous_fired = a.p_mmn, fired

    def record_call(self, step: Step, call: Call) -> None:
        self.records[step.index].call = call

    def investigations(self, step: Step) -> list[Investigation]:
        """Still-unknown findings a learner could order next, most informative first."""
        a = step.assessment
        fired = {e.rule.id for e in a.evidence + a.shared} | {f.rule.id for e in a.evidence for f in e.folded}
        options = []
        for finding in self.assessor.candidates():
            if finding in a.findings:
                continue
            swing, _ = self.assessor.informativeness(a.findings, fired, finding, self.prior, a.p_mmn)
            options.append(Investigation(finding, swing))
        options.sort(key=lambda o: (-o.swing, o.finding))
        return options

    def grade_investigation(self, step: Step, finding: str) -> InvestigationFeedback:
        options = self.investigations(step)
        by_id = {o.finding: o for o in options}
        vocab = self.assessor.book.vocabulary
        if finding not in vocab or finding in step.assessment.findings:
            raise InputError(Problem(None, None, f"'{finding}' is not among the findings still unknown at this stage.",
                                     did_you_mean(finding, by_id)))
        best = options[0] if options else Investigation(finding, 0.0)
        # A finding no rule weighs cannot move the probability at all.
        chosen_swing = by_id[finding].swing if finding in by_id else 0.0
        feedback = InvestigationFeedback(finding, chosen_swing, best.finding, best.swing)
        self.records[step.index].investigation = feedback
        return feedback

    def resolve_investigation(self, step: Step, text: str, shown: list[Investigation]) -> str | None:
        """A menu number, an identifier or a label typed by the learner, as a finding id."""
        raw = text.strip()
        if raw.isdigit() and 1 <= int(raw) <= len(shown):
            return shown[int(raw) - 1].finding
        vocab = self.assessor.book.vocabulary
        unknown = [spec.id for spec in vocab if spec.id not in step.assessment.findings]
        lowered = raw.lower().replace(" ", "_")
        for finding in unknown:
            if lowered in (finding, vocab.label(finding).lower().replace(" ", "_")):
                return finding
        return None

    def summary(self) -> dict:
        made = [r for r in self.records if r.call is not None]
        return {
            "case": self.case.id,
            "diagnosis": self.case.diagnosis,
            "stages_seen": len(self.records),
            "stages": len(self.case.stages),
            "calls": len(made),
            "agreed_with_engine": sum(1 for r in made if r.agrees),
            "final_call": made[-1].call.leaning if made else None,
            "final_engine": self.records[-1].engine if self.records else None,
        }


def pick_case(cases: Mapping[str, Path], seed: int | None, difficulty: int | None, diagnosis: str | None) -> Path:
    """A case chosen at random from the library (repeatably with a seed), after the filters."""
    from mmn_ddx.cases import load_case

    pool = []
    for case_id, path in sorted(cases.items()):
        case = load_case(path)
        if difficulty is not None and case.difficulty != difficulty:
            continue
        if diagnosis is not None and not _diagnosis_matches(case.diagnosis, diagnosis):
            continue
        pool.append(path)
    if not pool:
        raise InputError(Problem(None, None, "no bundled case matches those filters.", "Run 'mmn-ddx cases' to see the library."))
    return random.Random(seed).choice(pool)


def _diagnosis_matches(diagnosis: str | None, wanted: str) -> bool:
    if wanted == "mimic":
        return diagnosis not in ("mmn", "als")
    return diagnosis == wanted


@hint_budget
def load_answers(path: str, case: Case, vocab=None) -> dict:
    """An answers file: stage (name or number) -> a call, or {call, confidence, investigate}.

    Everything is checked before the walk starts, so a scripted run never stops half-way.
    """
    from mmn_ddx.vocabulary import vocabulary
    from mmn_ddx.safetext import shorten
    from mmn_ddx.yamlio import line_of, load_yaml_file

    vocab = vocab or vocabulary()
    data = load_yaml_file(path)
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise InputError(Problem(path, line_of(data) or 1, "an answers file is a mapping of stage: answer.",
                                 "E.g. 'history: mmn' or 'examination: {call: als, confidence: 70, investigate: conduction_block}'."))
    names = [s.name for s in case.stages]
    answers: dict[int, dict] = {}
    seen_at: dict[int, Any] = {}
    for key, value in data.items():
        line = line_of(data, key)
        text = str(key)
        index = int(text) - 1 if text.isdigit() else names.index(text) if text in names else None
        if index is None or not 0 <= index < len(names):
            problems.append(Problem(path, line, f"case '{case.id}' has no stage '{key}'.", did_you_mean(text, names) or f"Its stages: {', '.join(names)}."))
            continue
        if index in seen_at:
            problems.append(Problem(path, line, f"stage '{names[index]}' is answered twice (also as '{seen_at[index]}').", "Keep one answer per stage."))
            continue
        seen_at[index] = key
        entry = value if isinstance(value, Mapping) else {"call": value}
        for field_name in entry:
            if field_name not in ("call", "confidence", "investigate"):
                problems.append(Problem(path, line_of(entry, field_name) or line, f"'{field_name}' is not part of an answer.", did_you_mean(field_name, ("call", "confidence", "investigate"))))
        answer: dict[str, Any] = {}
        where = f"stage '{names[index]}'"
        if "call" not in entry and "confidence" in entry:
            problems.append(Problem(path, line, f"{where} gives a confidence but no call.", "Add 'call: mmn' (or als, undecided)."))
        if "call" in entry:
            raw = entry["call"]
            parsed = parse_call(str(raw)) if isinstance(raw, str) else None
            if not isinstance(parsed, Call):
                problems.append(Problem(path, line_of(entry, "call") or line, f"{where}: the call {shorten(raw)!r} is not mmn, als or undecided.",
                                        "Write mmn, als or undecided (m, a, u); '?' works only at the live prompt."))
            else:
                confidence = entry.get("confidence")
                if confidence is not None:
                    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 100:
                        problems.append(Problem(path, line_of(entry, "confidence") or line,
                                                f"{where}: confidence {confidence!r} is not a percentage from 0 to 100.", "E.g. 'confidence: 70'."))
                    else:
                        parsed = Call(parsed.leaning, round(confidence))
                answer["call"] = parsed
        if entry.get("investigate") is not None:
            finding = entry["investigate"]
            finding_line = line_of(entry, "investigate") or line
            disclosed = case.findings_through(index + 1)
            if not isinstance(finding, str) or finding not in vocab:
                problems.append(Problem(path, finding_line, f"{where}: 'investigate' must be a finding identifier, not {finding!r}.",
                                        did_you_mean(finding, vocab.specs) or "See 'mmn-ddx findings' (menu numbers change from case to case)."))
            elif finding in disclosed:
                problems.append(Problem(path, finding_line, f"{where}: '{finding}' is already known by then, so there is nothing to ask for.",
                                        "Choose a finding the case has not disclosed yet."))
            else:
                answer["investigate"] = finding
        answers[index] = answer
    if problems:
        raise InputError(problems)
    return answers


def step_event(step: Step) -> dict:
    return {
        "event": "stage", "case": step.assessment.case_id, "stage": step.name, "number": step.index + 1,
        "narrative": step.narrative, "new_findings": {k: list(v) if isinstance(v, tuple) else v for k, v in step.new_findings.items()},
    }


def engine_event(step: Step) -> dict:
    data = to_json(step.assessment)
    return {"event": "engine", "stage": step.name, "previous_p_mmn": round(step.previous_p, 4),
            "newly_fired": step.newly_fired, "assessment": data}


def call_event(step: Step, call: Call) -> dict:
    return {"event": "call", "stage": step.name, "call": call.leaning, "confidence": call.confidence,
            "engine": step.assessment.leaning, "agrees": call.leaning == step.assessment.leaning}


def investigation_event(step: Step, feedback: InvestigationFeedback) -> dict:
    return {"event": "investigation", "stage": step.name, "chosen": feedback.chosen,
            "chosen_swing": round(feedback.chosen_swing, 4), "best": feedback.best,
            "best_swing": round(feedback.best_swing, 4)}


def end_event(walk: Walkthrough, interrupted: bool = False) -> dict:
    return {"event": "interrupted" if interrupted else "end", **walk.summary(),
            "teaching_points": list(walk.case.teaching_points) if not interrupted else [],
            "report": [{"stage": r.stage, "engine": r.engine, "p_mmn": round(r.p_mmn, 4),
                        "call": r.call.leaning if r.call else None,
                        "confidence": r.call.confidence if r.call else None,
                        "investigation": r.investigation.chosen if r.investigation else None}
                       for r in walk.records]}
