"""Weighing a case: fired rules -> evidence -> posterior -> leaning, with what to consider and ask next.

The model (README, "How the weighing works"): start from the prior odds of MMN; rules that report
one underlying fact form an evidence family (rules/families.yaml), which counts once in each
direction through its strongest fired member and never more than its joint figure (weigh_families);
the families' ratios multiply the odds. It assumes the families independent of one another given
the diagnosis, which real findings are not quite.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations, product
from typing import Any, Mapping, NamedTuple

from mmn_ddx import DISCLAIMER
from mmn_ddx.compiled import compiled
from mmn_ddx.conditions import candidate_values, findings_of
from mmn_ddx.criteria import judge_all
from mmn_ddx.engine import ENGINES, Target, fired_keys
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.model import Assessment, Case, Consideration, Evidence, NextFinding, WhatIf
from mmn_ddx.rulebook import RuleBook
from mmn_ddx.vocabulary import TIER_LABELS, TIERS, show_value, with_derived

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
NEXT_BEST_COUNT = 3
# Ranking what to ask next (a teaching preference, not a clinical figure): each step up the tier
# ladder (vocabulary TIERS: bedside, nerve studies, blood, …, treatment trial) must be expected to
# tell about a fifth more to be preferred; findings worth less than MIN_WORTH (expected change in
# log-odds) are not offered. A treatment trial waits for the nerve studies and the antibodies.
TIER_DISCOUNT = 0.8
MIN_WORTH = 0.05
TRIAL_NEEDS_FIRST = ("conduction_block", "anti_gm1_igm")
WORTH_MEANS = "the expected change in the log-odds of MMN, cheaper tests preferred"  # how learners are told


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
        self._family_of_finding: dict[str, str] = {}
        for rule in book.weigh:
            for finding in findings_of(rule.when):
                self._rules_mentioning.setdefault(finding, []).append(rule)
                if rule.family is not None and rule.toward != "neither":
                    self._family_of_finding.setdefault(finding, rule.family)
        self._weigh = {rule.id: rule for rule in book.weigh}
        self._group_key = {rule.id: group_key(rule) for rule in book.weigh}
        self._groups_cache: tuple | None = None  # (fired rule ids, _group_log_odds of them)
        self._mentions = {t.key: findings_of(t.condition) for t in targets}  # for the trace, the evidence and the red flags
        self._consider = {rule.id: rule for rule in book.consider}
        self._condition_order = {c: i for i, c in enumerate(book.vocabulary.conditions)}
        self._candidates = candidate_values([rule.when for rule in book.weigh], book.vocabulary)
        self._questions: dict[str, _Question] = {}  # finding -> _question
        self._all_questions: list[_Question] | None = None  # _questions_asked
        self._touches: dict[tuple, tuple] = {}  # _touch(rules) -> itself, one object for each
        self._spread = _spreads(book)  # group_key -> how far what the group adds can change
        self._log_odds_cache: dict[tuple, float] = {}  # rule ids -> _log_odds
        self._touched_cache: dict[tuple, tuple] = {}  # findings asked about together -> _touched_by

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
        asking = _Asking(self, findings, fired, prior, p_now)
        groups = asking.groups, asking.members
        # Rank findings by how far their answers can move P(MMN); pairs are tried among the top ones.
        swings = []
        for finding, values in unknown:
            question = self._question(finding)
            log_odds, _ = self._answer_log_odds(question, question.fixed or question.answers_for(self, findings), asking)
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

    # ------------------------------------------------------------------ what to ask next
    def informativeness(self, findings: Mapping[str, Any], fired: set, finding: str, prior: float,
                        p_now: float) -> tuple[float, list]:
        """How much the answer to `finding` is worth asking for, and where each answer leads.

        The worth is the expected change in the log-odds of MMN, which does not vanish near 0 or 1
        as a change in probability does, discounted by the finding's tier (TIER_DISCOUNT per step
        from the bedside toward a treatment trial). Each answer's chance comes from the frequencies
        of the rules it would fire, P(MMN)·f_MMN + P(ALS)·f_ALS (or its complement for a rule on an
        absent finding); answers no rule gives a frequency for share the rest. A treatment trial is
        worth nothing while the nerve studies or the antibodies are still unknown: no teacher
        orders IVIg to make a diagnosis they have not looked for.
        """
        asking = _Asking(self, findings, fired, prior, p_now)
        question = self._question(finding)
        answers = question.answers_for(self, findings)
        log_odds, moves = self._answer_log_odds(question, answers, asking)
        worth = 0.0
        if not (question.is_trial and not asking.trial_prerequisites_known):
            worth = self._worth(question, answers, moves, asking.p_now)
        return worth, [(value, sigmoid(x)) for value, x in zip(question.values, log_odds)]

    def _worth(self, question: _Question, answers: _Answers, moves: list[float], p_now: float) -> float:
        """informativeness's worth of a finding that may be asked now, from how far each answer
        moves the log-odds of MMN."""
        if answers.nothing_known:  # no rule gives a frequency: the answers share alike
            return sum([answers.even_share * m for m in moves]) * question.discount
        chances = []
        absent_of = 1 - p_now
        for frequency in answers.frequencies:
            if frequency is None:
                chances.append(None)
                continue
            mmn, als, present, shared_by = frequency
            q = p_now * mmn + absent_of * als
            chances.append((q if present else 1 - q) / shared_by)
        known = sum([c for c in chances if c is not None])
        unknown = answers.unknown
        if known > 1:  # overlapping rules (age 60 and 61 both "60 or over"): keep the proportions
            chances = [c / known if c is not None else 0.0 for c in chances]
        else:
            share = (1 - known) / unknown if unknown else 0.0
            chances = [c if c is not None else share for c in chances]
        return sum([c * m for c, m in zip(chances, moves)]) * question.discount

    def _answer_log_odds(self, question: _Question, answers: _Answers, asking: _Asking) -> tuple[list[float], list[float]]:
        """Each candidate answer's log-odds of MMN in this case, and how far each moves it from now.

        Only the families (and unfamilied rules) the finding's rules belong to are weighed again
        (_log_odds_replacing); the others add what they add now.
        """
        untouched = asking.untouched(question)
        kept, known = untouched.kept, untouched.outcomes
        log_odds: list[float] = []
        moves: list[float] = []
        if kept:
            kept_ids = untouched.kept_ids
            for firing, key in zip(answers.firing, answers.keys):
                touched = self._log_odds(kept + firing, kept_ids + key)
                x, move = known.get(touched) or untouched.outcome(touched)
                log_odds.append(x)
                moves.append(move)
        else:
            for touched in answers.alone:  # answers of other findings often weigh the same
                x, move = known.get(touched) or untouched.outcome(touched)
                log_odds.append(x)
                moves.append(move)
        return log_odds, moves

    def _question(self, finding: str) -> _Question:
        """What `finding`'s candidate answers do in this rule book, worked out once."""
        found = self._questions.get(finding)
        if found is None:
            found = self._questions[finding] = _Question(self, finding)
        return found

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
        kept, others = self._untouched(fired, touched, touch, groups)
        return math.fsum([self._log_odds(kept + list(firing))] + others)

    def _untouched(self, fired: set, touched, touch: tuple | None = None,
                   groups: tuple | None = None) -> tuple[list, list[float]]:
        """For _log_odds_replacing: the fired rules that share a family with a touched one, and
        what each family no touched rule belongs to adds."""
        added, members = groups or self._group_log_odds(fired)
        changed, touched_ids = touch or _touch(touched)
        kept = [rule for key in changed for rule in members.get(key, ()) if rule.id not in touched_ids]
        return kept, [value for key, value in added.items() if key not in changed]

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

    def _next_best(self, findings: Mapping[str, Any], fired: set, prior: float, p_now: float,
                   weighed: list | None = None) -> list[NextFinding]:
        """The findings best asked next (NEXT_BEST_COUNT of them); `weighed` is weigh_families of
        the `fired` rules if known."""
        asking = _Asking(self, findings, fired, prior, p_now, weighed)
        trial_may_wait = not asking.trial_prerequisites_known
        ranked: list[_Candidate] = []
        # The worth never exceeds the largest move an answer makes (the chances sum to one), which
        # never exceeds the question's reach plus the rounding between P(MMN) and its log-odds.
        drift = asking.nothing_touched.outcome(0.0)[1] + ROUNDING
        for question in self._questions_asked():
            if question.finding in findings or (question.is_trial and trial_may_wait):
                continue  # known, or worth nothing yet (informativeness)
            if (question.reach + drift) * question.discount * (1 + ROUNDING) < MIN_WORTH:
                continue
            answers = question.fixed or question.answers_for(self, findings)
            log_odds, moves = self._answer_log_odds(question, answers, asking)
            if max(moves, default=0.0) * question.discount * (1 + ROUNDING) < MIN_WORTH:
                continue
            worth = self._worth(question, answers, moves, p_now)
            if worth >= MIN_WORTH:
                ranked.append(_Candidate(question.finding, worth, question, log_odds))
        # A teacher orders a test, not a finding: the tiers (the bedside, the nerve studies, a blood
        # test, …) come in the order of what each would tell, summed over the evidence families it
        # informs (one nerve study answers block and spread of denervation at once); within a tier the
        # findings by their worth. Two findings of one evidence family answer one question (EMG
        # spread and neurofilament both measure how far denervation reaches): the best of each.
        best: dict[tuple, float] = {}  # (tier, family or finding) -> the best worth
        for n in ranked:
            key = (n.question.tier, n.question.family or n.finding)
            best[key] = max(best.get(key, 0.0), n.swing)
        best_in_tier: dict[str, float] = {}  # one test answers every family it informs
        for (tier, _), worth in best.items():
            best_in_tier[tier] = best_in_tier.get(tier, 0.0) + worth
        ranked.sort(key=lambda n: (-best_in_tier[n.question.tier], n.question.tier_index, -n.swing, n.finding))
        offered, families = [], set()
        for item in ranked:
            family = item.question.family
            if family is not None and family in families:
                continue
            if family is not None:
                families.add(family)
            offered.append(item)
        # Bedside questions cost nothing and are asked together; the learner's real choice is the
        # next test, so it is never pushed below the second place by more bedside questions.
        tests = [n for n in offered if n.question.tier != "bedside"]
        tests.sort(key=lambda n: not n.question.ask_first)  # stable: the guideline's test first
        if tests and tests[0] in offered and offered[0].question.tier != "bedside" and offered[0] is not tests[0]:
            offered.remove(tests[0])
            offered.insert(0, tests[0])
        if len(offered) > 2 and tests and offered[1].question.tier == "bedside" and tests[0] not in offered[:2]:
            offered.remove(tests[0])
            offered.insert(1, tests[0])
        return [self._next_finding(item, p_now) for item in offered[:NEXT_BEST_COUNT]]

    def _questions_asked(self) -> list[_Question]:
        """A question for each finding some weighing rule mentions, in the order of `candidates`."""
        if self._all_questions is None:
            self._all_questions = [self._question(finding) for finding in self._candidates]
        return self._all_questions

    def _next_finding(self, item: _Candidate, p_now: float) -> NextFinding:
        """A finding offered to ask next, with the sentence that says why (written only for those offered)."""
        outcomes = [(value, sigmoid(x)) for value, x in zip(item.question.values, item.log_odds)]
        low = min(outcomes, key=lambda o: o[1])
        high = max(outcomes, key=lambda o: o[1])
        spec = self.book.vocabulary[item.finding]
        moves = []
        if high[1] > p_now and show_p(high[1]) != show_p(p_now):
            moves.append(f"if {show_value(high[0], presence=True)}, P(MMN) would rise to {show_p(high[1])}")
        if low[1] < p_now and show_p(low[1]) != show_p(p_now):
            moves.append(f"if {show_value(low[0], presence=True)}, {'it' if moves else 'P(MMN)'} would fall to {show_p(low[1])}")
        why = (f"{spec.label} ({TIER_LABELS[spec.tier]}) is unknown: " + "; ".join(moves or ["its answer could change the weighing"])
               + f" (now {show_p(p_now)}; worth {item.swing:.2f})." + (f" {spec.ask_first}" if spec.ask_first else ""))
        return NextFinding(item.finding, why, item.swing, outcomes)

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
            next_best=self._next_best(findings, set(weigh_ids), prior, p_mmn, weighed),
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


