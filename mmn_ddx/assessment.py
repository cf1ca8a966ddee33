"""Weighing a case: fired rules -> evidence -> posterior -> leaning, with what to consider and ask next.

The model (README, "How the weighing works"): start from the prior odds of MMN; rules that report
one underlying fact form an evidence family (rules/families.yaml), which counts once in each
direction through its strongest fired member and never more than its joint figure (weigh_families);
the families' ratios multiply the odds. It assumes the families independent of one another given
the diagnosis, which real findings are not quite.
"""

from __future__ import annotations

import math
from itertools import combinations, product
from typing import Any, Mapping

from mmn_ddx import DISCLAIMER
from mmn_ddx.compiled import compiled
from mmn_ddx.conditions import candidate_values, findings_of
from mmn_ddx.criteria import judge_all
from mmn_ddx.engine import ENGINES, Target, fired_keys
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.model import Assessment, Case, Consideration, Evidence, WhatIf
from mmn_ddx.rulebook import RuleBook
from mmn_ddx.vocabulary import with_derived

# Default prior: P(MMN) = 0.05, MMN against ALS as a whole among new referrals in whom both are
# considered (MMN:ALS about 1:20 at Japanese neuromuscular centres, Muscle Nerve 2014;49:357-361), an
# estimate (confidence L): docs/clinical-reference.md, "Prior". Every rule's ALS frequency is a
# frequency in ALS as a whole, so the prior is too; the lower-motor-neuron picture that makes the
# question arise is weighed once, as evidence (the bedside-picture family), not assumed here as
# well. `--prior` overrides it.
DEFAULT_PRIOR = 0.05
# Leaning thresholds (a design choice of this tool, documented in the README): a leaning is
# named only when the posterior is at least 9 : 1 for one side. The default prior (1 : 19) leans
# ALS before any finding: that is the base rate (docs/clinical-reference.md, "Prior").
LEAN_MMN_AT = 0.90
LEAN_ALS_AT = 0.10


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


def p_equals(p: float, name: str = "P(MMN)") -> str:
    """'P(MMN) = 0.42', or 'P(MMN) < 0.01' at the ends, where '= < 0.01' would read oddly."""
    shown = show_p(p)
    return f"{name} {shown}" if shown[0] in "<>" else f"{name} = {shown}"


def check_prior(prior: float) -> float:
    if not (0 < prior < 1):
        raise InputError(Problem(None, None, f"the prior P(MMN) must lie strictly between 0 and 1, not {prior:g}.", f"The default is {DEFAULT_PRIOR}."))
    return prior


def weigh_families(rules, families) -> list[tuple]:
    """How a set of fired weighing rules counts: (rule, folded rules, log-odds of MMN, bounded) each.

    Rules outside any family count by their own ratio. A family counts once in each direction,
    through its strongest fired member; the other members that fired in that direction are folded
    into it. Where the family has a joint figure for its whole picture, the count toward the
    joint's side never exceeds that figure (bounded = True). `toward: neither` rules come back with
    log-odds 0, for the explanation only. The result is in the order of `rules`.
    """
    out: list[tuple] = []
    holders: dict[tuple, int] = {}
    for rule in rules:
        if rule.toward == "neither" or rule.family is None:
            out.append((rule, [], 0.0 if rule.toward == "neither" else rule.log_odds_mmn, False))
            continue
        key = (rule.family, rule.toward)
        if key not in holders:
            holders[key] = len(out)
            out.append((rule, [], rule.log_odds_mmn, False))
            continue
        holder, folded, _, _ = out[holders[key]]
        if (rule.weight, holder.id) > (holder.weight, rule.id):  # ties go to the lower id, whatever the order
            out[holders[key]] = (rule, folded + [holder], rule.log_odds_mmn, False)
        else:
            folded.append(rule)
    for key, index in holders.items():
        family = families.get(key[0])
        rule, folded, log_odds, _ = out[index]
        if family is not None and family.joint_toward == rule.toward and abs(log_odds) > math.log(family.joint_bound):
            out[index] = (rule, folded, math.log(family.joint_ratio), True)
    return out


