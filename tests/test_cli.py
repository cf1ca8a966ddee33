"""Every command, and every kind of bad input, as a user meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli, write

DEMO = str(ROOT / "cases" / "electrician-finger-drop.yaml")
DISCLAIMER = "Educational use only: not for clinical decisions."


# ----------------------------------------------------------------------------- assess
def test_assess_explains_a_case_in_the_terminal():
    out = run_cli(["assess", DEMO]).stdout
    assert "LEANS MMN" in out
    assert "Evidence, strongest first" in out
    assert "MMN " in out and " ALS" in out and "●" in out  # the probability bar
    assert "Definite motor conduction block" in out
    assert "Shared features" in out
    assert DISCLAIMER in out


def test_assess_names_the_next_best_findings_while_some_are_unknown():
    out = run_cli(["assess", "electrician-finger-drop", "--stage", "history"]).stdout
    assert "Next best findings" in out
    assert "would rise to" in out or "would fall to" in out


def test_assess_json_is_the_contract_object():
    data = json.loads(run_cli(["assess", DEMO, "--json"]).stdout)
    for key in ("schema", "case", "through_stage", "leaning", "probability", "evidence", "criteria",
                "consider", "next_best_findings", "warnings", "disclaimer"):
        assert key in data
    assert data["schema"] == "mmn-ddx/assessment/1"
    assert data["leaning"] in ("mmn", "als", "undecided")
    assert abs(data["probability"]["mmn"] + data["probability"]["als"] - 1) < 1e-9
    assert data["disclaimer"] == DISCLAIMER
    for item in data["evidence"]:
        assert set(item) >= {"rule", "toward", "weight", "findings", "explanation", "sources"}
        assert item["sources"]


def test_assess_matches_the_json_schema():
    import jsonschema
    schema = json.loads((ROOT / "docs" / "schemas" / "assessment.schema.json").read_text())
    jsonschema.validate(json.loads(run_cli(["assess", DEMO, "--json"]).stdout), schema)


def test_assess_by_stage_discloses_only_that_much():
    early = json.loads(run_cli(["assess", "electrician-finger-drop", "--stage", "1", "--json"]).stdout)
    late = json.loads(run_cli(["assess", "electrician-finger-drop", "--json"]).stdout)
    assert early["through_stage"] == "history"
    assert len(early["evidence"]) < len(late["evidence"])


def test_assess_a_folder_gives_an_array():
    data = json.loads(run_cli(["assess", str(ROOT / "cases"), "--json"]).stdout)
    assert isinstance(data, list) and len(data) >= 8


def test_assess_findings_from_the_command_line():
    data = json.loads(run_cli(["assess", "-f", "babinski=true", "-f", "umn_regions=cervical,bulbar", "--json"]).stdout)
    assert data["leaning"] == "als"
    assert data["case"] == "command-line"


def test_prior_moves_the_probability():
    low = json.loads(run_cli(["assess", "-f", "conduction_block=definite", "--prior", "0.05", "--json"]).stdout)
    high = json.loads(run_cli(["assess", "-f", "conduction_block=definite", "--prior", "0.5", "--json"]).stdout)
    assert low["probability"]["mmn"] < high["probability"]["mmn"]


def test_both_engines_give_the_same_json():
    durable = run_cli(["assess", DEMO, "--json"]).stdout
    plain = run_cli(["assess", DEMO, "--json", "--engine", "plain"]).stdout
    assert durable == plain


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "args, message",
    [
        (["assess", "-f", "conduction_blok=definite"], "Did you mean 'conduction_block'?"),
        (["assess", "-f", "conduction_block=definit"], "Did you mean 'definite'?"),
        (["assess", "-f", "age_at_onset=old"], "is not a number"),
        (["assess", "-f", "babinski"], "must be written id=value"),
        (["assess", "no-such-case"], "neither a file, a folder, nor the id of a bundled case"),
        (["assess", "electrician-finger-drop", "--stage", "electro"], "Did you mean 'electrodiagnosis'?"),
        (["assess", "electrician-finger-drop", "--stage", "9"], "has no stage 9"),
        (["assess", "-f", "babinski=true", "--prior", "1.5"], "strictly between 0 and 1"),
        (["assess"], "nothing to assess"),
        (["rules", "show", "cb-definit"], "Did you mean 'cb-definite'?"),
    ],
)
def test_bad_input_is_explained_with_exit_2(args, message):
    result = run_cli(args, exit_code=2)
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def case_file(tmp_path, body: str) -> str:
    return str(write(tmp_path / "case.yaml", body))


BAD_CASES = [
    ("id: x\nfindings:\n  conduction_blok: definite\n", "line 3", "Did you mean 'conduction_block'?"),
    ("id: x\nfindings:\n  age_at_onset: forty\n", "line 3", "is not a number"),
    ("id: x\nfindings:\n  anti_gm1_igm: high\n", "line 3", "Did you mean 'high_titre'?"),
    ("id: x\nfindings:\n  babinski: true\n  babinski: false\n", "line 4", "appears twice"),
    ("id: x\nfindings:\n  babinski: [true\n", "line 4", "not valid YAML, column"),
    ("id: x\nstages:\n  - name: history\n    findings: {babinski: true}\n  - name: examination\n    findings: {babinski: false}\n",
     "line 6", "in stage 'examination' but true in stage 'history'"),
    ("id: x\ndiagnosis: mnn\nfindings: {babinski: true}\n", "line 2", "Did you mean 'mmn'?"),
    ("id: x\nfindings:\n  umn_regions: [cervical, arm]\n", "line 3", "is not a body region"),
]


@pytest.mark.parametrize("body, where, message", BAD_CASES)
def test_bad_case_files_name_the_file_the_line_and_a_fix(tmp_path, body, where, message):
    path = case_file(tmp_path, body)
    for command in (["assess", path], ["validate", path]):
        result = run_cli(command, exit_code=2)
        err = " ".join(result.stderr.split())
        assert "case.yaml" in err and where in err and message in err, err
        assert "Traceback" not in result.stderr


def test_missing_file_is_reported(tmp_path):
    result = run_cli(["validate", str(tmp_path / "gone.yaml")], exit_code=2)
    assert "no such file" in result.stderr


def test_a_bad_file_in_a_folder_does_not_hide_the_good_ones(tmp_path):
    write(tmp_path / "good.yaml", "id: good\nfindings: {babinski: true}\n")
    write(tmp_path / "bad.yaml", "id: bad\nfindings: {babinsky: true}\n")
    result = run_cli(["assess", str(tmp_path), "--json"], exit_code=2)
    assert [a["case"] for a in json.loads(result.stdout)] == ["good"]
    assert "bad.yaml" in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    path = case_file(tmp_path, "id: x\nfindings: {babinsky: true}\n")
    from click.testing import CliRunner

    from mmn_ddx.cli import main

    result = CliRunner().invoke(main, ["--debug", "assess", path])
    assert result.exit_code != 0 and result.exception is not None


# ----------------------------------------------------------------------------- other commands
def test_findings_glossary_lists_the_whole_vocabulary():
    out = run_cli(["findings"]).stdout
    assert "conduction_block" in out and "anti_gm1_igm" in out
    data = json.loads(run_cli(["findings", "--json"]).stdout)
    assert len(data["findings"]) >= 60
    assert data["regions"] == ["bulbar", "cervical", "thoracic", "lumbosacral"]


def test_rules_list_and_show():
    out = run_cli(["rules"]).stdout
    assert "cb-definite" in out
    shown = run_cli(["rules", "show", "cb-definite"]).stdout
    assert "Sources" in shown and "Teaching point" in shown
    data = json.loads(run_cli(["rules", "show", "cb-definite", "--json"]).stdout)
    assert data["toward"] == "mmn" and data["sources"]
    listed = json.loads(run_cli(["rules", "--json"]).stdout)
    assert len([r for r in listed if r["kind"] == "weigh"]) >= 35


def test_validate_the_bundled_libraries():
    out = run_cli(["validate", str(ROOT / "rules"), str(ROOT / "cases")]).stdout
    assert "no problems" in out


def test_validate_reports_every_problem_at_once(tmp_path):
    write(tmp_path / "a.yaml", "id: a\nfindings: {babinsky: true}\n")
    write(tmp_path / "b.yaml", "id: b\nfindings: {hoffman: true}\n")
    err = run_cli(["validate", str(tmp_path)], exit_code=2).stderr
    assert "a.yaml" in err and "b.yaml" in err


def test_version_and_help():
    assert "mmn-ddx" in run_cli(["--version"]).stdout
    for command in ("assess", "findings", "rules", "validate"):
        assert "Usage" in run_cli([command, "--help"]).stdout


def test_real_subprocess_json_and_error():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "assess", DEMO, "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["case"] == "electrician-finger-drop"
    bad = subprocess.run([sys.executable, "-m", "mmn_ddx", "assess", "-f", "babinsky=true"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "Did you mean 'babinski'?" in " ".join(bad.stderr.split())
    assert "Traceback" not in bad.stderr and bad.stdout == ""


@pytest.mark.parametrize("width", [80, 120])
def test_tables_keep_every_column_readable_in_a_narrow_terminal(width):
    from rich.console import Console

    from bundled import LIBRARY, rulebook, vocabulary
    from mmn_ddx.api import case_list
    from mmn_ddx.render.library import cases_table, findings_table, rules_table

    def shown(renderable) -> str:
        console = Console(width=width, record=True, color_system=None, file=open(os.devnull, "w"))
        console.print(renderable)
        return " ".join(console.export_text().split())

    assert all(word in shown(findings_table(vocabulary())) for word in ("Age at", "history", "years", "first symptom"))
    assert all(word in shown(rules_table(rulebook())) for word in ("weigh", "mmn", "4.2", "tempo", "Slow or stepwise"))
    assert all(word in shown(cases_table(case_list(LIBRARY), reveal=True)) for word in ("voice has", "★", "als"))


def test_rules_show_explains_what_rules_lists_criterion_elements_and_families_too():
    listed = {item["id"]: item["kind"] for item in json.loads(run_cli(["rules", "--json"]).stdout)}
    assert listed["efns-core-1"] == "criterion" and listed["bedside-picture"] == "family"
    assert listed["gold_coast_als"] == "criteria"
    criteria = json.loads(run_cli(["rules", "show", "revised_el_escorial_als", "--json"]).stdout)
    assert criteria["categories"][0] == "definite" and criteria["missing_means"] == "not_met"
    assert "eec-umn-bulbar" in criteria["elements"]
    element = run_cli(["rules", "show", "efns-core-1"]).stdout
    assert "Criterion element" in element and "J Peripher Nerv Syst" in element
    family = json.loads(run_cli(["rules", "show", "bedside-picture", "--json"]).stdout)
    assert family["kind"] == "family" and "pattern-nerve-territory" in family["members"]
    assert 1 < family["joint_ratio"] < 7, "the joint figure bounds the whole bedside picture below its strongest part"
    rule = json.loads(run_cli(["rules", "show", "pattern-nerve-territory", "--json"]).stdout)
    assert rule["family"] == "bedside-picture" and rule["family_joint_ratio"] == family["joint_ratio"]


def test_validate_checks_a_rules_folder_against_its_own_vocabulary(tmp_path):
    """An author who renames a finding in a copied findings.yaml must hear which rules still use the old name."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    vocab = rules / "findings.yaml"
    vocab.write_text(vocab.read_text().replace("- id: babinski\n", "- id: babinski_sign\n"))
    done = run_cli(["validate", str(rules)], exit_code=2)
    assert "babinski" in done.stderr and "unknown" in done.stderr


