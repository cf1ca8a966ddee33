"""A case walkthrough as plain data: stage by stage, the learner's calls, and how they compare.

The command line drives the prompts (click) and the drawing (rich); everything it shows comes from
here, so a scripted run (`--answers`, `--json`) and a live one cannot disagree.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from mmn_ddx.assessment import DEFAULT_PRIOR, Assessor, bedside_misleads, finding_change_json, to_json
from mmn_ddx.cases import case_matches
from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.model import Assessment, Case
from mmn_ddx.safetext import shorten

UNDECIDED = "undecided"
UNDECIDED_WORDS = ("undecided", "u", "und", "unsure", "not sure", "don't know", "dont know", "dk")
# Short names a learner types for a diagnosis, beside its id, its label and the abbreviation in
# the label's brackets (which are derived from the vocabulary, so a new condition gets them free).
ALIASES = {
    "mmn": ("m", "multifocal", "multifocal motor neuropathy"),
    "als": ("a", "mnd", "motor neuron disease", "motor neurone disease", "amyotrophic lateral sclerosis"),
    "lewis_sumner_syndrome": ("lss", "lewis-sumner", "lewis sumner", "mads", "madsam"),
    "hirayama_disease": ("hirayama",),
    "kennedy_disease": ("kennedy", "sbma"),
    "cervical_myeloradiculopathy": ("myeloradiculopathy", "csm", "cervical spondylosis"),
    "inclusion_body_myositis": ("ibm",),
    "post_polio_syndrome": ("pps", "post-polio", "post polio"),
    "adult_spinal_muscular_atrophy": ("sma", "adult sma"),
    "benign_fasciculation_syndrome": ("bfs", "benign fasciculations"),
    "neuralgic_amyotrophy": ("parsonage-turner", "parsonage turner"),
    "progressive_muscular_atrophy": ("pma",),
    "multifocal_acquired_motor_axonopathy": ("mama",),
}
WHAT_IF = ("?", "what if", "what-if", "whatif")
# The score (README, "Walkthrough scores"): the Brier score over the whole differential.
SCORING_RULE = "brier"
SCORING_ABOUT = ("Brier score: the sum over every diagnosis of (your probability − what turned out)², "
                 "1 for the true diagnosis and 0 for the others; 0 is perfect, 2 is certain and wrong, lower is better.")
# Your P(MMN) against the engine's (on the MMN-versus-ALS axis the engine weighs): closer than this
# is "in step with the evidence". A teaching choice, not a clinical figure: learners state
# probabilities in rough steps (0.6, 0.75), and a smaller difference is not worth a comment.
IN_STEP = 0.15


@dataclass
class Call:
    """A learner's differential at one stage."""

    leaning: str  # the leading diagnosis id, or 'undecided' (no single leader)
    confidence: int | None = None  # percent the learner gave the leading diagnosis, when they gave one
    distribution: dict = field(default_factory=dict)  # diagnosis id -> probability, summing to 1

    def __post_init__(self):
        if not self.distribution:
            if self.leaning == UNDECIDED:
                self.distribution = {"mmn": 0.5, "als": 0.5}
            else:
                share = 1.0 if self.confidence is None else self.confidence / 100
                # one name: the rest goes to MMN or ALS, whichever it is not, so no list of diagnoses is needed
                self.distribution = complete_distribution({self.leaning: share}, [], {})


def diagnosis_words(diagnoses: Mapping[str, str]) -> dict[str, str]:
    """Every word a learner may type for a diagnosis -> its id."""
    words: dict[str, str] = {}
    for diagnosis, label in diagnoses.items():
        forms = [diagnosis, diagnosis.replace("_", " "), diagnosis.replace("_", "-"), label.lower()]
        plain = re.sub(r"\s*\(.*?\)", "", label).strip().lower()
        forms.append(plain)
        for inside in re.findall(r"\(([^)]*)\)", label):
            if len(inside) <= 12:
                forms.append(inside.lower())
        forms.extend(ALIASES.get(diagnosis, ()))
        for form in forms:
            words.setdefault(" ".join(form.split()), diagnosis)
    return words


def resolve_diagnosis(word: str, words: Mapping[str, str]) -> str | None:
    """A typed name (id, label, abbreviation or unambiguous beginning of one) -> a diagnosis id.
    `words`: diagnosis_words of the diagnoses one may name."""
    text = " ".join(word.strip().lower().split())
    if text in words:
        return words[text]
    if len(text) >= 3:
        starts = {d for form, d in words.items() if form.startswith(text)}
        if len(starts) == 1:
            return starts.pop()
    return None


