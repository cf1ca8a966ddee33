"""Hypothesis strategies: random but valid cases drawn from the vocabulary."""

from __future__ import annotations

from hypothesis import strategies as st

from bundled import vocabulary

VOCAB = vocabulary()


def value_strategy(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    if spec.type == "regions":
        return st.sets(st.sampled_from(VOCAB.regions)).map(lambda s: tuple(r for r in VOCAB.regions if r in s))
    if spec.integer:
        return st.integers(int(spec.min), int(spec.max))
    # numbers near the thresholds rules use matter most; whole and decimal values both
    return st.one_of(
        st.integers(int(spec.min), int(min(spec.max, 120))),
        st.floats(spec.min, min(spec.max, 5.0), allow_nan=False).map(lambda x: round(x, 2)),
    )


SPECS = list(VOCAB)


@st.composite
def findings(draw, max_size: int = 30):
    chosen = draw(st.lists(st.sampled_from(SPECS), max_size=max_size, unique_by=lambda s: s.id))
    return {spec.id: draw(value_strategy(spec)) for spec in chosen}


# ----------------------------------------------------------------------------- dense and maximal cases
# No cap on the number of findings: durable_rules' limits are reached by dense cases, not sparse ones.

def full_findings():
    """A case that states every finding, each with a random valid value."""
    return st.fixed_dictionaries({spec.id: value_strategy(spec) for spec in SPECS})


def rule_values() -> dict:
    """For each finding, the values the rules tell apart: every bool and enum value, region lists
    (every region among them), and numbers either side of each threshold a rule compares with."""
    from mmn_ddx.conditions import candidate_values
    from bundled import rulebook

    book = rulebook()
    conditions = [r.when for r in book.weigh] + [r.when for r in book.consider]
    for criterion_set in book.criteria:
        conditions += [t.condition for t in criterion_set.targets()]
    values = candidate_values(conditions, VOCAB)
    for spec in SPECS:
        found = values.setdefault(spec.id, [])
        if spec.type == "regions" and VOCAB.regions not in found:
            found.append(tuple(VOCAB.regions))
        if not found:  # a finding no rule reads: any valid value
            found.append(True if spec.type == "bool" else spec.values[0] if spec.type == "enum" else spec.min or 0)
    return values


def fired_count(case: dict) -> int:
    from bundled import assessor

    return sum(1 for _, truth in assessor("plain").engine.run(case) if truth)


_MAXIMAL: list = []


def maximal_case() -> dict:
    """Every finding stated, every region listed, each value the one that fires the most rules
    (coordinate ascent over the rule values, counted by the plain oracle)."""
    if _MAXIMAL:
        return dict(_MAXIMAL[0])
    values = rule_values()
    case = {spec.id: (tuple(VOCAB.regions) if spec.type == "regions" else values[spec.id][0]) for spec in SPECS}
    best = fired_count(case)
    improved = True
    while improved:
        improved = False
        for finding, options in values.items():
            for value in options:
                trial = {**case, finding: value}
                count = fired_count(trial)
                if count > best:
                    case, best, improved = trial, count, True
    _MAXIMAL.append(case)
    return dict(case)


def maximal_variants() -> list[tuple[str, dict]]:
    """The maximal case, and the maximal case with each finding turned to each of its rule values."""
    base = maximal_case()
    variants = [("maximal", base)]
    for finding, options in rule_values().items():
        for value in options:
            if base[finding] != value:
                variants.append((f"{finding}={value}", {**base, finding: value}))
    return variants


@st.composite
def near_maximal(draw):
    """The maximal case with a random handful of findings changed or left out."""
    case = maximal_case()
    values = rule_values()
    for spec in draw(st.lists(st.sampled_from(SPECS), max_size=12, unique_by=lambda s: s.id)):
        if draw(st.booleans()):
            case.pop(spec.id, None)
        else:
            case[spec.id] = draw(st.sampled_from(values[spec.id]))
    return case