class Assessor:
    """A rule book compiled for one engine, ready to assess any number of cases."""

    def __init__(self, book: RuleBook, engine: str = "durable"):
        self.book = book
        targets = [Target(rule.id, rule.when) for rule in book.weigh]
        targets += [Target(rule.id, rule.when) for rule in book.consider]
        for criterion_set in book.criteria:
            targets += criterion_set.targets()
        self.engine = ENGINES[engine](targets, book.vocabulary)
        # What-if questions (next best findings, what would change the leaning) re-evaluate only the
        # rules that mention the finding asked about, in plain Python: the tests hold the plain
        # evaluator equal to durable_rules.
        self._rules_mentioning: dict[str, list] = {}
        for rule in book.weigh:
            for finding in findings_of(rule.when):
                self._rules_mentioning.setdefault(finding, []).append(rule)
        self._weigh = {rule.id: rule for rule in book.weigh}
        self._group_key = {rule.id: group_key(rule) for rule in book.weigh}
        self._groups_cache: tuple | None = None  # (fired rule ids, _group_log_odds of them)
        self._mentions = {t.key: findings_of(t.condition) for t in targets}  # for the trace, the evidence and the red flags
        self._consider = {rule.id: rule for rule in book.consider}
        self._condition_order = {c: i for i, c in enumerate(book.vocabulary.conditions)}
        self._candidates = candidate_values([rule.when for rule in book.weigh], book.vocabulary)
        self._log_odds_cache: dict[tuple, float] = {}  # rule ids -> _log_odds
        self._touched_cache: dict[tuple, tuple] = {}  # findings asked about together -> _touched_by
        # Imported here: next_best builds on this module's weighing, so it imports this module.
        from mmn_ddx.next_best import NextBest
        self.next_best = NextBest(self)  # what to ask next, and the questions what_if tries

    # ------------------------------------------------------------------ the weighing
    def _evidence(self, fired_ids: list[str], findings: Mapping[str, Any],
                  weighed: list | None = None) -> tuple[list[Evidence], list[Evidence]]:
        """The counted and the toward-neither evidence; `weighed` is weigh_families of the fired rules if known."""
        counted: list[Evidence] = []
        shared: list[Evidence] = []
        if weighed is None:
            weighed = weigh_families([self._weigh[r] for r in fired_ids], self.book.families)
        for holder, folded, log_odds, bounded in weighed:
            item = self._evidence_item(holder, findings)
            if holder.toward == "neither":
                shared.append(item)
                continue
            item.folded = [self._evidence_item(rule, findings) for rule in folded]
            item.log_odds = log_odds
            item.bounded = bounded
            counted.append(item)
        counted.sort(key=lambda e: (-abs(e.log_odds), e.rule.id))
        return counted, shared

    def _evidence_item(self, rule, findings: Mapping[str, Any]) -> Evidence:
        return Evidence(rule, {f: findings[f] for f in self._mentions[rule.id] if f in findings})

    def _posterior(self, counted: list[Evidence], prior: float) -> float:
        return sigmoid(logit(prior) + sum(e.log_odds for e in counted))

    def _log_odds(self, rules, key: tuple | None = None) -> float:
        """The weighing of a set of fired rules, family by family (weigh_families).

        The rules often come from a set, whose order changes with PYTHONHASHSEED; fsum's exactly
        rounded sum does not depend on the order, so near-equal next-best findings tie the same way
        under every seed (benchmarks/soak.py found them swapping places).
        """
        if key is None:  # the rule ids: the same few sets of rules recur across answers and cases
            key = tuple([rule.id for rule in rules])
        found = self._log_odds_cache.get(key)
        if found is None:
            if len(self._log_odds_cache) >= KEPT_WEIGHINGS:  # memory stays flat over any batch
                self._log_odds_cache.clear()
            found = self._log_odds_cache[key] = math.fsum(
                log_odds for _, _, log_odds, _ in weigh_families(rules, self.book.families))
        return found

    def _p_mmn_with(self, fired: set, findings: Mapping[str, Any], extra: Mapping[str, Any], prior: float,
                    groups: tuple | None = None) -> float:
        """P(MMN) with `extra` findings added; `groups` is _group_log_odds(fired) if known."""
        return sigmoid(logit(prior) + self._log_odds_with(fired, findings, extra, groups))

    def informativeness(self, findings: Mapping[str, Any], fired: set, finding: str, prior: float,
                        p_now: float) -> tuple[float, list]:
        """How much the answer to `finding` is worth asking for, and where each answer leads (NextBest.informativeness)."""
        return self.next_best.informativeness(findings, fired, finding, prior, p_now)

    def candidates(self) -> dict[str, list]:
        """Each finding some weighing rule mentions, with the answers worth trying in a what-if."""
        return self._candidates

    def what_if(self, findings: Mapping[str, Any], prior: float = DEFAULT_PRIOR, max_size: int = 2,
                breadth: int = 10, limit: int = 5) -> list[WhatIf]:
        """The smallest sets of still-unknown findings whose answers would change the leaning."""
        fired = {key for key in fired_keys(self.engine.run(findings)) if key in self._weigh}
        counted, _ = self._evidence(list(fired), findings)
        p_now = self._posterior(counted, prior)
        now = leaning_of(p_now)
        unknown = [(f, values) for f, values in self._candidates.items() if f not in findings]
        from mmn_ddx.next_best import Asking  # as in __init__
        asking = Asking(self.next_best, findings, fired, prior, p_now)
        groups = asking.groups, asking.members
        # Rank findings by how far their answers can move P(MMN); pairs are tried among the top ones.
        swings = []
        for finding, values in unknown:
            question = self.next_best.question(finding)
            log_odds, _ = self.next_best.answer_log_odds(question, question.fixed or question.answers_for(self.next_best, findings), asking)
            swing = max(abs(sigmoid(x) - p_now) for x in log_odds)  # as _p_mmn_with(…, {finding: value}, …)
            if swing > 0:
                swings.append((swing, finding, values))
        swings.sort(key=lambda item: (-item[0], item[1]))
        found: list[WhatIf] = []
        for size in range(1, max_size + 1):
            pool = swings if size == 1 else swings[:breadth]
            for combo in combinations(pool, size):
                for values in product(*(item[2] for item in combo)):
                    extra = {item[1]: value for item, value in zip(combo, values)}
                    p = self._p_mmn_with(fired, findings, extra, prior, groups)
                    if leaning_of(p) != now:
                        rules = [r for f in extra for r in self._rules_mentioning.get(f, ())
                                 if compiled(r.when)({**findings, **extra}, {}) is True and r.toward != "neither"]
                        found.append(WhatIf(extra, p, leaning_of(p), sorted(set(rules), key=lambda r: r.id)))
            if found:
                break
        found.sort(key=lambda w: (-abs(w.p_mmn - p_now), sorted(w.findings)))
        return found[:limit]

    def _log_odds_with(self, fired: set, findings: Mapping[str, Any], extra: Mapping[str, Any],
                       groups: tuple | None = None) -> float:
        """The weighing's log-odds with `extra` findings added, re-evaluating only the rules that
        mention them; `groups` is _group_log_odds(fired) if known."""
        touched, conditions, touch, reads = self._touched_by(tuple(extra))
        hypothetical = {finding: findings[finding] for finding in reads if finding in findings}  # all the conditions read
        hypothetical.update(extra)
        firing = [rule for rule, condition in zip(touched, conditions) if condition(hypothetical, {}) is True]
        return self._log_odds_replacing(fired, touched, firing, touch, groups)

    def _touched_by(self, extra: tuple[str, ...]) -> tuple[list, list, tuple, tuple]:
        """The rules that mention any of the `extra` findings, their compiled conditions, their
        _touch, and the findings they read; worked out once for each set of findings asked about together."""
        found = self._touched_cache.get(extra)
        if found is None:
            touched: dict[str, Any] = {}
            for finding in extra:
                touched.update((rule.id, rule) for rule in self._rules_mentioning.get(finding, ()))
            rules = list(touched.values())
            reads = tuple({finding: None for rule in rules for finding in findings_of(rule.when)})
            found = (rules, [compiled(rule.when) for rule in rules], _touch(rules), reads)
            if len(self._touched_cache) < KEPT_WEIGHINGS:  # pairs of candidate findings: a few thousand
                self._touched_cache[extra] = found
        return found

    def _log_odds_replacing(self, fired: set, touched, firing, touch: tuple | None = None,
                            groups: tuple | None = None) -> float:
        """The weighing of `fired` with the `touched` rules replaced by those of them in `firing`.

        Only the families (and unfamilied rules) that a touched rule belongs to are weighed again;
        the others keep what they added, computed once per set of fired rules. This is the same sum
        as weighing every rule afresh (a property test holds it equal to a full reassessment).
        `touch` is _touch of the touched rules and `groups` _group_log_odds(fired), if known.
        """
        kept, others = untouched_weighing(touch or _touch(touched), groups or self._group_log_odds(fired))
        return math.fsum([self._log_odds(kept + list(firing))] + others)

    def _group_log_odds(self, fired: set, weighed: list | None = None) -> tuple[dict, dict]:
        """What each family-and-direction (or unfamilied rule) adds for this set of fired rules,
        and the fired rules of each group_key. `weighed` is weigh_families of the fired rules if
        known. (The order of either does not change a weighing: weigh_families, _log_odds.)"""
        key = None
        if weighed is None:
            key = frozenset(fired)
            if self._groups_cache is not None and self._groups_cache[0] == key:
                return self._groups_cache[1]
            weighed = weigh_families([self._weigh[r] for r in fired], self.book.families)
        groups: dict = {}
        members: dict = {}
        for rule, folded, log_odds, _ in weighed:  # one counting rule per group: the others are folded into it
            group = self._group_key[rule.id]
            groups[group] = log_odds
            members[group] = [rule] + folded
        if key is not None:
            self._groups_cache = (key, (groups, members))
        return groups, members

    # ------------------------------------------------------------------ the whole assessment
    def assess(self, findings: Mapping[str, Any], *, case_id: str = "findings", title: str = "",
               through_stage: str | None = None, prior: float = DEFAULT_PRIOR) -> Assessment:
        check_prior(prior)
        findings = with_derived(findings)  # a numeric anti-GM1 titre stands for its category
        # A caller of the library may give a region list as a list; case files give tuples, which the
        # what-if tables can remember by value.
        findings = {k: tuple(v) if type(v) is list else v for k, v in findings.items()}
        outcome = self.engine.run(findings)
        fired_true = fired_keys(outcome)
        weigh_ids = [k for k in fired_true if k in self._weigh]
        weighed = weigh_families([self._weigh[r] for r in weigh_ids], self.book.families)
        counted, shared = self._evidence(weigh_ids, findings, weighed)
        p_mmn = self._posterior(counted, prior)
        leaning = leaning_of(p_mmn)
        warnings: list[str] = []

        considerations: dict[str, Consideration] = {}
        for key in fired_true:
            rule = self._consider.get(key)
            if rule is None:
                continue
            entry = considerations.setdefault(rule.condition, Consideration(
                rule.condition, [], [], label=self.book.vocabulary.conditions.get(rule.condition, rule.condition)))
            for finding in self._mentions[key]:
                if finding in findings and finding not in entry.because:
                    entry.because.append(finding)
            entry.rules.append(rule)
        consider = rank_considerations(considerations.values(), self._condition_order)
        settled_by = [c.condition for c in consider if c.strength == "settles"]
        if settled_by:
            leaning = "undecided"
            warnings.append(
                "The findings establish another diagnosis ("
                + ", ".join(sorted(settled_by))
                + "): the case may be neither MMN nor ALS, so no leaning is given; the weighing is shown for study."
            )
        elif consider and consider[0].leads:
            warnings.append(
                f"The red flags for {consider[0].label} are strong: exclude it before weighing MMN "
                "against ALS. P(MMN) is shown as if the case were one of the two."
            )
        elif consider and leaning != "undecided":
            names = ", ".join(c.label for c in consider)
            warnings.append(
                f"The leaning compares MMN with ALS only; the red flags for {names} mean the case may be neither."
            )
        if not counted:
            warnings.append("No discriminating finding has been disclosed yet: the probability is the prior alone.")

        assessment = Assessment(
            case_id=case_id, title=title or case_id, through_stage=through_stage, prior=prior,
            p_mmn=p_mmn, leaning=leaning, evidence=counted, shared=shared,
            consider=consider,
            next_best=self.next_best.best_findings(findings, set(weigh_ids), prior, p_mmn, weighed),
            warnings=warnings, outcome=outcome, findings=dict(findings), mentions=self._mentions,
        )
        judge_all(self.book.criteria, assessment, outcome)
        return assessment

    def assess_case(self, case: Case, stage: str | int | None = None, prior: float = DEFAULT_PRIOR,
                    extra: Mapping[str, Any] | None = None) -> Assessment:
        index = case.stage_index(stage)
        findings = case.findings_through(stage)
        if extra:  # a value of None sets a finding back to unknown (`--finding id=unknown`)
            findings = {k: v for k, v in {**findings, **extra}.items() if v is not None}
        a = self.assess(findings, case_id=case.id, title=case.title, through_stage=case.stages[index].name, prior=prior)
        a.changed_findings = case.changes_through(index + 1)
        return a