def test_every_value_assess_prints_is_one_finding_accepts():
    """What the output shows for a value ('yes', 'none', 'low titre', '24 months') reads back as that value."""
    from bundled import vocabulary

    vocab = vocabulary()
    for spec in vocab:
        samples = {"bool": [True, False], "enum": list(spec.values), "regions": [(), ("cervical",), ("bulbar", "lumbosacral")],
                   "number": [int(spec.min) if spec.min is not None else 1]}[spec.type]
        for value in samples:
            assert vocab.parse_text(spec.id, vocab.show(spec.id, value)) == value, (spec.id, value)
    assert vocab.parse_text("umn_regions", "none") == () and vocab.parse_text("umn_regions", "unknown") is None


def test_a_finding_can_be_set_back_to_unknown():
    base = json.loads(run_cli(["assess", "electrician-finger-drop", "--json"]).stdout)
    data = json.loads(run_cli(["assess", "electrician-finger-drop", "-f", "conduction_block=unknown", "--json"]).stdout)
    assert "cb-definite" in {e["rule"] for e in base["evidence"]}
    assert "cb-definite" not in {e["rule"] for e in data["evidence"]}
    assert data["probability"]["mmn"] < base["probability"]["mmn"]
    assert any("set it back to unknown" in w and "'definite'" in w for w in data["warnings"])
    alone = json.loads(run_cli(["assess", "-f", "babinski=true", "-f", "umn_regions=none", "-f", "wasting=unknown", "--json"]).stdout)
    assert alone["probability"]["mmn"] < 0.15
