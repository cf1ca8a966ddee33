"""The condition grammar: parsing, three-valued evaluation, and agreement with durable_rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmn_ddx.compiled import compiled
from mmn_ddx.conditions import (
    All, Any_, AtLeast, ConditionParser, Eq, Not, evaluate, findings_of, to_durable,
)
from mmn_ddx.engine import DurableEngine, PlainEngine, Target
from bundled import vocabulary
from mmn_ddx.yamlio import load_yaml_text
from strategies import every_condition, findings, full_findings

VOCAB = vocabulary()


def parse(text: str):
    parser = ConditionParser(VOCAB, "test.yaml")
    cond = parser.parse(load_yaml_text(text, "test.yaml"), 1)
    return cond, parser.problems


@pytest.mark.parametrize(
    "text, findings, expected",
    [
        ("babinski: true", {"babinski": True}, True),
        ("babinski: true", {"babinski": False}, False),
        ("babinski: true", {}, None),
        ("conduction_block: {one_of: [probable, definite]}", {"conduction_block": "probable"}, True),
        ("conduction_block: {one_of: [probable, definite]}", {"conduction_block": "none"}, False),
        ("age_at_onset: {lt: 45}", {"age_at_onset": 44}, True),
        ("age_at_onset: {lt: 45}", {"age_at_onset": 45}, False),
        ("age_at_onset: {ge: 30, lt: 45}", {"age_at_onset": 29}, False),
        ("csf_protein_g_l: {ge: 1}", {"csf_protein_g_l": 1.0}, True),
        ("umn_regions: {contains: bulbar}", {"umn_regions": ("bulbar", "cervical")}, True),
        ("umn_regions: {contains: bulbar}", {"umn_regions": ()}, False),
        ("lmn_regions: {count: {ge: 2}}", {"lmn_regions": ("cervical",)}, False),
        ("lmn_regions: {count: {ge: 2}}", {"lmn_regions": ("cervical", "lumbosacral")}, True),
        ("umn_regions: []", {"umn_regions": ()}, True),
        ("umn_regions: []", {"umn_regions": ("cervical",)}, False),
        ("not: {babinski: true}", {}, None),
        ("not: {babinski: true}", {"babinski": False}, True),
        ("all: [{babinski: false}, {hoffmann: false}]", {"babinski": True}, False),
        ("all: [{babinski: false}, {hoffmann: false}]", {"babinski": False}, None),
        ("any: [{babinski: true}, {hoffmann: true}]", {"hoffmann": True}, True),
        ("any: [{babinski: true}, {hoffmann: true}]", {"hoffmann": False}, None),
        ("any: [{babinski: true}, {hoffmann: true}]", {"hoffmann": False, "babinski": False}, False),
        ("known: babinski", {}, False),
        ("unknown: babinski", {}, True),
        ("at_least: {n: 2, of: [{babinski: true}, {hoffmann: true}, {spasticity: true}]}", {"babinski": True, "spasticity": True}, True),
        ("at_least: {n: 2, of: [{babinski: true}, {hoffmann: true}, {spasticity: true}]}", {"babinski": True}, None),
        ("at_least: {n: 2, of: [{babinski: true}, {hoffmann: true}, {spasticity: true}]}", {"babinski": True, "hoffmann": False, "spasticity": False}, False),
    ],
)
def test_three_valued_truth_and_durable_agree(text, findings, expected):
    cond, problems = parse(text)
    assert problems == []
    assert evaluate(cond, findings) is expected
    targets = [Target("c", cond, also_false=True)]
    durable = DurableEngine(targets, VOCAB).run(findings)
    plain = PlainEngine(targets, VOCAB).run(findings)
    assert durable == plain
    assert durable == ([] if expected is None else [("c", expected)])


@pytest.mark.parametrize(
    "text, message",
    [
        ("conduction_blok: definite", "Did you mean 'conduction_block'?"),
        ("conduction_block: definit", "Did you mean 'definite'?"),
        ("age_at_onset: {lt: young}", "needs a number"),
        ("babinski: {contains: bulbar}", "applies to region lists"),
        ("umn_regions: {contains: arm}", "is not a body region"),
        ("all: []", "non-empty list"),
        ("{babinski: true, hoffmann: true}", "exactly one key"),
        ("age_at_onset: {between: 3}", "operator 'between' is unknown"),
        ("element: efns-core-1", "only in criteria files"),
        ("alll: [{babinski: true}]", "Did you mean 'all'?"),
    ],
)
def test_bad_conditions_are_explained(text, message):
    cond, problems = parse(text)
    assert cond is None
    assert any(message in str(p) for p in problems), [str(p) for p in problems]
    assert all(p.path == "test.yaml" and p.line for p in problems)


def test_findings_of_lists_each_finding_once_in_order():
    cond = All((Eq("babinski", True), Any_((Eq("hoffmann", True), Not(Eq("babinski", False))))))
    assert findings_of(cond) == ("babinski", "hoffmann")


def test_at_least_beyond_its_items_never_holds():
    cond = AtLeast(3, (Eq("babinski", True), Eq("hoffmann", True)))
    assert evaluate(cond, {"babinski": True, "hoffmann": True}) is False
    assert to_durable(cond, VOCAB, True) == {"__never": 1}


@settings(max_examples=40)
@given(st.one_of(findings(), full_findings()))
def test_compiled_conditions_agree_with_the_interpreter(case):
    """The what-if questions use the compiled closures; the interpreter is the reference."""
    memo_compiled: dict = {}
    memo_interpreted: dict = {}
    for cond in every_condition():
        assert compiled(cond)(case, memo_compiled) == evaluate(cond, case, memo_interpreted), cond
    assert memo_compiled == memo_interpreted
