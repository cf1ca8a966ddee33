"""Plain data types shared by the loader, the engine, the weighing and the views."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

# Any single likelihood ratio is capped at 20 (or 1/20): small cohorts give extreme, unstable
# ratios (docs/clinical-reference.md, "How the figures become weights").
LR_CAP = 20.0
ESTIMATE_MAX = 4.0  # a qualitative source gives a conservative ratio of 2 to 4 (same page)
DIRECTIONS = ("mmn", "als", "neither")


@dataclass(frozen=True)
class Frequency:
    of: str
    mmn: float
    als: float
    confidence: str
    applies: str = "present"
    estimated: str | None = None  # which figure is a working estimate ("mmn", "als" or "both")
    estimate_reasoning: str = ""

    def raw_ratio(self) -> float:
        """P(rule's finding | MMN) / P(rule's finding | ALS): above 1 points to MMN."""
        if self.applies == "absent":
            return (1 - self.mmn) / (1 - self.als)
        return self.mmn / self.als


@dataclass(frozen=True)
class Estimate:
    ratio: float
    reasoning: str


@dataclass(frozen=True)
class WeighRule:
    id: str
    title: str
    when: Any
    toward: str
    explanation: str
    teaching_point: str
    sources: tuple[str, ...]
    path: str
    line: int | None
    family: str | None = None
    frequency: Frequency | None = None
    estimate: Estimate | None = None

    @cached_property
    def uncapped_ratio(self) -> float:
        """The likelihood ratio in the rule's own direction (>= 1), before the cap."""
        if self.toward == "neither":
            return 1.0
        if self.frequency is not None:
            raw = self.frequency.raw_ratio()
            return raw if self.toward == "mmn" else 1 / raw
        return self.estimate.ratio if self.estimate else 1.0

    @cached_property
    def basis(self) -> str:
        """Where the ratio comes from: "frequency" (published figures), "estimate" (a figure or
        ratio is a labelled working estimate) or "none" (toward neither)."""
        if self.estimate is not None or (self.frequency is not None and self.frequency.estimated):
            return "estimate"
        return "frequency" if self.frequency is not None else "none"

    @cached_property
    def likelihood_ratio(self) -> float:
        return min(self.uncapped_ratio, LR_CAP)

    @cached_property
    def capped(self) -> bool:
        return self.uncapped_ratio > LR_CAP

    @cached_property
    def weight(self) -> float:
        """Natural log of the likelihood ratio, positive toward `toward`."""
        return math.log(self.likelihood_ratio)

    @cached_property
    def log_odds_mmn(self) -> float:
        """The signed contribution to the log-odds of MMN."""
        if self.toward == "mmn":
            return self.weight
        if self.toward == "als":
            return -self.weight
        return 0.0

    def ratio_words(self, long: bool = False) -> str:
        """The likelihood ratio as a learner reads it, saying when it is capped or a working estimate:
        brief for a table column ("20.0 (capped)"), long for a sentence ("LR 20.0 toward MMN, capped at 20")."""
        if not long:
            return f"{self.likelihood_ratio:.1f}" + (" (capped)" if self.capped else "") + (" (estimate)" if self.estimate else "")
        return (f"LR {self.likelihood_ratio:.1f} toward {self.toward.upper()}" + (f", capped at {LR_CAP:g}" if self.capped else "")
                + (", an estimate (the sources give no figures)" if self.estimate else ""))


@dataclass(frozen=True)
class ConsiderRule:
    id: str
    condition: str
    title: str
    when: Any
    why: str
    sources: tuple[str, ...]
    path: str
    line: int | None
    settles: bool = False
    strength: str = "moderate"  # STRENGTHS: how far the flag alone makes the mimic a live diagnosis

    @property
    def rank(self) -> int:
        """Settling findings first, then strong, moderate and weak flags."""
        return 0 if self.settles else 1 + STRENGTHS.index(self.strength)


# A red flag is "strong" when, on its own, it makes the other condition a diagnosis to exclude before
# MMN is weighed against ALS (sensory loss with block, CIDP-range demyelination, rimmed vacuoles, a
# compressive lesion, past polio); "moderate" when it raises the condition beside the two; "weak"
# when it is only a hint. A strong (or settling) flag puts the condition in the headline.
STRENGTHS = ("strong", "moderate", "weak")


@dataclass(frozen=True)
class Family:
    """Weighing rules that report one underlying fact, weighed once (rules/families.yaml).

    In each direction a family counts its strongest fired member. A family may also carry a
    `joint` figure: how often its whole picture is seen in MMN and in ALS. No part of the
    picture, nor all of it together, weighs more than that.
    """

    id: str
    label: str
    why: str
    joint: Frequency | None = None
    joint_sources: tuple[str, ...] = ()

    @property
    def joint_ratio(self) -> float | None:
        """The joint likelihood ratio toward MMN (above 1) or ALS (below 1), capped like any ratio."""
        if self.joint is None:
            return None
        raw = self.joint.raw_ratio()
        return min(raw, LR_CAP) if raw >= 1 else max(raw, 1 / LR_CAP)

    @property
    def joint_toward(self) -> str | None:
        """The side the joint figure favours: "mmn" or "als"."""
        return None if self.joint is None else "mmn" if self.joint_ratio > 1 else "als"

    @property
    def joint_bound(self) -> float | None:
        """The most the family weighs toward `joint_toward`, as a ratio of at least 1."""
        return None if self.joint is None else max(self.joint_ratio, 1 / self.joint_ratio)


@dataclass(frozen=True)
class FindingChange:
    """A finding that a follow-up stage gives a new value (README, "Follow-up stages")."""

    finding: str
    before: Any
    after: Any
    stage: str  # the follow-up stage that records the new value
    since: str  # the stage whose value it replaces
    months: float | None = None  # months since onset at the follow-up, when the case says or implies it
    months_since_previous: float | None = None  # as the follow-up stage gives it