def complete_distribution(given: Mapping[str, float], unnumbered: list, diagnoses: Mapping[str, str]) -> dict:
    """Fill in what the learner left unassigned (README, "Walkthrough scores").

    Named diagnoses without a number share what the numbers leave over. When every name has a
    number, the rest goes to MMN and ALS, whichever of the two was not named (the walk weighs
    one against the other); when both were named, to the conditions not named.
    """
    out = {k: float(v) for k, v in given.items()}
    rest = max(0.0, 1.0 - sum(out.values()))
    if unnumbered:
        for name in unnumbered:
            out[name] = rest / len(unnumbered)
        return out
    if rest > 1e-9:
        others = [d for d in ("mmn", "als") if d not in out]
        if not others:
            others = [d for d in diagnoses if d not in out]
        for name in others:
            out[name] = out.get(name, 0.0) + rest / len(others)
    return out


def _percent(number: float) -> float:
    """A probability as typed: a fraction up to 1 (0.6), a percentage above (60)."""
    return number * 100 if number <= 1 else number


def build_call(parts: list[tuple[str, Any]], diagnoses: Mapping[str, str]) -> Call | str:
    """A call from (name, probability or None) pairs, or a message saying what is wrong."""
    given: dict[str, float] = {}
    unnumbered: list[str] = []
    words = diagnosis_words(diagnoses)
    for name, number in parts:
        diagnosis = resolve_diagnosis(str(name), words)
        if diagnosis is None:
            if " ".join(str(name).lower().split()) in UNDECIDED_WORDS:
                return "'undecided' stands alone; in a differential give each diagnosis a probability instead, e.g. 'mmn 0.5, als 0.5'."
            hint = did_you_mean(str(name).lower(), list(words), list_few=False)
            return (f"'{shorten(str(name), 60)}' is not a diagnosis on the list. {hint + ' ' if hint else ''}"
                    "Answer with a diagnosis ('mmn', 'als', 'cidp' …), a differential ('mmn 0.6, als 0.3, cidp 0.1') "
                    "or 'undecided'; 'list' shows the names.")
        if diagnosis in given or diagnosis in unnumbered:
            return f"'{diagnosis}' is named twice; give each diagnosis once."
        if number is None:
            unnumbered.append(diagnosis)
            continue
        if isinstance(number, str):
            number = float(number)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number != number:
            return f"the probability of '{diagnosis}' must be a number, not {shorten(number, 60)}."
        number = _percent(number)
        if not 0 <= number <= 100:
            return f"the probability of '{diagnosis}' is {number:g}; give a percentage from 0 to 100 or a fraction from 0 to 1."
        given[diagnosis] = number / 100
    total = sum(given.values())
    if total > 1.005:
        return f"the probabilities add up to {total:.2f}; they may add up to at most 1 (100 %)."
    if total < 0.995 and unnumbered == [] and not given:
        return "name at least one diagnosis."
    distribution = complete_distribution(given, unnumbered, diagnoses)
    top = max(distribution.values())
    leaders = [k for k, p in distribution.items() if abs(p - top) < 1e-9]
    leading = leaders[0] if len(leaders) == 1 else UNDECIDED
    confidence = round(given[leading] * 100) if leading in given else None
    return Call(leading, confidence, distribution)


CALL_HELP = ("Name a diagnosis ('mmn', 'als', 'cidp' …, optionally with a probability: 'mmn 70'), a differential "
             "('mmn 0.6, als 0.3, cidp 0.1') or 'undecided'; 'list' shows the names.")


_PROBABILITY = re.compile(r"(?:\d{1,3}(?:\.\d+)?|\.\d+)%?")
_ODD_NUMBER = re.compile(r"^(.*?\S)(?:\s+|\s*[:=]\s*)([-+]?\.?\d\S*)$")  # a diagnosis, then what looks like a number


