"""What changed the weighing, family by family: the walk's "why" after each call and `assess --brief`.

Plain data from two assessments (the previous stage's, or none for the prior alone): each
evidence family that now counts differently, the rule it counts through, the change in P(MMN) it
made, the rules folded into it and the shared features that fired. Applied in order from the
previous P(MMN), the changes end exactly at the new one, so they draw a waterfall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mmn_ddx.assessment import group_key, logit, sigmoid
from mmn_ddx.model import Assessment, Evidence, WeighRule

# What a line says about the rule it names.
COUNTED, NO_LONGER, FOLDED, SHARED = "counted", "no_longer_counts", "folded", "shared"


@dataclass
class Change:
    rule: WeighRule
    kind: str  # COUNTED (adds to the log-odds), NO_LONGER (stopped counting), FOLDED, SHARED
    family: str | None  # the family's label, or None for a rule outside any family
    log_odds: float  # what this line adds to the log-odds of MMN (0 for folded and shared)
    p_before: float
    p_after: float
    ratio: float  # the likelihood ratio that counts (the family's joint figure when bounded), >= 1
    bounded: bool = False
    into: WeighRule | None = None  # FOLDED: the rule it was folded into; COUNTED: the rule it replaced

    @property
    def toward(self) -> str:
        return self.rule.toward


def changes(current: Assessment, previous: Assessment | None, families: dict) -> list[Change]:
    """The evidence that changed from `previous` (None: the prior alone) to `current`.

    Counted lines come first, strongest change first; each carries P(MMN) before and after it, so
    that they chain from the previous posterior to the current one. Folded rules and shared
    features that fired for the first time follow, with no change in P.
    """
    def label(rule: WeighRule) -> str | None:
        family = families.get(rule.family) if rule.family else None
        return family.label if family is not None else None

    # Counted evidence, one item per family and direction (or per rule outside a family).
    now = {group_key(e.rule): e for e in current.evidence}
    before = {group_key(e.rule): e for e in previous.evidence} if previous is not None else {}
    moves: list[tuple[float, Evidence, Evidence | None]] = []
    for key, e in now.items():
        old = before.get(key)
        delta = e.log_odds - (old.log_odds if old else 0.0)
        if old is None or old.rule.id != e.rule.id or abs(delta) > 1e-9:
            moves.append((delta, e, old))
    gone = [(-old.log_odds, old) for key, old in before.items() if key not in now]
    moves.sort(key=lambda m: (-abs(m[0]), m[1].rule.id))

    p = previous.p_mmn if previous is not None else current.prior
    out: list[Change] = []
    for delta, e, old in moves:
        after = sigmoid(logit(p) + delta)
        replaced = old.rule if old is not None and old.rule.id != e.rule.id else None
        out.append(Change(e.rule, COUNTED, label(e.rule), delta, p, after, math.exp(abs(e.log_odds)), e.bounded, replaced))
        p = after
    for delta, old in gone:
        after = sigmoid(logit(p) + delta)
        out.append(Change(old.rule, NO_LONGER, label(old.rule), delta, p, after, math.exp(abs(old.log_odds)), old.bounded))
        p = after
    seen = previous.fired_rules() if previous is not None else set()
    for e in current.evidence:
        for f in e.folded:
            if f.rule.id not in seen:
                out.append(Change(f.rule, FOLDED, label(f.rule), 0.0, p, p, f.rule.likelihood_ratio, into=e.rule))
    for e in current.shared:
        if e.rule.id not in seen:
            out.append(Change(e.rule, SHARED, None, 0.0, p, p, 1.0))
    return out

