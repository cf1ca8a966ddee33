"""The bundled case library: every case validates and, after its last stage, agrees with its diagnosis."""

from __future__ import annotations

import pytest

from mmn_ddx.assessment import assessor
from mmn_ddx.cases import library, load_case

CASES = {case_id: load_case(path) for case_id, path in library().items()}


def agrees(case, a) -> bool:
    if case.diagnosis in ("mmn", "als"):
        return a.leaning == case.diagnosis
    named = {c.condition for c in a.consider}
    if case.diagnosis == "progressive_muscular_atrophy":  # ALS spectrum: never lean MMN
        return a.leaning != "mmn" and case.diagnosis in named
    return case.diagnosis in named


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case_agrees_with_its_diagnosis(case_id):
    case = CASES[case_id]
    a = assessor("durable").assess_case(case)
    assert agrees(case, a), (case.diagnosis, a.leaning, round(a.p_mmn, 3), [c.condition for c in a.consider])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case_is_complete_for_teaching(case_id):
    case = CASES[case_id]
    assert case.source and case.diagnosis and case.difficulty in (1, 2, 3)
    assert case.teaching_points
    assert all(stage.narrative for stage in case.stages)


def test_library_has_the_promised_mix():
    diagnoses = [case.diagnosis for case in CASES.values()]
    assert diagnoses.count("mmn") >= 3
    assert diagnoses.count("als") >= 3
    assert sum(d not in ("mmn", "als") for d in diagnoses) >= 2
    assert "mmn-finger-drop" in CASES, "make demo assesses this case"


def test_case_ids_match_file_names():
    for case_id, case in CASES.items():
        assert case.id == case_id
