"""The rule files: every rule is sourced, checked, and has a case where it fires and one where it must not."""

from __future__ import annotations

import itertools
import math

import pytest

from bundled import assessor, rulebook
from mmn_ddx.conditions import candidate_values, evaluate, findings_of
from mmn_ddx.engine import fired_keys
from mmn_ddx.errors import InputError
from mmn_ddx.model import LR_CAP
from mmn_ddx.library import load_library
from conftest import write

BOOK = rulebook()
ALL_RULES = list(BOOK.all_rules())


def witnesses(cond, limit: int = 20000):
    """A findings dict that makes `cond` true and one that makes it false (None if not found)."""
    candidates = candidate_values([cond], BOOK.vocabulary)
    names = list(findings_of(cond))
    true_case = false_case = None
    left_out = object()  # a finding the case does not state
    for count, values in enumerate(itertools.product(*(candidates[n] + [left_out] for n in names))):
        if count > limit:
            break
        case = {n: v for n, v in zip(names, values) if v is not left_out}
        truth = evaluate(cond, case)
        if truth is True and true_case is None:
            true_case = case
        if truth is False and false_case is None:
            false_case = case
        if true_case and false_case:
            break
    return true_case, false_case


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.id for r in ALL_RULES])
def test_rule_fires_on_one_case_and_not_on_another(rule):
    true_case, false_case = witnesses(rule.when)
    assert true_case is not None, f"{rule.id} can never fire"
    assert false_case is not None, f"{rule.id} fires whatever the findings"
    engine = assessor("durable").engine
    assert rule.id in fired_keys(engine.run(true_case))
    assert rule.id not in fired_keys(engine.run(false_case))


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.id for r in ALL_RULES])
def test_rule_never_fires_on_an_empty_case(rule):
    assert evaluate(rule.when, {}) is not True


def test_at_least_35_weighing_rules_and_every_one_sourced():
    assert len(BOOK.weigh) >= 35
    for rule in ALL_RULES:
        assert rule.sources and all(len(s) > 10 for s in rule.sources), rule.id


def test_shared_features_are_explained_not_counted():
    shared = [r for r in BOOK.weigh if r.toward == "neither"]
    assert len(shared) >= 5
    for rule in shared:
        assert rule.weight == 0.0 and rule.log_odds_mmn == 0.0


def test_ratios_derive_from_frequencies_and_are_capped():
    for rule in BOOK.weigh:
        if rule.frequency:
            f = rule.frequency
            raw = f.mmn / f.als if f.applies == "present" else (1 - f.mmn) / (1 - f.als)
            expected = raw if rule.toward == "mmn" else 1 / raw
            assert math.isclose(rule.uncapped_ratio, expected)
            assert rule.likelihood_ratio == min(expected, LR_CAP)
            assert rule.capped == (expected > LR_CAP)
        if rule.estimate:
            assert 1 < rule.likelihood_ratio <= 4


def test_every_condition_to_consider_can_be_named():
    named = {rule.condition for rule in BOOK.consider}
    assert named == set(BOOK.vocabulary.conditions)
    version_1 = {"lewis_sumner_syndrome", "cidp", "hirayama_disease", "kennedy_disease", "cervical_myeloradiculopathy",
                "inclusion_body_myositis", "post_polio_syndrome", "adult_spinal_muscular_atrophy",
                "benign_fasciculation_syndrome", "neuralgic_amyotrophy", "progressive_muscular_atrophy",
                "multifocal_acquired_motor_axonopathy"}
    # Version 1 of the vocabulary named these twelve; version 2 adds five (README, "Vocabulary version 2"), drops none.
    assert version_1 | {"myasthenia_gravis", "lead_neuropathy", "adult_hexosaminidase_a_deficiency",
                       "radiation_induced_lmn_syndrome", "hnpp"} == set(BOOK.vocabulary.conditions)