def parse_call(text: str, diagnoses: Mapping[str, str]) -> Call | str:
    """A learner's call ('mmn', 'a 70', 'mmn 0.6, als 0.3, cidp 0.1', 'undecided'), '?' for
    what-if, 'list' for the names, or an error message. `diagnoses`: id -> label, those one may name."""
    raw = " ".join(str(text).strip().lower().split())
    if raw in WHAT_IF:
        return "?"
    if raw in ("list", "l", "names"):
        return "list"
    if raw in UNDECIDED_WORDS:
        return Call(UNDECIDED)
    if not raw:
        return CALL_HELP
    parts = []
    for piece in re.split(r"[,;]", raw):
        piece = piece.strip()
        if not piece:
            continue
        odd = _ODD_NUMBER.match(piece)
        if odd and not _PROBABILITY.fullmatch(odd.group(2)):
            # '-5' or '1e309' would otherwise lose a character to the name ('mmn -', 'mmn 1e')
            return (f"'{shorten(odd.group(2), 30)}' is not a probability for '{shorten(odd.group(1), 30)}': give a fraction "
                    "from 0 to 1 ('mmn 0.7') or a percentage from 0 to 100 ('mmn 70').")
        match = re.match(r"^(.*?)(?:\s*[:=]?\s*(\d{1,3}(?:\.\d+)?|\.\d+)\s*%?)?$", piece)
        name, number = (match.group(1), match.group(2)) if match else (piece, None)
        if not name:
            return f"'{shorten(piece, 60)}' gives a number without a diagnosis. {CALL_HELP}"
        parts.append((name, number))
    return build_call(parts, diagnoses)


def brier(distribution: Mapping[str, float], truth: str, diagnoses) -> float:
    """The Brier score of a distribution over every diagnosis against the true one (0 best, 2 worst)."""
    return sum((distribution.get(d, 0.0) - (1.0 if d == truth else 0.0)) ** 2 for d in diagnoses)


@dataclass
class EngineComparison:
    """The learner's P(MMN) (within MMN versus ALS) against the engine's at the same stage."""

    yours: float | None  # None when the learner gave MMN and ALS nothing
    engine: float
    brier: float | None  # 2·(yours − engine)²: the Brier score with the engine's view taken as the truth
    verdict: str  # in_step, more_certain, less_certain, other_way, other_conditions


def agrees_with_engine(call: Call, engine_leaning: str) -> bool:
    """Whether a call leans where the engine does. The engine's 'undecided' lies between MMN and ALS;
    a call undecided between other conditions ('cidp, kennedy') does not agree with it."""
    if call.leaning != engine_leaning:
        return False
    if call.leaning != UNDECIDED:
        return True
    top = max(call.distribution.values())
    return {d for d, p in call.distribution.items() if abs(p - top) < 1e-9} == {"mmn", "als"}


def compare_with_engine(call: Call, p_mmn: float) -> EngineComparison:
    mmn, als = call.distribution.get("mmn", 0.0), call.distribution.get("als", 0.0)
    if mmn + als <= 1e-9:
        return EngineComparison(None, p_mmn, None, "other_conditions")
    yours = mmn / (mmn + als)
    if abs(yours - p_mmn) < IN_STEP:
        verdict = "in_step"
    elif (yours - 0.5) * (p_mmn - 0.5) < 0:
        verdict = "other_way"
    elif abs(yours - 0.5) > abs(p_mmn - 0.5):
        verdict = "more_certain"
    else:
        verdict = "less_certain"
    return EngineComparison(yours, p_mmn, 2 * (yours - p_mmn) ** 2, verdict)


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
    changes: list = field(default_factory=list)  # explain.Change: what this stage's evidence did, in order
    stage: Any = None  # the case's Stage: follow-up time, changed findings and their teaching point


@dataclass
class StageRecord:
    stage: str
    engine: str
    p_mmn: float
    call: Call | None = None
    investigation: InvestigationFeedback | None = None
    note: str | None = None  # a teaching point for the end report (bedside_misleads), shown after the reveal
    comparison: EngineComparison | None = None  # the call against the engine's P(MMN) at this stage
    brier: float | None = None  # the call against the case's diagnosis: shown only after the reveal

    @property
    def agrees(self) -> bool | None:
        return None if self.call is None else agrees_with_engine(self.call, self.engine)


