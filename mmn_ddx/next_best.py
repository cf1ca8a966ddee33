"""What to ask next: how much each unknown finding's answer is worth, and the few offered.

The assessment (assessment.py) weighs the findings a case has; this module asks, for each finding
it lacks, where each answer would move that weighing and how likely each answer is, and ranks the
findings as a teacher would order tests. It is its own module because it is a search over
hypothetical answers, with its own caches and shortcuts, built on the weighing but not part of it;
the what-if search (Assessor.what_if) uses its questions too.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Mapping, NamedTuple

from mmn_ddx.assessment import Assessor, group_key, logit, show_p, sigmoid, touch_of, untouched_weighing
from mmn_ddx.compiled import ABSENT, compiled
from mmn_ddx.conditions import findings_of
from mmn_ddx.formats import TIERS
from mmn_ddx.model import NextFinding
from mmn_ddx.rulebook import RuleBook
from mmn_ddx.vocabulary import TIER_LABELS, show_value

NEXT_BEST_COUNT = 3
# Ranking what to ask next (a teaching preference, not a clinical figure): each step up the tier
# ladder (formats.TIERS: bedside, nerve studies, blood, …, treatment trial) must be expected to
# tell about a fifth more to be preferred; findings worth less than MIN_WORTH (expected change in
# log-odds) are not offered. A treatment trial waits for the nerve studies and the antibodies.
TIER_DISCOUNT = 0.8
MIN_WORTH = 0.05
TRIAL_NEEDS_FIRST = ("conduction_block", "anti_gm1_igm")
WORTH_MEANS = "the expected change in the log-odds of MMN, cheaper tests preferred"  # how learners are told

ROUNDING = 1e-9  # far above the rounding error of a sum of log-odds, for bounds that must never cut a finding worth asking
KEPT_READINGS = 2_000  # combinations of other findings' values a next-best question remembers


class NextBest:
    """What to ask next in one Assessor's rule book, worked out once for each finding and answer."""

    def __init__(self, weighing: Assessor):
        self.weighing = weighing
        self.book = book = weighing.book
        self._candidates = weighing._candidates
        self._rules_mentioning = weighing._rules_mentioning
        self._family_of_finding: dict[str, str] = {}
        for rule in book.weigh:
            if rule.family is not None and rule.toward != "neither":
                for finding in findings_of(rule.when):
                    self._family_of_finding.setdefault(finding, rule.family)
        self._questions: dict[str, _Question] = {}  # finding -> question
        self._all_questions: list[_Question] | None = None  # _questions_asked
        self._touches: dict[tuple, tuple] = {}  # touch_of(rules) -> itself, one object for each
        self._spread = _spreads(book)  # group_key -> how far what the group adds can change

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
        asking = self.asking(findings, fired, prior, p_now)
        question = self.question(finding)
        answers = question.answers_for(self, findings)
        log_odds, moves = self.answer_log_odds(question, answers, asking)
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

    def answer_log_odds(self, question: _Question, answers: _Answers, asking: Asking) -> tuple[list[float], list[float]]:
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
                touched = self.weighing._log_odds(kept + firing, kept_ids + key)
                x, move = known.get(touched) or untouched.outcome(touched)
                log_odds.append(x)
                moves.append(move)
        else:
            for touched in answers.alone:  # answers of other findings often weigh the same
                x, move = known.get(touched) or untouched.outcome(touched)
                log_odds.append(x)
                moves.append(move)
        return log_odds, moves

    def asking(self, findings: Mapping[str, Any], fired: set, prior: float, p_now: float) -> "Asking":
        """One case's questions, as informativeness and the what-if search ask them."""
        return Asking(self, findings, fired, prior, p_now)

    def question(self, finding: str) -> _Question:
        """What `finding`'s candidate answers do in this rule book, worked out once."""
        found = self._questions.get(finding)
        if found is None:
            found = self._questions[finding] = _Question(self, finding)
        return found

    def best_findings(self, findings: Mapping[str, Any], fired: set, prior: float, p_now: float,
                      weighed: list | None = None) -> list[NextFinding]:
        """The findings best asked next (NEXT_BEST_COUNT of them); `weighed` is weigh_families of
        the `fired` rules if known."""
        asking = Asking(self, findings, fired, prior, p_now, weighed)
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
            log_odds, moves = self.answer_log_odds(question, answers, asking)
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
            self._all_questions = [self.question(finding) for finding in self._candidates]
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

    def __init__(self, asker: NextBest, firing: list[list]):
        self.firing = firing
        self.keys = [tuple([rule.id for rule in rules]) for rules in firing]
        self.alone = [asker.weighing._log_odds(rules) for rules in firing]
        answers = [next((rule for rule in rules if rule.frequency is not None), None) for rules in firing]
        # The chance of the rule's finding is shared by the answers that fire it (three regions and
        # four regions are both "three or more").
        shared_by = Counter(rule.id for rule in answers if rule is not None)
        self.frequencies = [None if rule is None else
                            (rule.frequency.mmn, rule.frequency.als, rule.frequency.applies == "present", shared_by[rule.id])
                            for rule in answers]
        self.unknown = self.frequencies.count(None)
        self.nothing_known = self.unknown == len(self.frequencies)
        self.even_share = 1 / self.unknown if self.unknown else 0.0  # as _worth shares when nothing is known