def test_pseudo_block_does_not_count_toward_mmn():
    real = assessor("plain").assess({"conduction_block": "definite", "distal_cmap_too_low": False})
    pseudo = assessor("plain").assess({"conduction_block": "definite", "distal_cmap_too_low": True})
    assert real.p_mmn > real.prior
    assert pseudo.p_mmn <= pseudo.prior + 1e-12  # (the logit round trip may add a last-digit error)
    assert any(e.rule.toward == "neither" for e in pseudo.shared), "the pseudo-block rule explains itself"


def test_correlated_umn_signs_count_once():
    one = assessor("plain").assess({"babinski": True})
    many = assessor("plain").assess({"babinski": True, "hoffmann": True, "spasticity": True, "brisk_jaw_jerk": True})
    assert math.isclose(one.p_mmn, many.p_mmn)
    folded = [f.rule.id for e in many.evidence for f in e.folded]
    assert len(folded) >= 3


# ----------------------------------------------------------------------------- broken rule files
RULE = """rules:
  - id: {id}
    title: A test rule
    when: {when}
    toward: {toward}
    frequency: {{of: something, mmn: {mmn}, als: {als}, confidence: M}}
    explanation: Because.
    teaching_point: Remember.
    sources: [Somebody et al., Journal 2020.]
"""


def broken(rules_copy, **fields):
    values = dict(id="test-rule", when="{babinski: true}", toward="als", mmn=0.02, als=0.75)
    values.update(fields)
    write(rules_copy / "weigh" / "zz-test.yaml", RULE.format(**values))
    with pytest.raises(InputError) as caught:
        load_library(rules_copy)
    return [str(p) for p in caught.value.problems]


def test_frequencies_that_contradict_toward_are_refused(rules_copy):
    messages = broken(rules_copy, toward="mmn")
    assert any("zz-test.yaml, line" in m and "point to ALS" in m for m in messages), messages


def test_unknown_finding_in_a_rule_is_refused_with_a_suggestion(rules_copy):
    messages = broken(rules_copy, when="{babinsky: true}")
    assert any("'babinsky' is unknown" in m and "Did you mean 'babinski'" in m for m in messages), messages


def test_duplicate_rule_id_is_refused(rules_copy):
    existing = BOOK.weigh[0].id
    messages = broken(rules_copy, id=existing)
    assert any(f"rule id '{existing}' is used twice" in m for m in messages), messages


def test_frequency_outside_zero_one_is_refused(rules_copy):
    messages = broken(rules_copy, mmn=60)
    assert any("'mmn' must be a number between 0 and 1" in m for m in messages), messages


def test_every_problem_is_reported_at_once(rules_copy):
    write(rules_copy / "weigh" / "zz-a.yaml", RULE.format(id="a-rule", when="{babinsky: true}", toward="als", mmn=0.02, als=0.75))
    write(rules_copy / "weigh" / "zz-b.yaml", RULE.format(id="b-rule", when="{babinski: maybe}", toward="als", mmn=0.02, als=0.75))
    with pytest.raises(InputError) as caught:
        load_library(rules_copy)
    paths = {p.path.rsplit("/", 1)[-1] for p in caught.value.problems}
    assert {"zz-a.yaml", "zz-b.yaml"} <= paths


def test_reflexes_and_umn_signs_are_one_fact_each_way():
    engine = assessor("plain")
    babinski = engine.assess({"babinski": True}).p_mmn
    assert math.isclose(engine.assess({"babinski": True, "reflexes_affected_limbs": "brisk"}).p_mmn, babinski)
    clean = {"babinski": False, "hoffmann": False, "spasticity": False, "reflexes_affected_limbs": "reduced"}
    both = engine.assess({**clean, "umn_regions": ()})
    assert len([e for e in both.evidence if e.rule.family == "bedside-picture" and e.rule.toward == "mmn"]) == 1
    # A lone Hoffmann sign weighs the same whether or not the case also lists its region.
    hoffmann = engine.assess({"hoffmann": True}).p_mmn
    assert math.isclose(engine.assess({"hoffmann": True, "umn_regions": ("cervical",)}).p_mmn, hoffmann)
