"""One library per command: the bundled one, or the folders named by the global --rules and --cases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from conftest import ROOT, run_cli, write

CASE = """\
id: shoulder-will-not-lift
title: A teacher who cannot lift her arm
diagnosis: mmn
difficulty: 1
findings:
  asymmetric_weakness: true
  conduction_block: definite
"""


def _retitle_cb_definite(rules_copy, title: str) -> None:
    path = rules_copy / "weigh" / "electrodiagnosis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Definite motor conduction block", title, 1), encoding="utf-8")


def test_rules_option_reads_that_folder_and_the_bundled_one_stays_the_default(rules_copy):
    _retitle_cb_definite(rules_copy, "Conduction block as this teacher defines it")
    mine = run_cli(["--rules", str(rules_copy), "rules", "show", "cb-definite", "--json"]).stdout
    assert json.loads(mine)["title"] == "Conduction block as this teacher defines it"
    assert json.loads(run_cli(["rules", "show", "cb-definite", "--json"]).stdout)["title"] == "Definite motor conduction block"


def test_rules_option_assesses_with_that_folders_rules(rules_copy):
    path = rules_copy / "weigh" / "electrodiagnosis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("A definite conduction block is", "By the local definition, a block is", 1),
                    encoding="utf-8")
    out = json.loads(run_cli(["--rules", str(rules_copy), "assess", "electrician-finger-drop", "--json"]).stdout)
    cb = next(e for e in out["evidence"] if e["rule"] == "cb-definite")
    assert cb["explanation"].startswith("By the local definition, a block is")


def test_a_broken_rules_folder_is_bad_input_naming_the_file(rules_copy):
    write(rules_copy / "weigh" / "zz-broken.yaml", "rules:\n  - id: broken-rule\n    when: {babinsky: true}\n")
    result = run_cli(["--rules", str(rules_copy), "cases"], exit_code=2)
    assert "zz-broken.yaml, line" in result.stderr and "babinsky" in result.stderr


def test_a_folder_without_weighing_rules_is_refused_not_read_as_an_empty_rule_book(tmp_path):
    result = run_cli(["--rules", str(tmp_path), "assess", "electrician-finger-drop"], exit_code=2)
    assert "is not a rules folder: it has no weigh/ folder" in result.stderr


def test_cases_option_names_cases_from_that_folder(tmp_path):
    folder = tmp_path / "my-cases"
    write(folder / "shoulder-will-not-lift.yaml", CASE)
    listed = json.loads(run_cli(["--cases", str(folder), "cases", "--json"]).stdout)
    assert [c["id"] for c in listed] == ["shoulder-will-not-lift"]
    assessed = json.loads(run_cli(["--cases", str(folder), "assess", "shoulder-will-not-lift", "--json"]).stdout)
    assert assessed["case"] == "shoulder-will-not-lift"
    missing = run_cli(["--cases", str(folder), "assess", "electrician-finger-drop"], exit_code=2)
    assert "neither a file, a folder, nor the id" in missing.stderr


def test_completion_offers_the_ids_of_the_cases_folder_given(tmp_path):
    folder = tmp_path / "my-cases"
    write(folder / "shoulder-will-not-lift.yaml", CASE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_MMN_DDX_COMPLETE": "bash_complete",
           "COMP_WORDS": f"mmn-ddx --cases {folder} walk sh", "COMP_CWORD": "4"}
    done = subprocess.run([sys.executable, "-m", "mmn_ddx"], capture_output=True, text=True, timeout=60, env=env)
    assert "shoulder-will-not-lift" in done.stdout and "shoulder-" in done.stdout


def test_a_worker_process_rebuilds_the_library_of_the_batch(rules_copy, tmp_path):
    from mmn_ddx import batch

    _retitle_cb_definite(rules_copy, "The worker's own title")
    job = batch.Job(None, {}, 0.05, "plain", False, "assessment", str(rules_copy), str(ROOT / "cases"))
    batch._LIBRARIES.pop((job.rules_root, job.cases_root), None)  # as in a process started afresh
    item, = batch._assess_chunk([str(ROOT / "cases" / "electrician-finger-drop.yaml")], job)
    assert "The worker's own title" in [e.rule.title for e in item.assessment.evidence]


def test_validate_checks_case_files_against_the_vocabulary_of_rules_given(rules_copy, tmp_path):
    findings = rules_copy / "findings.yaml"
    findings.write_text(findings.read_text(encoding="utf-8").replace("id: conduction_block\n", "id: motor_block\n", 1),
                        encoding="utf-8")
    shutil.rmtree(rules_copy / "weigh")  # its rules name conduction_block; only the vocabulary matters here
    (rules_copy / "weigh").mkdir()
    shutil.rmtree(rules_copy / "criteria")
    shutil.rmtree(rules_copy / "consider")
    case = write(tmp_path / "shoulder-will-not-lift.yaml", CASE)
    result = run_cli(["--rules", str(rules_copy), "validate", str(case)], exit_code=2)
    assert "line 7: finding 'conduction_block' is unknown" in result.stderr
    run_cli(["validate", str(case)])