class _Question:
    """A candidate finding's answers as the rule book sees them, worked out once.

    When no rule mentioning the finding reads another finding, what each answer fires is the same
    in every case (`fixed`). Otherwise it depends on the other findings those rules read (`reads`),
    and is worked out once for each combination of their values met, up to KEPT_READINGS of them.
    """

    __slots__ = ("finding", "values", "tier", "tier_index", "family", "ask_first", "touch", "reach", "discount", "is_trial", "fixed", "reads", "_could_fire", "_by_reading", "_interned")

    def __init__(self, asker: NextBest, finding: str):
        self.finding = finding
        self.values = asker._candidates.get(finding, [])
        spec = asker.book.vocabulary[finding]
        self.tier, self.tier_index, self.ask_first = spec.tier, TIERS.index(spec.tier), bool(spec.ask_first)
        self.family = asker._family_of_finding.get(finding)
        self.discount = TIER_DISCOUNT ** self.tier_index
        self.is_trial = spec.tier == "treatment"
        mentioning = asker._rules_mentioning.get(finding, ())
        touch = touch_of(mentioning)
        self.touch = asker._touches.setdefault(touch, touch)  # one object for findings whose rules touch the same
        # The most any answer can move the log-odds: each family it touches can go from anything it
        # may add to anything else (its strongest member, its joint figure, or nothing).
        self.reach = sum(asker._spread[key] for key in touch[0])
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
        self._by_reading: dict[tuple, _Answers] = {}  # the values of `reads` (or ABSENT) -> the answers
        self._interned: dict[tuple, _Answers] = {}  # so that readings with the same answers share them
        self.fixed = self._answers(asker, {}) if not self.reads else None

    def answers_for(self, asker: NextBest, findings: Mapping[str, Any]) -> _Answers:
        if self.fixed is not None:
            return self.fixed
        reading = tuple([findings.get(other, ABSENT) for other in self.reads])
        try:
            found = self._by_reading.get(reading)
        except TypeError:  # a value that cannot be a key (a list of regions from a caller): not kept
            return self._answers(asker, findings)
        if found is None:
            if len(self._by_reading) >= KEPT_READINGS:  # memory stays flat over any batch
                self._by_reading.clear()
            found = self._by_reading[reading] = self._answers(asker, findings)
        return found

    def _answers(self, asker: NextBest, findings: Mapping[str, Any]) -> _Answers:
        hypothetical = {other: findings[other] for other in self.reads if other in findings}
        firing = []
        for value, could_fire in zip(self.values, self._could_fire):
            hypothetical[self.finding] = value
            firing.append([rule for rule, fn in could_fire if fn is None or fn(hypothetical, {}) is True])
        key = tuple([tuple([rule.id for rule in rules]) for rules in firing])
        found = self._interned.get(key)
        if found is None:  # bounded: a finding's rules fire in few combinations
            found = self._interned[key] = _Answers(asker, firing)
        return found


class _Untouched:
    """For one case and the rules that mention a finding (untouched_weighing): the fired rules that
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


class Asking:
    """One case's state while its unknown findings are weighed: what the fired rules add, family by
    family, and the outcomes shared by the findings whose rules touch no fired family."""

    __slots__ = ("findings", "p_now", "base", "now", "groups", "group_keys", "members", "nothing_touched",
                 "trial_prerequisites_known")

    def __init__(self, asker: NextBest, findings: Mapping[str, Any], fired: set, prior: float, p_now: float,
                 weighed: list | None = None):
        self.findings = findings
        self.p_now = p_now
        self.base = logit(prior)
        self.now = logit(p_now) if 0 < p_now < 1 else self.base + asker.weighing._log_odds([asker.weighing._weigh[r] for r in fired])
        self.groups, self.members = asker.weighing._group_log_odds(fired, weighed)
        self.group_keys = set(self.groups)
        self.nothing_touched = _Untouched([], list(self.groups.values()), self.base, self.now)
        self.trial_prerequisites_known = all(f in findings for f in TRIAL_NEEDS_FIRST)

    def untouched(self, question: _Question) -> _Untouched:
        """untouched_weighing for one question's rules, shared by the questions that touch no fired group."""
        if question.touch[0].isdisjoint(self.group_keys):
            return self.nothing_touched
        kept, others = untouched_weighing(question.touch, (self.groups, self.members))
        return _Untouched(kept, others, self.base, self.now)


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
