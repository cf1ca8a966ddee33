"""Hypothesis strategies: random but valid cases drawn from the vocabulary."""

from __future__ import annotations

from hypothesis import strategies as st

from mmn_ddx.vocabulary import vocabulary

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