KEPT_WEIGHINGS = 50_000  # sets of fired rules whose weighing an Assessor remembers (a few MB)


def _touch(rules) -> tuple[frozenset, frozenset]:
    """The group keys and the ids of `rules`, for untouched_weighing and the next-best questions."""
    return frozenset(group_key(rule) for rule in rules), frozenset(rule.id for rule in rules)


def untouched_weighing(touch: tuple[frozenset, frozenset], groups: tuple[dict, dict]) -> tuple[list, list[float]]:
    """For some touched rules (`touch`, their _touch) and a set of fired rules (`groups`, its
    Assessor._group_log_odds): the fired rules that share a group with a touched one but are not
    touched themselves, and what each group no touched rule belongs to adds."""
    changed, touched_ids = touch
    added, members = groups
    # the order of `kept` does not change its weighing (weigh_families)
    kept = [rule for key in changed for rule in members.get(key, ()) if rule.id not in touched_ids]
    return kept, [value for key, value in added.items() if key not in changed]


def group_key(rule):
    """The unit weigh_families counts once: a family in one direction, or a rule of its own."""
    return (rule.family, rule.toward) if rule.family is not None and rule.toward != "neither" else rule.id


def rank_considerations(considerations, order: Mapping[str, int]) -> list[Consideration]:
    """Conditions to consider, best supported first: by their strongest flag (settling, strong,
    moderate, weak), then by how many flags fired, then in the vocabulary's order. The first leads
    the headline when its strongest flag is strong or settles the diagnosis."""
    ranked = []
    for c in considerations:
        c.rules.sort(key=lambda r: r.rank)
        ranked.append(c)
    ranked.sort(key=lambda c: (c.rules[0].rank, -len(c.rules), order.get(c.condition, len(order)), c.condition))
    for i, c in enumerate(ranked):
        c.leads = i == 0 and c.strength in ("settles", "strong")
    return ranked