class _Candidate(NamedTuple):
    """A finding worth asking for, before it is ranked: each candidate answer's log-odds of MMN."""

    finding: str
    swing: float  # its worth, as NextFinding.swing
    question: _Question
    log_odds: list  # for each of question.values


class _Answers:
    """Which weighing rules each candidate answer to a finding fires (`firing`, with their ids as
    `keys`), what those rules weigh alone, and the frequency that gives each answer's chance:
    (f_MMN, f_ALS, whether it is the chance of presence, how many answers fire that rule) or None."""

    __slots__ = ("firing", "keys", "alone", "frequencies", "unknown", "nothing_known", "even_share")

    def __init__(self, assessor: Assessor, firing: list[list]):
        self.firing = firing
        self.keys = [tuple([rule.id for rule in rules]) for rules in firing]
        self.alone = [assessor._log_odds(rules) for rules in firing]
        answers = [next((rule for rule in rules if rule.frequency is not None), None) for rules in firing]
        # The chance of the rule's finding is shared by the answers that fire it (three regions and
        # four regions are both "three or more").
        shared_by = Counter(rule.id for rule in answers if rule is not None)
        self.frequencies = [None if rule is None else
                            (rule.frequency.mmn, rule.frequency.als, rule.frequency.applies == "present", shared_by[rule.id])
                            for rule in answers]
        self.unknown = self.frequencies.count(None)
        self.nothing_known = self.unknown == len(self.frequencies)
        self.even_share = (1 - 0) / self.unknown if self.unknown else 0.0  # as _worth shares when nothing is known