def paragraphs(text: str) -> list[str]:
    """A narrative's blank-line-separated paragraphs, each with its whitespace collapsed: the line
    breaks of a YAML literal block are the author's, not the page's, so each reader wraps anew."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text or "") if block.strip()]


@dataclass(frozen=True)
class Stage:
    name: str
    narrative: str
    findings: dict
    line: int | None = None
    follow_up: bool = False
    months_since_onset: float | None = None  # as written, or worked out from the earlier stages
    months_since_previous: float | None = None
    teaching_point: str = ""  # what the change at this follow-up teaches (shown after the learner's call)
    changes: tuple = ()  # FindingChange: the findings this follow-up gives a new value

    @property
    def unchanged_findings(self) -> dict:
        """The stage's findings less those it changes (which are shown as changes, before → after)."""
        changed = {c.finding for c in self.changes}
        return {k: v for k, v in self.findings.items() if k not in changed}

    @property
    def when(self) -> str:
        """'14 months after onset', '12 months later', or '' when the stage is not a follow-up."""
        if not self.follow_up:
            return ""
        if self.months_since_onset is not None:
            return f"{self.months_since_onset:g} months after onset"
        if self.months_since_previous is not None:
            return f"{self.months_since_previous:g} months later"
        return "later"


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    source: str
    diagnosis: str | None
    difficulty: int | None
    stages: tuple[Stage, ...]
    teaching_points: tuple[str, ...] = ()
    path: str | None = None
    expected_criteria: dict = field(default_factory=dict)

    def stage_index(self, stage: str | int | None) -> int:
        """0-based index of the last stage to disclose; the last stage when `stage` is None."""
        from mmn_ddx.errors import InputError, Problem, did_you_mean

        if stage is None:
            return len(self.stages) - 1
        names = [s.name for s in self.stages]
        text = str(stage)
        if text.isdigit():
            number = int(text)
            if 1 <= number <= len(self.stages):
                return number - 1
            raise InputError(
                Problem(self.path, None, f"case '{self.id}' has no stage {number}.", f"It has stages 1 to {len(names)}: {', '.join(names)}.")
            )
        if text in names:
            return names.index(text)
        hint = did_you_mean(text, names) or f"Its stages: {', '.join(names)}."
        raise InputError(Problem(self.path, None, f"case '{self.id}' has no stage '{text}'.", hint))

    def findings_through(self, stage: str | int | None = None) -> dict:
        """Every finding disclosed up to and including `stage`, each at its latest value: a follow-up
        stage replaces what earlier stages said, and its time since onset becomes the duration."""
        merged: dict = {}
        for s in self.stages[: self.stage_index(stage) + 1]:
            merged.update(s.findings)
            if s.follow_up and s.months_since_onset is not None:
                merged["duration_months"] = s.months_since_onset
        return merged

    def changes_through(self, stage: str | int | None = None) -> list:
        """The changes recorded by follow-up stages up to and including `stage`, in order."""
        return [c for s in self.stages[: self.stage_index(stage) + 1] for c in s.changes]


@dataclass
class Evidence:
    """A weighing rule that fired, as the learner sees it."""

    rule: WeighRule
    findings: dict
    folded: list = field(default_factory=list)  # rules of the same family and direction that fired but do not count
    log_odds: float = 0.0  # what this item adds to the log-odds of MMN (signed)
    bounded: bool = False  # the family's joint figure, not this rule's own ratio, is what counts


@dataclass
class Consideration:
    condition: str
    because: list
    rules: list  # ConsiderRule that raised it, strongest first
    leads: bool = False  # strong enough to be named before the MMN-versus-ALS weighing
    label: str = ""  # the vocabulary's name for the condition

    @property
    def strength(self) -> str:
        best = min(self.rules, key=lambda r: r.rank)
        return "settles" if best.settles else best.strength


@dataclass
class NextFinding:
    finding: str
    why: str
    swing: float  # what the answer is worth: expected change in log-odds, by tier (Assessor.informativeness)
    outcomes: list  # (value, p_mmn)


@dataclass
class WhatIf:
    """A set of still-unknown findings whose answers would change the leaning."""

    findings: dict
    p_mmn: float
    leaning: str
    rules: list  # WeighRule that those answers would fire


@dataclass
class Assessment:
    case_id: str
    title: str
    through_stage: str | None
    prior: float
    p_mmn: float
    leaning: str
    evidence: list  # counted Evidence, strongest first
    shared: list  # toward-neither Evidence
    consider: list
    next_best: list
    warnings: list
    outcome: list  # (target key, True | False) for each target that fired, in rule-file order
    findings: dict
    criteria: dict = field(default_factory=dict)
    criteria_detail: dict = field(default_factory=dict)
    disagreement: list = field(default_factory=list)
    changed_findings: list = field(default_factory=list)  # FindingChange: findings that follow-up stages gave a new value
    mentions: Mapping = field(default_factory=dict, repr=False, compare=False)  # target key -> the findings its condition names

    @property
    def trace(self) -> list:
        """(target key, True | False, the findings its condition names) for each target that fired, in
        rule-file order: built when asked, since an assessment is mostly written without it."""
        findings = self.findings
        return [(key, truth, {f: findings[f] for f in self.mentions.get(key, ()) if f in findings})
                for key, truth in self.outcome]

    def fired_rules(self) -> set[str]:
        """Every weighing rule that fired: counted, folded into another, or a shared feature."""
        return ({e.rule.id for e in self.evidence + self.shared}
                | {f.rule.id for e in self.evidence for f in e.folded})