@dataclass
class Walkthrough:
    case: Case
    assessor: Assessor
    prior: float = DEFAULT_PRIOR
    records: list = field(default_factory=list)

    def steps(self):
        from mmn_ddx.explain import changes

        previous_p = self.prior
        previous_fired: set = set()
        previous = None
        for index, stage in enumerate(self.case.stages):
            a = self.assessor.assess_case(self.case, index + 1, self.prior)
            fired = a.fired_rules()
            newly = [key for key, truth, _ in a.trace if truth is True and key in fired and key not in previous_fired]
            self.records.append(StageRecord(stage.name, a.leaning, a.p_mmn,
                                            note=bedside_misleads(a, self.case.diagnosis, self.assessor.book.vocabulary)))
            yield Step(index, stage.name, stage.narrative, dict(stage.findings), a, previous_p, newly,
                       index == len(self.case.stages) - 1, changes(a, previous, self.assessor.book.families), stage)
            previous_p, previous_fired, previous = a.p_mmn, fired, a

    def record_call(self, step: Step, call: Call) -> EngineComparison:
        """Keep the learner's call; score it against the diagnosis (for the end) and the engine (now)."""
        record = self.records[step.index]
        record.call = call
        record.comparison = compare_with_engine(call, step.assessment.p_mmn)
        if self.case.diagnosis in self.diagnoses:
            record.brier = brier(call.distribution, self.case.diagnosis, self.diagnoses)
        return record.comparison

    @property
    def diagnoses(self) -> dict:
        """Every diagnosis a learner may name: MMN, ALS and the conditions to consider."""
        return self.assessor.book.vocabulary.diagnoses

    def investigations(self, step: Step) -> list[Investigation]:
        """Still-unknown findings a learner could order next, most informative first."""
        a = step.assessment
        fired = a.fired_rules()
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

    def what_if(self, step: Step) -> list:
        """The smallest sets of still-unknown findings that would change the leaning at this stage ('?')."""
        return self.assessor.what_if(step.assessment.findings, self.prior)

    def final_assessment(self) -> Assessment:
        """The whole case assessed, for the end report's criteria and teaching moments."""
        return self.assessor.assess_case(self.case, None, self.prior)

    def summary(self) -> dict:
        made = [r for r in self.records if r.call is not None]
        final = made[-1].call.leaning if made else None
        return {
            "case": self.case.id,
            "diagnosis": self.case.diagnosis,
            "stages_seen": len(self.records),
            "stages": len(self.case.stages),
            "calls": len(made),
            "agreed_with_engine": sum(1 for r in made if r.agrees),
            "final_call": final,
            "final_correct": None if final is None or self.case.diagnosis is None else final == self.case.diagnosis,
            "final_engine": self.records[-1].engine if self.records else None,
            "score": self.score(),
        }

    def score(self) -> dict | None:
        """The calls' Brier scores (SCORING_ABOUT): over the stages, at the last call, and against the engine."""
        made = [r for r in self.records if r.call is not None]
        if not made:
            return None
        truth = [r.brier for r in made if r.brier is not None]
        engine = [r.comparison.brier for r in made if r.comparison and r.comparison.brier is not None]
        return {
            "rule": SCORING_RULE,
            "lower_is_better": True,
            "about": SCORING_ABOUT,
            "overall": _mean(truth),
            "final": round(made[-1].brier, 4) if made[-1].brier is not None else None,
            "against_engine": _mean(engine),
            "stages_scored": len(made),
        }


def _mean(values: list) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def pick_case(library, seed: int | None, difficulty: int | None, diagnosis: str | None) -> Case:
    """A case chosen at random from the library's cases (repeatably with a seed), after the filters."""
    cases = (library.load_case(path) for _, path in sorted(library.cases().items()))
    pool = [case for case in cases if case_matches(case, diagnosis, difficulty)]
    if not pool:
        raise InputError(Problem(None, None, "no bundled case matches those filters.", "Run 'mmn-ddx cases' to see the library."))
    return random.Random(seed).choice(pool)