class _Question:
    """A candidate finding's answers as the rule book sees them, worked out once.

    When no rule mentioning the finding reads another finding, what each answer fires is the same
    in every case (`fixed`). Otherwise it depends on the other findings those rules read (`reads`),
    and is worked out once for each combination of their values met, up to KEPT_READINGS of them.
    """

    __slots__ = ("finding", "values", "tier", "tier_index", "family", "ask_first", "touch", "reach", "discount", "is_trial", "fixed", "reads", "_could_fire", "_by_reading", "_interned")

    def __init__(self, assessor: Assessor, finding: str):
        self.finding = finding
        self.values = assessor._candidates.get(finding, [])
        spec = assessor.book.vocabulary[finding]
        self.tier, self.tier_index, self.ask_first = spec.tier, TIERS.index(spec.tier), bool(spec.ask_first)
        self.family = assessor._family_of_finding.get(finding)
        self.discount = TIER_DISCOUNT ** self.tier_index
        self.is_trial = spec.tier == "treatment"
        mentioning = assessor._rules_mentioning.get(finding, ())
        touch = _touch(mentioning)
        self.touch = assessor._touches.setdefault(touch, touch)  # one object for findings whose rules touch the same
        # The most any answer can move the log-odds: each family it touches can go from anything it
        # may add to anything else (its strongest member, its joint figure, or nothing).
        self.reach = sum(assessor._spread[key] for key in touch[0])
        # For each answer, the rules that could fire, in order: those that read no other finding
        # and fire on this answer with None, those that read others with their compiled condition.
        self._could_fire = []
        for value in self.values:
            could_fire = []
            for rule in mentioning:
                if set(findings_of(rule.when)) != {finding}:
                    could_fire.append((rule, compiled(rule.when)))
                elif compiled(rule.when)({finding: value}, {}) is True:
                    could_fire.append((rule, None))
            self._could_fire.append(could_fire)
        self.reads = tuple(sorted({other for rule in mentioning for other in findings_of(rule.when)} - {finding}))
        self._by_reading: dict[tuple, _Answers] = {}  # the values of `reads` (or _ABSENT) -> the answers
        self._interned: dict[tuple, _Answers] = {}  # so that readings with the same answers share them
        self.fixed = self._answers(assessor, {}) if not self.reads else None

    def answers_for(self, assessor: Assessor, findings: Mapping[str, Any]) -> _Answers:
        if self.fixed is not None:
            return self.fixed
        reading = tuple([findings.get(other, _ABSENT) for other in self.reads])
        try:
            found = self._by_reading.get(reading)
        except TypeError:  # a value that cannot be a key (a list of regions from a caller): not kept
            return self._answers(assessor, findings)
        if found is None:
            if len(self._by_reading) >= KEPT_READINGS:  # memory stays flat over any batch
                self._by_reading.clear()
            found = self._by_reading[reading] = self._answers(assessor, findings)
        return found

    def _answers(self, assessor: Assessor, findings: Mapping[str, Any]) -> _Answers:
        hypothetical = {other: findings[other] for other in self.reads if other in findings}
        firing = []
        for value, could_fire in zip(self.values, self._could_fire):
            hypothetical[self.finding] = value
            firing.append([rule for rule, fn in could_fire if fn is None or fn(hypothetical, {}) is True])
        key = tuple([tuple([rule.id for rule in rules]) for rules in firing])
        found = self._interned.get(key)
        if found is None:  # bounded: a finding's rules fire in few combinations
            found = self._interned[key] = _Answers(assessor, firing)
        return found


