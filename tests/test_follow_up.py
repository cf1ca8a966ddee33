"""Follow-up stages (issue 14): a later visit may change what an earlier one found, the assessment uses
the latest value and says what changed, and a change outside a follow-up is refused with the fix."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli, write
from mmn_ddx.assessment import to_json
from bundled import assessor, load_case

FIRST_VISIT = """\
id: seen-twice
title: A man seen twice
diagnosis: als
stages:
  - name: history
    findings: {age_at_onset: 57, sex: male, duration_months: 14, progression: rapid}
  - name: examination
    findings: {babinski: false, hoffmann: false, umn_regions: [], lmn_regions: [cervical]}
"""


def follow_up(extra: str) -> str:
    return FIRST_VISIT + "  - name: review\n" + extra


def test_a_follow_up_changes_a_finding_and_the_assessment_uses_the_latest_value(tmp_path):
    path = write(tmp_path / "seen-twice.yaml", follow_up(
        "    follow_up: true\n    months_since_onset: 28\n    findings: {babinski: true, umn_regions: [lumbosacral]}\n"
        "    teaching_point: The Babinski sign appeared.\n"))
    case = load_case(path)
    before = to_json(assessor().assess_case(case, "examination"))
    after = to_json(assessor().assess_case(case))
    assert "changed_findings" not in before  # nothing has changed yet: old readers see the old object
    assert after["probability"]["mmn"] < before["probability"]["mmn"]  # the new Babinski sign is weighed
    assert any(e["findings"].get("babinski") is True for e in after["evidence"])
    assert after["changed_findings"][0] == {"finding": "babinski", "before": False, "after": True, "stage": "review",
                                   "since_stage": "examination", "months": 28, "months_since_previous": None}
    assert after["changed_findings"][1]["before"] == [] and after["changed_findings"][1]["after"] == ["lumbosacral"]
    # The follow-up's time since onset is the duration at that visit.
    assert case.findings_through()["duration_months"] == 28


def test_months_since_previous_counts_from_the_first_visits_duration(tmp_path):
    path = write(tmp_path / "seen-twice.yaml", follow_up(
        "    follow_up: true\n    months_since_previous: 12\n    findings: {babinski: true}\n"))
    case = load_case(path)
    assert case.stages[-1].months_since_onset == 26  # 14 months at the first visit, 12 more
    assert "Babinski sign: absent → present, 26 months after onset" in run_cli(["walk", str(path), "--no-input"]).stdout


def test_a_change_outside_a_follow_up_is_refused_with_how_to_write_one(tmp_path):
    path = write(tmp_path / "seen-twice.yaml", follow_up("    findings: {babinski: true}\n"))
    err = run_cli(["validate", str(path)], exit_code=2).stderr
    assert "line 10" in err and "'babinski' is true in stage 'review' but false in stage 'examination'" in err
    assert "follow_up: true" in err and "months_since_onset" in err


@pytest.mark.parametrize("extra, message", [
    ("    follow_up: true\n    findings: {babinski: true}\n", "a follow-up must say when it happened"),
    ("    months_since_onset: 20\n    findings: {babinski: false}\n", "'months_since_onset' belongs to a follow-up stage"),
    ("    follow_up: true\n    months_since_onset: 10\n    findings: {babinski: true}\n", "comes before the stage before it"),
    ("    follow_up: yes please\n    months_since_onset: 20\n", "'follow_up' must be true or false"),
    ("    follow_up: true\n    months_since_onset: 20\n    findings: {duration_months: 30}\n", "disagrees with the follow-up"),
])
def test_a_badly_written_follow_up_is_refused_with_a_fix(tmp_path, extra, message):
    path = write(tmp_path / "seen-twice.yaml", follow_up(extra))
    assert message in run_cli(["validate", str(path)], exit_code=2).stderr


def test_the_walk_shows_the_change_and_after_the_call_its_teaching_point(tmp_path):
    path = write(tmp_path / "seen-twice.yaml", follow_up(
        "    follow_up: true\n    months_since_onset: 28\n    findings: {babinski: true}\n"
        "    teaching_point: Re-examine the plantars at every visit.\n"))
    out = " ".join(run_cli(["walk", str(path), "--no-input"]).stdout.split())
    assert "review (follow-up, 28 months after onset)" in out
    assert "Babinski sign: absent → present, 28 months after onset" in out
    assert out.index("Babinski sign: absent → present") < out.index("What the change teaches: Re-examine the plantars")
    found = [json.loads(line) for line in run_cli(["walk", str(path), "--json"]).stdout.splitlines()]
    stage = [e for e in found if e["event"] == "stage"][-1]
    assert stage["follow_up"] == {"months_since_onset": 28, "months_since_previous": None}
    assert stage["changed_findings"][0]["finding"] == "babinski" and "teaching_point" not in stage
    engine = [e for e in found if e["event"] == "engine"][-1]
    assert engine["teaching_point"] == "Re-examine the plantars at every visit."
    assert engine["assessment"]["changed_findings"][0]["after"] is True


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_handout_shows_the_change_and_only_the_key_its_teaching_point(tmp_path, fmt):
    path = write(tmp_path / "seen-twice.yaml", follow_up(
        "    follow_up: true\n    months_since_onset: 28\n    findings: {babinski: true}\n"
        "    teaching_point: Re-examine the plantars at every visit.\n"))
    handout = run_cli(["export", str(path), "--format", fmt]).stdout
    key = run_cli(["export", str(path), "--format", fmt, "--answer-key"]).stdout
    assert "Babinski sign: absent → present, 28 months after onset" in handout
    assert "Re-examine the plantars" not in handout  # it would give the turn away before the learner's call
    assert "Re-examine the plantars at every visit." in key


def test_bundled_cases_that_evolve_show_each_change_in_the_walk():
    from bundled import library

    evolving = [load_case(p) for p in library().values()]
    evolving = [c for c in evolving if any(s.changes for s in c.stages)]
    assert len(evolving) >= 3, [c.id for c in evolving]
    for case in evolving:
        out = " ".join(run_cli(["walk", case.id, "--no-input"]).stdout.split())
        vocab = assessor().book.vocabulary
        for stage in case.stages:
            for change in stage.changes:
                assert " ".join(vocab.show_change(change).split()) in out
            if stage.teaching_point:
                assert stage.teaching_point in out