def headline(a: Assessment) -> str:
    """One line a learner reads first: the mimic to exclude, or the leaning."""
    p = show_p(a.p_mmn)
    if a.consider and a.consider[0].leads:
        return (f"Consider {a.consider[0].label} before weighing MMN against ALS "
                f"(if it is one of the two: P(MMN) {p}).")
    also = f"; consider also {a.consider[0].label}" if a.consider else ""
    return f"{LEANING_WORDS[a.leaning][0].upper()}{LEANING_WORDS[a.leaning][1:]}: P(MMN) {p}{also}."


def bedside_misleads(a: Assessment, diagnosis: str | None, vocabulary) -> str | None:
    """The teaching point when history and examination alone lean away from the case's own diagnosis."""
    if diagnosis not in ("mmn", "als") or not a.findings:
        return None
    if any(vocabulary[f].tier != "bedside" for f in a.findings):
        return None
    other = "als" if diagnosis == "mmn" else "mmn"
    findings_say = sum(e.log_odds for e in a.evidence)  # the findings, not the prior, must point the wrong way
    if a.leaning != other or (findings_say >= 0) == (diagnosis == "mmn"):
        return None
    return (f"At the bedside this case leans {other.upper()}, yet it is {diagnosis.upper()}: an atypical presentation. "
            "History and examination alone can mislead; this is why the nerve studies come next.")


