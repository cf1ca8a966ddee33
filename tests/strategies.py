"""Hypothesis strategies: random but valid cases drawn from the vocabulary of the bundled library."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from bundled import LIBRARY
from test_rule_fixtures import CASES as FIXTURE_CASES
from test_rule_fixtures import canonical_findings

VOCAB = LIBRARY.vocabulary


def value_strategy(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    if spec.type == "regions":
        return st.sets(st.sampled_from(VOCAB.regions)).map(lambda s: tuple(r for r in VOCAB.regions if r in s))
    # the values either side of each threshold a rule compares with, and anything in the plausible
    # range (a CK of 5,000 U/L as well as 150), whole and, where allowed, decimal
    near_thresholds = st.sampled_from(rule_values()[spec.id])
    whole = st.integers(int(spec.min), int(spec.max))
    if spec.integer:
        return st.one_of(near_thresholds, whole)
    return st.one_of(near_thresholds, whole, st.floats(spec.min, spec.max, allow_nan=False).map(lambda x: round(x, 2)))


SPECS = list(VOCAB)


@st.composite
def findings(draw):
    """A case stating any number of findings, from none to every one.

    The number is drawn first, evenly, so dense cases are as likely as sparse ones: a list of
    unique findings left to Hypothesis' own sizing stays short and never reaches them."""
    size = draw(st.integers(0, len(SPECS)))
    chosen = draw(st.lists(st.sampled_from(SPECS), min_size=size, max_size=size, unique_by=lambda s: s.id))
    return {spec.id: draw(value_strategy(spec)) for spec in chosen}


@lru_cache(maxsize=1)
def _fixture_findings() -> list[dict]:
    return [canonical_findings(LIBRARY, case) for case in FIXTURE_CASES]


@st.composite
def around_fixtures(draw):
    """A hand-written rule fixture (tests/rules/) with findings added, changed or left out: the
    neighbourhood of the pictures the rules were written for. Random cases seldom reach the rules
    that need five or six findings at once (the benign fasciculation flag, a definite El Escorial
    category); the fixtures stand right at them."""
    case = dict(draw(st.sampled_from(_fixture_findings())))
    for spec in draw(st.lists(st.sampled_from(SPECS), max_size=8, unique_by=lambda s: s.id)):
        if spec.id in case and draw(st.booleans()):
            del case[spec.id]
        else:
            case[spec.id] = draw(value_strategy(spec))
    return case


def cases():
    """Any valid case: drawn from the whole vocabulary, or around a rule fixture."""
    return st.one_of(findings(), around_fixtures())


@st.composite
def case_and_new_finding(draw):
    """A case, and a finding it leaves unknown with a valid value for it."""
    spec = draw(st.sampled_from(SPECS))
    # half the time a value some rule tells apart, so that the new finding often changes the weighing
    value = draw(st.one_of(value_strategy(spec), st.sampled_from(rule_values()[spec.id])))
    case = draw(cases())
    case.pop(spec.id, None)
    return case, spec.id, value


# ----------------------------------------------------------------------------- dense and maximal cases
# No cap on the number of findings: durable_rules' limits are reached by dense cases, not sparse ones.

def full_findings():
    """A case that states every finding, each with a random valid value."""
    return st.fixed_dictionaries({spec.id: value_strategy(spec) for spec in SPECS})


def every_condition() -> list:
    """Every condition of the bundled rule book: weighing and red-flag rules, and criteria elements."""
    book = LIBRARY.rulebook
    conditions = [r.when for r in book.weigh] + [r.when for r in book.consider]
    for criterion_set in book.criteria:
        conditions += [t.condition for t in criterion_set.targets()]
    return conditions


@lru_cache(maxsize=1)
def rule_values() -> dict:
    """For each finding, the values the rules tell apart: every bool and enum value, region lists
    (every region among them), and numbers either side of each threshold a rule compares with.
    Read once: strategies draw from it on every example."""
    from mmn_ddx.conditions import candidate_values

    values = candidate_values(every_condition(), VOCAB)
    for spec in SPECS:
        found = values.setdefault(spec.id, [])
        if spec.type == "regions" and VOCAB.regions not in found:
            found.append(tuple(VOCAB.regions))
        if not found:  # a finding no rule reads: any valid value
            found.append(True if spec.type == "bool" else spec.values[0] if spec.type == "enum" else spec.min or 0)
    return values


def fired_count(case: dict) -> int:
    return sum(1 for _, truth in LIBRARY.assessor("plain").engine.run(case) if truth)


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