@hint_budget
def load_answers(path: str, case: Case, vocab) -> dict:
    """An answers file: stage (name or number) -> a call, or {call, confidence, investigate}.

    Everything is checked before the walk starts, so a scripted run never stops half-way.
    """
    from mmn_ddx.yamlio import line_of, load_yaml_file

    diagnoses = vocab.diagnoses
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
            problems.append(Problem(path, line, f"{where} gives a confidence but no call.", "Add 'call: mmn' (or als, undecided, or a condition such as cidp)."))
        if "call" in entry:
            raw = entry["call"]
            call_line = line_of(entry, "call") or line
            if isinstance(raw, Mapping):  # a differential written as a mapping: {mmn: 0.6, als: 0.3, cidp: 0.1}
                parsed = build_call([(str(k), v) for k, v in raw.items()], diagnoses)
            elif isinstance(raw, str):
                parsed = parse_call(raw, diagnoses)
                if parsed in ("?", "list"):
                    parsed = f"'{shorten(raw)}' works only at the live prompt."
            else:
                parsed = f"{shorten(raw)!r} is not a diagnosis."
            if not isinstance(parsed, Call):
                problems.append(Problem(path, call_line, f"{where}: the call {shorten(raw)!r} cannot be read: {parsed}",
                                        "Write a diagnosis id (mmn, als, undecided or a condition such as cidp), optionally with a "
                                        "probability ('mmn 70'), or a differential: 'mmn 0.6, als 0.3, cidp 0.1' "
                                        "(see 'mmn-ddx findings' for the condition ids)."))
            else:
                confidence = entry.get("confidence")
                if confidence is not None:
                    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 100:
                        problems.append(Problem(path, line_of(entry, "confidence") or line,
                                                f"{where}: confidence {confidence!r} is not a percentage from 0 to 100.", "E.g. 'confidence: 70'."))
                    elif len([p for p in parsed.distribution.values() if p > 0]) > 2 or parsed.leaning == UNDECIDED:
                        problems.append(Problem(path, line_of(entry, "confidence") or line,
                                                f"{where}: 'confidence' goes with a single diagnosis; this call is a differential.",
                                                "Give the probabilities inside the call instead, e.g. 'mmn 0.6, als 0.3, cidp 0.1'."))
                    else:
                        parsed = build_call([(parsed.leaning, confidence)], diagnoses)
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
    event = {
        "event": "stage", "case": step.assessment.case_id, "stage": step.name, "number": step.index + 1,
        "narrative": step.narrative, "new_findings": {k: list(v) if isinstance(v, tuple) else v for k, v in step.new_findings.items()},
    }
    if step.stage is not None and step.stage.follow_up:
        # Extras of a follow-up stage (README, "Follow-up stages"); the teaching point waits for the engine event.
        event["follow_up"] = {"months_since_onset": step.stage.months_since_onset,
                              "months_since_previous": step.stage.months_since_previous}
        event["changed_findings"] = [finding_change_json(c) for c in step.stage.changes]
    return event


def engine_event(step: Step) -> dict:
    data = to_json(step.assessment)
    event = {"event": "engine", "stage": step.name, "previous_p_mmn": round(step.previous_p, 4),
             "newly_fired": step.newly_fired, "changes": [change_json(c) for c in step.changes], "assessment": data}
    if step.stage is not None and step.stage.teaching_point:
        event["teaching_point"] = step.stage.teaching_point  # of a follow-up's changed findings
    return event


def change_json(c) -> dict:
    """One line of 'why it moved' (explain.Change) as JSON."""
    return {"rule": c.rule.id, "kind": c.kind, "toward": c.rule.toward, "family": c.rule.family,
            "likelihood_ratio": round(c.ratio, 3), "log_odds": round(c.log_odds, 4),
            "p_mmn_before": round(c.p_before, 4), "p_mmn_after": round(c.p_after, 4),
            "teaching_point": c.rule.teaching_point, "relative_to": c.into.id if c.into else None}


def call_event(step: Step, call: Call, comparison: EngineComparison) -> dict:
    """The learner's call, and how it stands against the engine (`comparison`, from record_call);
    never against the diagnosis, whose score would give the answer away before the reveal (it
    comes in the end event)."""
    return {"event": "call", "stage": step.name, "call": call.leaning, "confidence": call.confidence,
            "engine": step.assessment.leaning, "agrees": agrees_with_engine(call, step.assessment.leaning),
            "distribution": _rounded(call.distribution), "against_engine": comparison_json(comparison)}


def comparison_json(c: EngineComparison | None) -> dict | None:
    if c is None:
        return None
    return {"your_p_mmn": None if c.yours is None else round(c.yours, 4), "engine_p_mmn": round(c.engine, 4),
            "brier": None if c.brier is None else round(c.brier, 4), "verdict": c.verdict}


def _rounded(distribution: Mapping[str, float]) -> dict:
    return {k: round(v, 4) for k, v in distribution.items() if v > 0}


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
                        "investigation": r.investigation.chosen if r.investigation else None,
                        "distribution": _rounded(r.call.distribution) if r.call else None,
                        "brier": None if r.brier is None else round(r.brier, 4),
                        "against_engine": comparison_json(r.comparison)}
                       for r in walk.records]}