def to_json(a: Assessment) -> dict:
    """The public assessment object (docs/schemas/assessment.schema.json) plus documented extras."""
    def evidence(e: Evidence) -> dict:
        rule = e.rule
        item = {
            "rule": rule.id,
            "toward": rule.toward,
            "weight": round(abs(e.log_odds), 3) if rule.toward != "neither" else 0.0,
            "findings": _jsonable(e.findings),
            "explanation": rule.explanation,
            "sources": list(rule.sources),
        }
        # Extras (documented in the README): the ratio behind the weight, and how it was reached.
        item["likelihood_ratio"] = round(rule.likelihood_ratio, 3)
        item["basis"] = rule.basis
        item["capped"] = rule.capped
        item["family"] = rule.family
        item["group"] = rule.family  # the name of `family` before version 0.2; kept for old scripts
        item["folded"] = [f.rule.id for f in e.folded]
        item["bounded_by_family"] = e.bounded
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
        "consider": [{"condition": c.condition, "because": list(c.because), "strength": c.strength, "leads": c.leads}
                     for c in a.consider],
        "next_best_findings": [{"finding": n.finding, "why": n.why} for n in a.next_best],
        "warnings": list(a.warnings),
        "disclaimer": DISCLAIMER,
        "prior": {"mmn": a.prior},
        "headline": headline(a),
    }
    if a.criteria_detail:
        data["criteria_detail"] = a.criteria_detail
    if a.disagreement:
        data["disagreement"] = list(a.disagreement)
    if a.changed_findings:
        data["changed_findings"] = [finding_change_json(c) for c in a.changed_findings]
    return data


def finding_change_json(c) -> dict:
    """A finding a follow-up stage changed (README, "Follow-up stages"): the extra `changed_findings` field."""
    value = _jsonable({"before": c.before, "after": c.after})
    return {"finding": c.finding, **value, "stage": c.stage, "since_stage": c.since,
            "months": c.months, "months_since_previous": c.months_since_previous}


def _jsonable(findings: Mapping[str, Any]) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in findings.items()}