class _Untouched:
    """For one case and the rules that mention a finding (Assessor._untouched): the fired rules that
    share a family with them (`kept`, their ids `kept_ids`), what each other family adds (`others`),
    and, for each weighing of the touched families met so far, the case's log-odds and how far
    that is from now (`outcomes`)."""

    __slots__ = ("kept", "kept_ids", "others", "outcomes", "base", "now")

    def __init__(self, kept: list, others: list[float], base: float, now: float):
        self.kept, self.kept_ids, self.others = kept, tuple([rule.id for rule in kept]), others
        self.outcomes: dict[float, tuple[float, float]] = {}
        self.base, self.now = base, now

    def outcome(self, touched: float) -> tuple[float, float]:
        """The case's log-odds when the touched families add `touched`, and its distance from now."""
        x = self.base + math.fsum([touched] + self.others)
        found = self.outcomes[touched] = (x, abs(x - self.now))
        return found


class _Asking:
    """One case's state while its unknown findings are weighed: what the fired rules add, family by
    family, and the outcomes shared by the findings whose rules touch no fired family."""

    __slots__ = ("findings", "p_now", "base", "now", "groups", "group_keys", "members", "nothing_touched",
                 "trial_prerequisites_known")

    def __init__(self, assessor: Assessor, findings: Mapping[str, Any], fired: set, prior: float, p_now: float,
                 weighed: list | None = None):
        self.findings = findings
        self.p_now = p_now
        self.base = logit(prior)
        self.now = logit(p_now) if 0 < p_now < 1 else self.base + assessor._log_odds([assessor._weigh[r] for r in fired])
        self.groups, self.members = assessor._group_log_odds(fired, weighed)
        self.group_keys = set(self.groups)
        self.nothing_touched = _Untouched([], list(self.groups.values()), self.base, self.now)
        self.trial_prerequisites_known = all(f in findings for f in TRIAL_NEEDS_FIRST)

    def untouched(self, question: _Question) -> _Untouched:
        """As Assessor._untouched."""
        changed, touched_ids = question.touch
        if changed.isdisjoint(self.group_keys):
            return self.nothing_touched
        # the order of `kept` does not change its weighing (weigh_families)
        kept = [rule for key in changed for rule in self.members.get(key, ()) if rule.id not in touched_ids]
        return _Untouched(kept, [value for key, value in self.groups.items() if key not in changed], self.base, self.now)


KEPT_WEIGHINGS = 50_000  # sets of fired rules whose weighing an Assessor remembers (a few MB)
ROUNDING = 1e-9  # far above the rounding error of a sum of log-odds, for bounds that must never cut a finding worth asking
KEPT_READINGS = 2_000  # combinations of other findings' values a next-best question remembers
_ABSENT = object()  # a finding not in the case, in a reading of _Question.reads


def _touch(rules) -> tuple[frozenset, frozenset]:
    """The group keys and the ids of `rules`, for Assessor._untouched."""
    return frozenset(group_key(rule) for rule in rules), frozenset(rule.id for rule in rules)


def _spreads(book: RuleBook) -> dict:
    """For each group_key, the largest change in what the group can add: weigh_families gives it
    nothing, a member's own log-odds, or its family's joint figure."""
    can_add: dict[Any, set] = {}
    for rule in book.weigh:
        family = book.families.get(rule.family) if rule.family is not None else None
        options = can_add.setdefault(group_key(rule), {0.0})
        options.add(0.0 if rule.toward == "neither" else rule.log_odds_mmn)
        if family is not None and family.joint is not None:
            options.add(math.log(family.joint_ratio))
    return {key: max(options) - min(options) for key, options in can_add.items()}


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
