"""Weighing a case: fired rules -> evidence -> posterior -> leaning, with what to consider and ask next.

The model (README, "How the weighing works"): start from the prior odds of MMN; each fired
weighing rule multiplies them by its likelihood ratio; correlated rules share a group and only the
group's strongest counts. It is naive Bayes with groups: it assumes the groups are independent
given the diagnosis, which real findings are not quite.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import combinations, product
from typing import Any, Mapping

from mmn_ddx import DISCLAIMER
from mmn_ddx.conditions import candidate_values, evaluate, findings_of
from mmn_ddx.criteria import judge_all
from mmn_ddx.engine import ENGINES, Target
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.model import Assessment, Case, Consideration, Evidence, NextFinding, WhatIf
from mmn_ddx.rulebook import RuleBook, rulebook

# Default prior: P(MMN) = 0.15 among adults with progressive, asymmetric, pure-motor weakness,
# a teaching default (confidence L) from shared/clinical/discriminators.md, "Prior": MMN
# prevalence about 0.6–2 per 100,000 (Nobile-Orazio 2001; Cats 2010) against ALS prevalence
# about 5–8 per 100,000 (Hardiman 2017).
DEFAULT_PRIOR = 0.15
# Leaning thresholds (a design choice of this tool, documented in the README): a leaning is
# named only when the posterior is at least 9 : 1 for one side; the prior alone leans nowhere.
LEAN_MMN_AT = 0.90
LEAN_ALS_AT = 0.10
NEXT_BEST_COUNT = 3


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


LEANING_WORDS = {"mmn": "leans MMN", "als": "leans ALS", "undecided": "undecided"}


def leaning_of(p_mmn: float) -> str:
    if p_mmn >= LEAN_MMN_AT:
        return "mmn"
    if p_mmn <= LEAN_ALS_AT:
        return "als"
    return "undecided"


def show_p(p: float) -> str:
    """A probability with two decimals, never a false certainty: '> 0.99', '< 0.01'."""
    if p > 0.995:
        return "> 0.99"
    if p < 0.005:
        return "< 0.01"
    return f"{p:.2f}"


def check_prior(prior: float) -> float:
    if not (0 < prior < 1):
        raise InputError(Problem(None, None, f"the prior P(MMN) must lie strictly between 0 and 1, not {prior:g}.", f"The default is {DEFAULT_PRIOR}."))
    return prior


class Assessor:
    """A rule book compiled for one engine, ready to assess any number of cases."""

    def __init__(self, book: RuleBook, engine: str = "durable"):
        self.book = book
        targets = [Target(rule.id, rule.when) for rule in book.weigh]
        targets += [Target(rule.id, rule.when) for rule in book.consider]
        for criterion_set in book.criteria:
            targets += criterion_set.targets()
        self.engine = ENGINES[engine](targets, book.vocabulary)
        # The what-if search of next_best_findings asks hundreds of hypothetical questions per
        # case; it uses the plain evaluator, which the tests hold to the same answers.
        # What-if questions (next best findings) re-evaluate only the rules that mention the
        # finding asked about, in plain Python: the tests hold the plain evaluator equal to durable_rules.
        self._rules_mentioning: dict[str, list] = {}
        for rule in book.weigh:
            for finding in findings_of(rule.when):
                self._rules_mentioning.setdefault(finding, []).append(rule)
        self._weigh = {rule.id: rule for rule in book.weigh}
        self._mentions = {t.key: findings_of(t.condition) for t in targets}  # for the trace
        self._consider = {rule.id: rule for rule in book.consider}
        self._candidates = candidate_values([rule.when for rule in book.weigh], book.vocabulary)

    # ------------------------------------------------------------------ the weighing
    def _evidence(self, fired_ids: list[str], findings: Mapping[str, Any]) -> tuple[list[Evidence], list[Evidence]]:
        counted: list[Evidence] = []
        shared: list[Evidence] = []
        best_in_group: dict[str, Evidence] = {}
        for rule_id in fired_ids:
            rule = self._weigh[rule_id]
            item = Evidence(rule, {f: findings[f] for f in self._mentions[rule_id] if f in findings})
            if rule.toward == "neither":
                shared.append(item)
                continue
            if rule.group is None:
                counted.append(item)
                continue
            holder = best_in_group.get(rule.group)
            if holder is None:
                best_in_group[rule.group] = item
                counted.append(item)
            elif rule.weight > holder.rule.weight:
                item.folded = holder.folded + [holder]
                holder.folded = []
                counted[counted.index(holder)] = item
                best_in_group[rule.group] = item
            else:
                holder.folded.append(item)
        counted.sort(key=lambda e: (-e.rule.weight, e.rule.id))
        return counted, shared

    def _posterior(self, counted: list[Evidence], prior: float) -> float:
        return sigmoid(logit(prior) + sum(e.rule.log_odds_mmn for e in counted))

    @staticmethod
    def _log_odds(rules) -> float:
        """The weighing of a set of fired rules: each group counts through its strongest rule.

        The rules come from sets: taken in id order, the sum (and a tie within a group) is the same
        under every PYTHONHASHSEED, so ties between next-best findings break the same way too.
        """
        total = 0.0
        strongest: dict[str, Any] = {}
        for rule in sorted(rules, key=_rule_id):
            if rule.toward == "neither":
                continue
            if rule.group is None:
                total += rule.log_odds_mmn
            elif rule.group not in strongest or rule.weight > strongest[rule.group].weight:
                strongest[rule.group] = rule
        return total + sum(rule.log_odds_mmn for rule in strongest.values())

    def _p_mmn_with(self, fired: set, findings: Mapping[str, Any], extra: Mapping[str, Any], prior: float) -> float:
        """P(MMN) with `extra` findings added, re-evaluating only the rules that mention them."""
        touched: set = set()
        for finding in extra:
            touched.update(rule.id for rule in self._rules_mentioning.get(finding, ()))
        hypothetical = {**findings, **extra}
        rules = [self._weigh[r] for r in fired if r not in touched]
        rules += [self._weigh[r] for r in touched if evaluate(self._weigh[r].when, hypothetical) is True]
        return sigmoid(logit(prior) + self._log_odds(rules))

    def candidates(self) -> dict[str, list]:
        """Each finding some weighing rule mentions, with the answers worth trying in a what-if."""
        return self._candidates

    def what_if(self, findings: Mapping[str, Any], prior: float = DEFAULT_PRIOR, max_size: int = 2,
                breadth: int = 10, limit: int = 5) -> list[WhatIf]:
        """The smallest sets of still-unknown findings whose answers would change the leaning."""
        fired = {key for key, truth in self.engine.run(findings) if truth is True and key in self._weigh}
        counted, _ = self._evidence(list(fired), findings)
        p_now = self._posterior(counted, prior)
        now = leaning_of(p_now)
        unknown = [(f, values) for f, values in self._candidates.items() if f not in findings]
        # Rank findings by how far their answers can move P(MMN); pairs are tried among the top ones.
        swings = []
        for finding, values in unknown:
            swing = max(abs(self._p_mmn_with(fired, findings, {finding: v}, prior) - p_now) for v in values)
            if swing > 0:
                swings.append((swing, finding, values))
        swings.sort(key=lambda item: (-item[0], item[1]))
        found: list[WhatIf] = []
        for size in range(1, max_size + 1):
            pool = swings if size == 1 else swings[:breadth]
            for combo in combinations(pool, size):
                for values in product(*(item[2] for item in combo)):
                    extra = {item[1]: value for item, value in zip(combo, values)}
                    p = self._p_mmn_with(fired, findings, extra, prior)
                    if leaning_of(p) != now:
                        rules = [r for f in extra for r in self._rules_mentioning.get(f, ())
                                 if evaluate(r.when, {**findings, **extra}) is True and r.toward != "neither"]
                        found.append(WhatIf(extra, p, leaning_of(p), sorted(set(rules), key=lambda r: r.id)))
            if found:
                break
        found.sort(key=lambda w: (-abs(w.p_mmn - p_now), sorted(w.findings)))
        return found[:limit]

    # ------------------------------------------------------------------ what to ask next
    def informativeness(self, findings: Mapping[str, Any], fired: set, finding: str, prior: float,
                        p_now: float) -> tuple[float, list]:
        """How far the answer to `finding` is expected to move P(MMN), and where each answer leads.

        Each answer's chance comes from the frequencies of the rules it would fire,
        P(MMN)·f_MMN + P(ALS)·f_ALS (or its complement for a rule on an absent finding); answers
        no rule gives a frequency for share the rest. Ranking by the expected change, not the
        largest possible one, keeps rare positive findings from crowding out the test that
        usually settles the question.
        """
        values = self._candidates.get(finding, [])
        outcomes, chances = [], []
        for value in values:
            hypothetical = {**findings, finding: value}
            outcomes.append((value, self._p_mmn_with(fired, findings, {finding: value}, prior)))
            chance = None
            for rule in self._rules_mentioning.get(finding, ()):
                if rule.frequency is not None and evaluate(rule.when, hypothetical) is True:
                    q = p_now * rule.frequency.mmn + (1 - p_now) * rule.frequency.als
                    chance = q if rule.frequency.applies == "present" else 1 - q
                    break
            chances.append(chance)
        known = sum(c for c in chances if c is not None)
        unknown = chances.count(None)
        if known > 1:  # overlapping rules (age 60 and 61 both "60 or over"): keep the proportions
            chances = [c / known if c is not None else 0.0 for c in chances]
        else:
            share = (1 - known) / unknown if unknown else 0.0
            chances = [c if c is not None else share for c in chances]
        expected = sum(c * abs(p - p_now) for c, (_, p) in zip(chances, outcomes))
        return expected, outcomes

    def _next_best(self, findings: Mapping[str, Any], fired: set, prior: float, p_now: float) -> list[NextFinding]:
        ranked: list[NextFinding] = []
        for finding in self._candidates:
            if finding in findings:
                continue
            swing, outcomes = self.informativeness(findings, fired, finding, prior, p_now)
            if max(abs(p - p_now) for _, p in outcomes) < 0.01:
                continue
            low = min(outcomes, key=lambda o: o[1])
            high = max(outcomes, key=lambda o: o[1])
            label = self.book.vocabulary.label(finding)
            moves = []
            if high[1] - p_now >= 0.005:
                moves.append(f"if {_say(high[0])}, P(MMN) would rise to {show_p(high[1])}")
            if p_now - low[1] >= 0.005:
                moves.append(f"if {_say(low[0])}, {'it' if moves else 'P(MMN)'} would fall to {show_p(low[1])}")
            why = (f"{label} is unknown: " + "; ".join(moves) + f" (now {show_p(p_now)}; "
                   f"expected change {swing:.2f}).")
            ranked.append(NextFinding(finding, why, swing, outcomes))
        ranked.sort(key=lambda n: (-n.swing, n.finding))
        return ranked[:NEXT_BEST_COUNT]

    # ------------------------------------------------------------------ the whole assessment
    def assess(self, findings: Mapping[str, Any], *, case_id: str = "findings", title: str = "",
               through_stage: str | None = None, prior: float = DEFAULT_PRIOR) -> Assessment:
        check_prior(prior)
        outcome = self.engine.run(findings)
        fired_true = [key for key, truth in outcome if truth is True]
        weigh_ids = [k for k in fired_true if k in self._weigh]
        counted, shared = self._evidence(weigh_ids, findings)
        p_mmn = self._posterior(counted, prior)
        leaning = leaning_of(p_mmn)
        warnings: list[str] = []

        considerations: dict[str, Consideration] = {}
        settled_by: list[str] = []
        for key in fired_true:
            rule = self._consider.get(key)
            if rule is None:
                continue
            entry = considerations.setdefault(rule.condition, Consideration(rule.condition, [], []))
            for finding in self._mentions[key]:
                if finding in findings and finding not in entry.because:
                    entry.because.append(finding)
            entry.rules.append(rule)
            if rule.settles:
                settled_by.append(rule.condition)
        if settled_by:
            leaning = "undecided"
            warnings.append(
                "The findings establish another diagnosis ("
                + ", ".join(sorted(set(settled_by)))
                + "): the case may be neither MMN nor ALS, so no leaning is given; the weighing is shown for study."
            )
        elif considerations and leaning != "undecided":
            names = ", ".join(c.replace("_", " ") for c in considerations)
            warnings.append(
                f"The leaning compares MMN with ALS only; the red flags for {names} mean the case may be neither."
            )
        if not counted:
            warnings.append("No discriminating finding has been disclosed yet: the probability is the prior alone.")

        trace = [(key, truth, {f: findings[f] for f in self._mentions[key] if f in findings}) for key, truth in outcome]
        assessment = Assessment(
            case_id=case_id, title=title or case_id, through_stage=through_stage, prior=prior,
            p_mmn=p_mmn, leaning=leaning, evidence=counted, shared=shared,
            consider=list(considerations.values()),
            next_best=self._next_best(findings, set(weigh_ids), prior, p_mmn),
            warnings=warnings, trace=trace, findings=dict(findings),
        )
        judge_all(self.book.criteria, assessment, outcome)
        return assessment

    def assess_case(self, case: Case, stage: str | int | None = None, prior: float = DEFAULT_PRIOR,
                    extra: Mapping[str, Any] | None = None) -> Assessment:
        index = case.stage_index(stage)
        findings = case.findings_through(stage)
        if extra:
            findings = {**findings, **extra}
        return self.assess(findings, case_id=case.id, title=case.title, through_stage=case.stages[index].name, prior=prior)


def _rule_id(rule) -> str:
    return rule.id


def _say(value: Any) -> str:
    if value is True:
        return "present"
    if value is False:
        return "absent"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@lru_cache(maxsize=4)
def assessor(engine: str = "durable") -> Assessor:
    """The bundled rule book compiled for `engine`, built once per process."""
    return Assessor(rulebook(), engine)


def to_json(a: Assessment) -> dict:
    """The contract's assessment object (shared/contract/cases-and-output.md) plus documented extras."""
    def evidence(e: Evidence) -> dict:
        rule = e.rule
        item = {
            "rule": rule.id,
            "toward": rule.toward,
            "weight": round(rule.weight, 3) if rule.toward != "neither" else 0.0,
            "findings": _jsonable(e.findings),
            "explanation": rule.explanation,
            "sources": list(rule.sources),
        }
        # Extras (documented in the README): the ratio behind the weight, and how it was reached.
        item["likelihood_ratio"] = round(rule.likelihood_ratio, 3)
        item["basis"] = "estimate" if rule.estimate else "frequency" if rule.frequency else "none"
        item["capped"] = rule.capped
        item["group"] = rule.group
        item["folded"] = [f.rule.id for f in e.folded]
        return item

    p = round(a.p_mmn, 4)
    data = {
        "schema": "mmn-ddx/assessment/1",
        "case": a.case_id,
        "through_stage": a.through_stage,
        "leaning": a.leaning,
        "probability": {"mmn": p, "als": round(1 - p, 4)},
        "evidence": [evidence(e) for e in a.evidence] + [evidence(e) for e in a.shared],
        "criteria": dict(a.criteria),
        "consider": [{"condition": c.condition, "because": list(c.because)} for c in a.consider],
        "next_best_findings": [{"finding": n.finding, "why": n.why} for n in a.next_best],
        "warnings": list(a.warnings),
        "disclaimer": DISCLAIMER,
        "prior": {"mmn": a.prior},
    }
    if a.criteria_detail:
        data["criteria_detail"] = a.criteria_detail
    if a.disagreement:
        data["disagreement"] = list(a.disagreement)
    return data


def _jsonable(findings: Mapping[str, Any]) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in findings.items()}
