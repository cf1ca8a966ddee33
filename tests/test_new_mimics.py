"""The five conditions vocabulary version 2 adds (issue 14), and the SMN1 test: each red flag fires on
the findings that should raise it and stays silent on findings written to look close but not raise it.
Each pair says why, as a teacher would."""

from __future__ import annotations

import pytest

from mmn_ddx.assessment import to_json
from mmn_ddx.engine import fired_keys
from bundled import assessor, library, load_case

NEW_CONDITIONS = ("myasthenia_gravis", "lead_neuropathy", "adult_hexosaminidase_a_deficiency",
                  "radiation_induced_lmn_syndrome", "hnpp")

# rule id: (fires on, does not fire on, why the second must stay silent)
PAIRS = {
    "consider-mg-antibodies": (
        {"myasthenia_antibodies": True}, {"myasthenia_antibodies": False},
        "negative antibodies do not raise myasthenia (they do not exclude seronegative disease either, but they are no flag)"),
    "consider-mg-fatigable-ocular": (
        {"fatigability": True, "ptosis_or_diplopia": True}, {"fatigability": True, "ptosis_or_diplopia": False},
        "fatigue without ocular signs is what many ALS patients report early"),
    "consider-mg-decrement-fatigable-no-wasting": (
        {"repetitive_stimulation_decrement": True, "fatigability": True, "wasting": False},
        {"repetitive_stimulation_decrement": True, "fatigability": True, "wasting": True},
        "a decrement in wasted muscles is the unreliable transmission of reinnervating units in ALS"),
    "consider-lead-blood-level": (
        {"blood_lead_ug_dl": 83}, {"blood_lead_ug_dl": 12},
        "a blood lead well below the level of lead neuropathy is no flag"),
    "consider-lead-exposure-motor-arm": (
        {"lead_exposure": True, "onset_site": "hand", "objective_sensory_loss": "none"},
        {"lead_exposure": True, "onset_site": "hand", "objective_sensory_loss": "present"},
        "lead neuropathy is motor; clear sensory loss in the hands points elsewhere"),
    "consider-hexa-deficiency": (
        {"hexosaminidase_a_deficiency": True}, {"hexosaminidase_a_deficiency": False},
        "normal enzyme activity excludes the disease"),
    "consider-hexa-young-lmn-tremor-cognition": (
        {"age_at_onset": 29, "lmn_regions": ["cervical", "lumbosacral"], "postural_tremor": True},
        {"age_at_onset": 62, "lmn_regions": ["cervical", "lumbosacral"], "postural_tremor": True},
        "a tremor at 62 beside a lower-motor-neuron syndrome is the age of ALS and of essential tremor"),
    "consider-radiation-lmn-after-radiotherapy": (
        {"prior_radiotherapy": True, "lmn_regions": ["lumbosacral"]}, {"prior_radiotherapy": False, "lmn_regions": ["lumbosacral"]},
        "without past radiotherapy the flag has nothing to stand on"),
    "consider-radiation-myokymia": (
        {"myokymic_discharges": True, "prior_radiotherapy": True}, {"myokymic_discharges": True, "prior_radiotherapy": False},
        "myokymia without radiotherapy has other causes (e.g. nerve hyperexcitability syndromes)"),
    "consider-hnpp-pmp22-deletion": (
        {"pmp22_deletion": True}, {"pmp22_deletion": False}, "no deletion, no genetic proof of HNPP"),
    "consider-hnpp-recurrent-pressure-palsies": (
        {"recurrent_pressure_palsies": True}, {"recurrent_pressure_palsies": False},
        "weakness that came without pressure palsies is not the HNPP history"),
    "consider-hnpp-entrapment-slowing-sensory": (
        {"focal_slowing_at_entrapment_sites": True, "sural_sensory_conduction": "abnormal"},
        {"focal_slowing_at_entrapment_sites": True, "sensory_conduction": "normal", "sural_sensory_conduction": "normal"},
        "slowing at one entrapment site with normal sensory potentials is an ordinary entrapment"),
    "consider-sma-smn1-deletion": (
        {"smn1_deletion": True}, {"smn1_deletion": False}, "no SMN1 deletion, no genetic proof of SMA"),
}


def _fired(findings):
    vocab = assessor().book.vocabulary
    findings = {k: vocab.check(k, v) for k, v in findings.items()}  # as a case file would give them
    return set(fired_keys(assessor().engine.run(findings)))


@pytest.mark.parametrize("rule_id", sorted(PAIRS))
def test_red_flag_fires_and_stays_silent(rule_id):
    fires, silent, why = PAIRS[rule_id]
    assert rule_id in _fired(fires)
    assert rule_id not in _fired(silent), why


def test_each_new_condition_has_a_sourced_red_flag():
    book = assessor().book
    for condition in NEW_CONDITIONS:
        rules = [r for r in book.consider if r.condition == condition]
        assert rules and all(r.sources for r in rules) and all(r.strength in ("strong", "moderate", "weak") for r in rules)
        assert rules[0].id in PAIRS


CASES = {load_case(p).diagnosis: load_case(p) for p in library().values()}


@pytest.mark.parametrize("condition", NEW_CONDITIONS)
def test_each_new_condition_has_a_bundled_case_that_names_it_first(condition):
    case = CASES[condition]
    data = to_json(assessor().assess_case(case))
    assert data["consider"][0]["condition"] == condition
    assert case.source.startswith("Adapted from") or "Teaching composite" in case.source


def test_a_settling_smn1_deletion_sets_the_leaning_aside():
    a = to_json(assessor().assess({"smn1_deletion": True, "symmetric_proximal_weakness": True}))
    assert a["leaning"] == "undecided" and a["consider"][0]["condition"] == "adult_spinal_muscular_atrophy"
