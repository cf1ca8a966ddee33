"""The item builders, one per question kind: each asks the engine for the right answer and why,
picks the distractors with a seeded generator, and says why each wrong option is wrong.

A builder returns the parts of an `Item`; a question the engine cannot grade on its case and
stage (no counted evidence for a discriminator question, say) raises an InputError at its line.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any, Callable

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.model import Assessment, Case
from mmn_ddx.quiz.items import Option
from mmn_ddx.quiz.loading import Question, Quiz
from mmn_ddx.vocabulary import show_value

if TYPE_CHECKING:
    from mmn_ddx.library import Library

TIE = 1e-9  # weights and swings closer than this are the same
CLEAR_MARGIN = 0.05  # a next-investigation distractor moves P(MMN) at least this much less than the best
LEANING_LABELS = {"mmn": "MMN", "als": "ALS", "undecided": "undecided"}


class ItemContext:
    """What the item builders share: one compiled engine, the vocabulary, assessments made once."""

    def __init__(self, library: Library, engine: str = "durable"):
        self.assessor = library.assessor(engine)
        self.book = self.assessor.book
        self.vocab = self.book.vocabulary
        self._assessments: dict[tuple[str, int], Assessment] = {}

    def assess(self, case: Case, stage: int) -> Assessment:
        key = (case.id, stage)
        if key not in self._assessments:
            self._assessments[key] = self.assessor.assess_case(case, stage + 1)
        return self._assessments[key]

    def finding_label(self, finding: str, value: Any = None) -> str:
        label = self.vocab.label(finding)
        if value is None:
            return label
        return f"{label}: {self.vocab.show(finding, value)}"

    def condition_label(self, condition: str) -> str:
        return self.vocab.diagnosis_label(condition)


def _first_sentence(text: str) -> str:
    match = re.match(r"^(.+?[.!?])(\s|$)", text.strip())
    return match.group(1) if match else text.strip()


def option_rng(seed: int | None, question_id: str) -> random.Random:
    # A string seed is hashed with SHA-512 by random.seed: the same on every machine and Python.
    return random.Random(f"mmn-ddx/options/{'none' if seed is None else seed}/{question_id}")


def _arrange(right: Option, distractors: list[Option], question: Question, rng: random.Random) -> tuple[Option, ...]:
    options = [right] + distractors
    if question.shuffle:
        rng.shuffle(options)
    return tuple(options)


def _pick(pool: list, count: int, rng: random.Random) -> list:
    """`count` items of a pool sorted beforehand (never set order), chosen by the seeded rng."""
    return rng.sample(pool, min(count, len(pool)))


def _unanswerable(question: Question, quiz: Quiz, message: str, hint: str) -> InputError:
    return InputError(Problem(quiz.path, question.line, f"question '{question.id}': {message}", hint))


def _stage_phrase(question: Question) -> str:
    return f"the {question.case.stages[question.stage].name} stage"


# Leaning questions are not graded on the knife-edge of the tool's own thresholds (0.90 and 0.10):
# within this margin of a threshold both the side and "undecided" are right (README, "Quizzes").
LEANING_MARGIN = 0.05


def _leaning_item(q: Question, a: Assessment, rng, ctx: ItemContext, quiz: Quiz) -> dict:
    from mmn_ddx.assessment import LEAN_ALS_AT, LEAN_MMN_AT, p_equals

    options = {value: Option(value, label) for value, label in LEANING_LABELS.items()}
    right = options[a.leaning]
    if a.leaning == "mmn":
        text = f"The engine leans MMN: {p_equals(a.p_mmn)}, at or above {LEAN_MMN_AT:.2f}."
    elif a.leaning == "als":
        text = f"The engine leans ALS: {p_equals(a.p_mmn)}, at or below {LEAN_ALS_AT:.2f}."
    else:
        text = (f"The engine is undecided: {p_equals(a.p_mmn)}"
                + (f", between {LEAN_ALS_AT:.2f} and {LEAN_MMN_AT:.2f}." if LEAN_ALS_AT < a.p_mmn < LEAN_MMN_AT else "."))
    rule = a.evidence[0].rule if a.evidence else None
    if rule is not None:
        text += (f" The heaviest evidence: {rule.title} (likelihood ratio {rule.likelihood_ratio:.1f} toward "
                 f"{rule.toward.upper()}). {rule.explanation}")
    for warning in a.warnings:
        text += f" {warning}"
    accepted = {right.value}
    settled = any(c.strength == "settles" for c in a.consider)
    for side, threshold in (("mmn", LEAN_MMN_AT), ("als", LEAN_ALS_AT)):
        if not settled and abs(a.p_mmn - threshold) < LEANING_MARGIN:
            accepted |= {side, "undecided"}
            text += (f" P(MMN) is within {LEANING_MARGIN:.2f} of the tool's {threshold:.2f} mark, so "
                     f"'{LEANING_LABELS[side]}' and '{LEANING_LABELS['undecided']}' are both graded right: "
                     "the mark is a convention of this tool, not a fact to learn.")
    distractors = [options[v] for v in LEANING_LABELS if v != a.leaning]
    return dict(
        prompt=q.prompt or f"Through {_stage_phrase(q)}, where does the weighing lean: MMN, ALS, or undecided?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(accepted),
        explanation=text, rule=rule.id if rule else None,
        teaching_point=rule.teaching_point if rule else (q.case.teaching_points[0] if q.case.teaching_points else None),
    )


def _finding_role(a: Assessment, finding: str, ctx: ItemContext) -> tuple[str, str | None]:
    """What the engine made of one disclosed finding: counted, folded, shared, or not weighed."""
    label = ctx.finding_label(finding, a.findings.get(finding))
    for e in a.evidence:
        if finding in e.findings:
            return (f"{label} counts through '{e.rule.title}' (likelihood ratio {e.rule.likelihood_ratio:.1f} "
                    f"toward {e.rule.toward.upper()}), which weighs less.", e.rule.id)
        for folded in e.folded:
            if finding in folded.findings:
                return (f"{label} fired '{folded.rule.title}', folded into '{e.rule.title}' "
                        "(same evidence family, one fact counted once).", folded.rule.id)
    for e in a.shared:
        if finding in e.findings:
            return f"{label} is a shared feature: {e.rule.explanation}", e.rule.id
    return f"No rule weighs {label} at this stage.", None


def _discriminator_item(q: Question, a: Assessment, rng, ctx: ItemContext, quiz: Quiz) -> dict:
    if not a.evidence:
        raise _unanswerable(q, quiz, f"through stage '{q.case.stages[q.stage].name}' no finding of case '{q.case.id}' counts as evidence, "
                            "so there is no most discriminating finding.", "Ask at a later stage.")
    top_weight = max(e.rule.weight for e in a.evidence)
    top = [e for e in a.evidence if abs(e.rule.weight - top_weight) < TIE]
    ties = top + [f for e in a.evidence for f in e.folded if abs(f.rule.weight - top_weight) < TIE]
    accepted = [next(iter(e.findings)) for e in ties if e.findings]
    excluded = {finding for e in ties for finding in e.findings}
    best = top[0]
    right_finding = next(iter(best.findings))
    # Findings some rule weighed (less heavily, folded, or as a shared feature) make the better
    # distractors; one place is kept for a finding no rule weighs, when there is one.
    weighed = {f for e in a.evidence + a.shared for f in e.findings} | {f for e in a.evidence for x in e.folded for f in x.findings}
    tempting = sorted(f for f in a.findings if f not in excluded and f in weighed)
    plain = sorted(f for f in a.findings if f not in excluded and f not in weighed)
    if not tempting and not plain:
        raise _unanswerable(q, quiz, "the case discloses no other finding to offer as an option.", "Ask at a later stage.")
    wanted = q.option_count - 1
    chosen = _pick(tempting, wanted - 1 if plain else wanted, rng)
    chosen += _pick(plain, wanted - len(chosen), rng)
    right = Option(right_finding, ctx.finding_label(right_finding, a.findings[right_finding]))
    distractors = [Option(f, ctx.finding_label(f, a.findings[f])) for f in chosen]
    rule = best.rule
    text = (f"{ctx.finding_label(right_finding, a.findings[right_finding])} carries the most weight: {rule.title}, "
            f"likelihood ratio {rule.likelihood_ratio:.1f}{' (capped)' if rule.capped else ''} toward {rule.toward.upper()}. "
            f"{rule.explanation}")
    others = sorted({ctx.vocab.label(f) for f in accepted if f != right_finding})
    if others:
        text += f" Equally heavy, and also graded right: {', '.join(others)}."
    notes = {option.value: _finding_role(a, option.value, ctx) for option in distractors}
    return dict(
        prompt=q.prompt or f"Of the findings disclosed through {_stage_phrase(q)}, which one discriminates most between MMN and ALS?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(accepted),
        explanation=text, rule=rule.id, teaching_point=rule.teaching_point, wrong_notes=notes,
        labels={f: ctx.finding_label(f, a.findings[f]) for f in accepted},
    )


def _criteria_item(q: Question, a: Assessment, rng, ctx: ItemContext, quiz: Quiz) -> dict:
    from mmn_ddx.formats import CRITERIA_VALUES

    set_id = q.criteria
    detail = a.criteria_detail[set_id]
    value = a.criteria[set_id]
    options = {v: Option(v, v.replace("_", " ")) for v in CRITERIA_VALUES[set_id]}
    right = options[value]
    met = [e["title"] for e in detail["elements"] if e["status"] == "met"]
    failed = [e["title"] for e in detail["elements"] if e["status"] == "failed"]
    unknown = [e["title"] for e in detail["elements"] if e["status"] == "unknown" and e["part"] != "region"]
    text = f"{detail['title']}: {value.replace('_', ' ')}."
    if met:
        text += " Met: " + "; ".join(met) + "."
    if failed:
        text += " Not met: " + "; ".join(failed) + "."
    if unknown:
        text += " Unknown: " + "; ".join(unknown) + "."
    if detail["undecided_categories"]:
        missing = ", ".join(ctx.vocab.label(f) for f in detail["missing_findings"][:6])
        text += f" Undecided between: {', '.join(c.replace('_', ' ') for c in detail['undecided_categories'])}"
        text += f"; missing: {missing}." if missing else "."
    raise_with = detail.get("would_raise")
    if raise_with:
        text += (f" It would rise to {raise_with['category'].replace('_', ' ')} if "
                 f"{ctx.vocab.label(raise_with['finding'])} were {show_value(raise_with['value'])}.")
    teaching = q.teaching_point
    if teaching is None:
        criterion_set = ctx.book.criterion_set(set_id)
        deciding = [e for e in detail["elements"] if e["status"] == "failed" and e["part"] != "region"] or \
                   [e for e in detail["elements"] if e["status"] == "met"]
        if criterion_set is not None and deciding:
            element = next((e for e in criterion_set.elements if e.id == deciding[0]["id"]), None)
            if element is not None:
                teaching = _first_sentence(element.explanation)
    title = detail["title"]
    distractors = [o for v, o in options.items() if v != value]
    return dict(
        prompt=q.prompt or f"Through {_stage_phrase(q)}, which category of the {title} does the case reach?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset({value}),
        explanation=text, rule=set_id, teaching_point=teaching,
    )


def _strongest_rule_if(ctx: ItemContext, a: Assessment, finding: str, value: Any):
    """The heaviest counting rule that `finding = value` would fire (None if it fires none)."""
    from mmn_ddx.conditions import evaluate, findings_of

    hypothetical = {**a.findings, finding: value}
    fired = [r for r in ctx.book.weigh
             if r.toward != "neither" and finding in findings_of(r.when) and evaluate(r.when, hypothetical) is True]
    return max(fired, key=lambda r: (r.weight, r.id), default=None)


def _swings(ctx: ItemContext, a: Assessment) -> dict[str, tuple[float, Any]]:
    """For each still-unknown finding some rule weighs: what its answer is worth once it is
    known (the measure that ranks the next best findings), and the answer that would move it most."""
    fired = a.fired_rules()
    swings: dict[str, tuple[float, Any]] = {}
    for finding in ctx.assessor.candidates():
        if finding in a.findings:
            continue
        expected, outcomes = ctx.assessor.informativeness(a.findings, fired, finding, a.prior, a.p_mmn)
        value = max(enumerate(outcomes), key=lambda o: (abs(o[1][1] - a.p_mmn), -o[0]))[1][0]
        swings[finding] = (expected, value)
    return swings


def _next_investigation_item(q: Question, a: Assessment, rng, ctx: ItemContext, quiz: Quiz) -> dict:
    from mmn_ddx.next_best import WORTH_MEANS

    if not a.next_best:
        raise _unanswerable(q, quiz, f"through stage '{q.case.stages[q.stage].name}' no unknown finding of case '{q.case.id}' "
                            "is worth asking for (its expected change in the log-odds is below the threshold), so there is no best next finding.", "Ask at an earlier stage.")
    best = a.next_best[0]
    swings = _swings(ctx, a)
    accepted = sorted(f for f, (s, _) in swings.items() if s >= best.swing - TIE)
    clear = sorted(f for f, (s, _) in swings.items() if f not in accepted and s <= best.swing - CLEAR_MARGIN)
    close = sorted(f for f, (s, _) in swings.items() if f not in accepted and f not in clear)
    chosen = _pick(clear, q.option_count - 1, rng)
    if len(chosen) < q.option_count - 1:
        chosen += _pick(close, q.option_count - 1 - len(chosen), rng)
    if not chosen:
        raise _unanswerable(q, quiz, "every unknown finding would tell as much as the best one, so there is nothing to choose between.",
                            "Ask at another stage.")
    right = Option(best.finding, ctx.vocab.label(best.finding))
    distractors = [Option(f, ctx.vocab.label(f)) for f in chosen]
    rule = _strongest_rule_if(ctx, a, best.finding, swings[best.finding][1])
    text = f"{best.why} No other unknown finding is expected to move it as far."
    others = [ctx.vocab.label(f) for f in accepted if f != best.finding]
    if others:
        text += f" Equally informative, and also graded right: {', '.join(others)}."
    if rule is not None:
        text += f" The rule that answer would fire: {rule.title} (likelihood ratio {rule.likelihood_ratio:.1f} toward {rule.toward.upper()})."
    notes = {}
    for option in distractors:
        swing, value = swings[option.value]
        other_rule = _strongest_rule_if(ctx, a, option.value, value)
        notes[option.value] = (f"{option.label}: its answer is worth {swing:.2f} ({WORTH_MEANS}), "
                               f"against {best.swing:.2f} for {right.label}.", other_rule.id if other_rule else None)
    return dict(
        prompt=q.prompt or f"After {_stage_phrase(q)}, which still-unknown finding would tell the most ({WORTH_MEANS})?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(accepted),
        explanation=text, rule=rule.id if rule else None,
        teaching_point=rule.teaching_point if rule else None, wrong_notes=notes,
        labels={f: ctx.vocab.label(f) for f in accepted},
    )


def _consider_item(q: Question, a: Assessment, rng, ctx: ItemContext, quiz: Quiz) -> dict:
    if not a.consider:
        raise _unanswerable(q, quiz, f"through stage '{q.case.stages[q.stage].name}' case '{q.case.id}' raises no red flag, "
                            "so there is no condition to consider.", "Ask at a later stage, or about another case.")
    # The case's own diagnosis, when the engine names it, is the answer shown; any named condition is graded right.
    first = next((c for c in a.consider if c.condition == q.case.diagnosis), a.consider[0])
    named = [first.condition] + [c.condition for c in a.consider if c.condition != first.condition]
    because = ", ".join(ctx.vocab.label(f) for f in first.because)
    text = f"The engine names {ctx.condition_label(first.condition)} because of {because}: {first.rules[0].why}"
    if len(named) > 1:
        text += " It also names " + ", ".join(ctx.condition_label(c) for c in named[1:]) + ", also graded right."
    right = Option(first.condition, ctx.condition_label(first.condition))
    pool = sorted(c for c in ctx.vocab.conditions if c not in named)
    distractors = [Option(c, ctx.condition_label(c)) for c in _pick(pool, q.option_count - 1, rng)]
    notes = {o.value: (f"The engine raises no red flag for {o.label} at this stage.", None) for o in distractors}
    return dict(
        prompt=q.prompt or f"Through {_stage_phrase(q)}, which other condition, besides MMN and ALS, does the case make you consider?",
        options=_arrange(right, distractors, q, rng), right=right, accepted=frozenset(named),
        explanation=text, rule=first.rules[0].id, teaching_point=_first_sentence(first.rules[0].why), wrong_notes=notes,
        labels={c: ctx.condition_label(c) for c in named},
    )


def _choice_item(q: Question, a: Assessment | None, rng, ctx: ItemContext, quiz: Quiz) -> dict:
    options = [Option(text, text) for text in q.options]
    right = next(o for o in options if o.value == q.answer)
    arranged = tuple(options)
    if q.shuffle:
        arranged = tuple(rng.sample(options, len(options)))
    return dict(prompt=q.prompt, options=arranged, right=right, accepted=frozenset({right.value}),
                explanation=q.explanation, rule=None, teaching_point=q.teaching_point or _first_sentence(q.explanation))


BUILDERS: dict[str, Callable[..., dict]] = {
    "leaning": _leaning_item,
    "discriminator": _discriminator_item,
    "criteria": _criteria_item,
    "next_investigation": _next_investigation_item,
    "consider": _consider_item,
    "choice": _choice_item,
}
