"""More regressions from a bad-day session: teachers' odd quiz files, hand-edited results, class
reports written over their own inputs, and outputs that forget to say they are for teaching."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, write

CHOICE_QUIZ = """version: 1
title: Choices written at midnight
cases: [electrician-finger-drop]
questions:
  - id: q1
    kind: choice
    prompt: Which finding raises the question without answering it?
    options: [{options}]
    answer: Fasciculations
    explanation: Fasciculations occur in MMN as well as in ALS.
"""


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    """Two students' results of the introductory quiz (one right, one wrong on the same question)."""
    folder = tmp_path_factory.mktemp("class")
    for student, answer in (("Ada", "a"), ("Bob", "b")):
        answers = write(folder / f"{student}.yaml", f"answers:\n  split-hand-history-leaning: {answer}\n")
        run_cli(["quiz", "take", "introductory", "--seed", "1", "--answers", str(answers), "--student", student,
                 "--results", str(folder / "results" / f"{student}.json")])
    return folder / "results"


# ----------------------------------------------------------------------------- quiz files
def test_a_choice_option_named_skip_is_refused_since_typing_it_would_skip(tmp_path):
    quiz = write(tmp_path / "q.yaml", CHOICE_QUIZ.format(options="Fasciculations, skip, A Babinski sign"))
    err = run_cli(["validate", str(quiz)], exit_code=2).stderr
    assert "q.yaml, line" in err and "'skip'" in err and "Traceback" not in err


def test_an_empty_choice_option_is_refused(tmp_path):
    quiz = write(tmp_path / "q.yaml", CHOICE_QUIZ.format(options="Fasciculations, '', A Babinski sign"))
    err = run_cli(["validate", str(quiz)], exit_code=2).stderr
    assert "q.yaml, line" in err and "empty" in err


def test_a_json_answer_key_does_not_tell_the_teachers_folder(tmp_path):
    quiz = write(tmp_path / "home" / "teacher" / "week3.yaml", CHOICE_QUIZ.format(options="Fasciculations, A Babinski sign"))
    key = json.loads(run_cli(["quiz", "key", str(quiz), "--format", "json"]).stdout)
    assert "teacher" not in json.dumps(key)
    assert key["id"] == "week3"


def test_duplicate_keys_in_a_yaml_answers_file_are_refused_as_they_are_in_json(tmp_path):
    # the YAML half passes already; it pins the wording the JSON half should share
    answers = write(tmp_path / "a.yaml", "split-hand-history-leaning: a\nsplit-hand-history-leaning: b\n")
    err = run_cli(["quiz", "take", "introductory", "--seed", "1", "--answers", str(answers)], exit_code=2).stderr
    assert "appears twice" in err


@pytest.mark.xfail(strict=True, reason="yamlio.load_json_text keeps the last of two equal keys (json.loads); "
                                       "a JSON answers or results file with a repeated key is read without a word")
def test_duplicate_keys_in_a_json_answers_file_are_refused(tmp_path):
    answers = write(tmp_path / "a.json", '{"split-hand-history-leaning": "a", "split-hand-history-leaning": "b"}')
    err = run_cli(["quiz", "take", "introductory", "--seed", "1", "--answers", str(answers)], exit_code=2).stderr
    assert "a.json" in err and "twice" in err


def test_a_skipped_question_names_its_answer_once():
    out = run_cli(["quiz", "take", "introductory", "--seed", "1"], input="skip\n", exit_code=130).stdout
    assert out.count("the answer is a) ALS") == 1 and "The answer: ALS" not in out


# ----------------------------------------------------------------------------- results and class reports
def test_a_hand_edited_grade_is_refused_not_counted(tmp_path, class_folder):
    data = json.loads((class_folder / "Bob.json").read_text())
    wrong = next(a for a in data["answers"] if not a["correct"] and a["answer"] is not None)
    wrong["correct"] = True
    edited = tmp_path / "Bob.json"
    edited.write_text(json.dumps(data))
    result = run_cli(["class", "report", str(edited), str(class_folder / "Ada.json")], exit_code=2)
    assert "Bob.json: field 'answers[" in result.stderr and "correct" in result.stderr
    assert "Bob" not in result.stdout.split("Students")[1].split("Scores")[0]


def test_csv_and_items_csv_naming_one_file_is_refused_before_anything_is_written(tmp_path, class_folder):
    target = tmp_path / "grades.csv"
    err = run_cli(["class", "report", str(class_folder), "--csv", str(target), "--items-csv", str(target)],
                  exit_code=2).stderr
    assert "same file" in err
    assert not target.exists()


@pytest.mark.parametrize("options", [["--csv"], ["--items-csv"], ["--format", "html", "--out"]],
                         ids=["csv", "items-csv", "html"])
def test_a_report_never_replaces_one_of_its_own_results_files_even_with_force(tmp_path, class_folder, options):
    results = tmp_path / "Ada.json"
    results.write_bytes((class_folder / "Ada.json").read_bytes())
    before = results.read_bytes()
    err = run_cli(["class", "report", str(results), str(class_folder / "Bob.json"), *options, str(results), "--force"],
                  exit_code=2).stderr
    assert "Ada.json" in err and "results file" in err
    assert results.read_bytes() == before


def test_a_class_report_piped_to_head_in_a_c_locale_on_a_narrow_terminal_ends_quietly(class_folder):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C", "LC_ALL": "C", "COLUMNS": "20", "NO_COLOR": "1"}
    done = subprocess.run(f"set -o pipefail; {sys.executable} -m mmn_ddx class report {class_folder} | head -1",
                          shell=True, capture_output=True, text=True, env=env, timeout=60, executable="/bin/bash")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and "Traceback" not in done.stderr and "\x1b" not in done.stdout


# ----------------------------------------------------------------------------- outside the quiz: for the lead
@pytest.mark.xfail(strict=True, reason="cases, cases show, findings and rules (cli/__init__.py, render/) print no "
                                       "'Educational use only' notice, though the README says every output does")
@pytest.mark.parametrize("args", [["cases"], ["cases", "show", "electrician-finger-drop"], ["findings"], ["rules"],
                                  ["rules", "show", "cb-definite"]],
                         ids=["cases", "cases-show", "findings", "rules", "rules-show"])
def test_every_listing_says_it_is_for_educational_use(args):
    result = run_cli(args)
    assert "Educational use only" in result.stdout + result.stderr


# ----------------------------------------------------------------------------- walk
def test_a_call_torn_between_two_mimics_does_not_agree_with_an_undecided_engine(tmp_path):
    answers = write(tmp_path / "calls.yaml", "history: cidp, kennedy\nexamination: mmn 0.5, als 0.5\n")
    events = [json.loads(line) for line in
              run_cli(["walk", "electrician-finger-drop", "--answers", str(answers), "--json"]).stdout.splitlines()]
    calls = [e for e in events if e["event"] == "call"]
    assert calls[0]["engine"] == "undecided" and calls[0]["agrees"] is False
    assert calls[1]["call"] == "undecided" and calls[1]["agrees"] is (calls[1]["engine"] == "undecided")


def test_a_generated_quizs_key_names_it_as_its_results_files_do(tmp_path):
    key = json.loads(run_cli(["quiz", "take", "--generate", "3", "--seed", "1", "--key", "--format", "json"]).stdout)
    answers = write(tmp_path / "none.yaml", "answers: {}\n")
    results = tmp_path / "ada.json"
    run_cli(["quiz", "take", "--generate", "3", "--seed", "1", "--answers", str(answers), "--results", str(results)])
    assert key["id"] == json.loads(results.read_text())["quiz"]["id"]


def test_a_misspelt_student_key_is_named_not_read_as_question_ids(tmp_path):
    answers = write(tmp_path / "ada.yaml", "studnet: Ada\nanswers:\n  shared-features: c\n")
    err = run_cli(["quiz", "take", "introductory", "--answers", str(answers)], exit_code=2).stderr
    assert "ada.yaml, line 1" in err and "Did you mean 'student'?" in err
    assert "'answers' is not in this quiz" not in " ".join(err.split())


def test_resuming_an_exam_without_its_flag_does_not_show_the_answers(tmp_path):
    results = tmp_path / "ex.json"
    run_cli(["quiz", "take", "introductory", "--seed", "1", "--student", "Ex", "--results", str(results),
             "--feedback", "end"], input="a\n", exit_code=130)
    result = run_cli(["quiz", "take", "introductory", "--seed", "1", "--student", "Ex", "--results", str(results),
                      "--resume"], input="a\n", exit_code=130)
    assert "exam mode" in result.stderr
    assert "Not quite" not in result.stdout and "Right" not in result.stdout
    assert json.loads(results.read_text())["feedback"] == "end"


def test_a_case_file_given_as_a_quiz_is_named_as_such_in_one_line():
    err = run_cli(["quiz", "take", str(ROOT / "cases" / "electrician-finger-drop.yaml")], exit_code=2).stderr
    assert "is a case file, not a quiz file" in err and len(err.strip().splitlines()) == 1


def test_a_results_file_given_as_answers_says_how_to_resume(class_folder):
    err = run_cli(["quiz", "take", "introductory", "--seed", "1", "--answers", str(class_folder / "Ada.json")],
                  exit_code=2).stderr
    assert "is a results file, not an answers file" in err and "--resume" in err
    assert "'schema' is not in this quiz" not in err


@pytest.mark.xfail(strict=True, reason="the cases loader (cases.py) lists every quiz field as 'not part of a case file' "
                                       "instead of saying that the file is a quiz and 'mmn-ddx quiz take' runs it")
def test_a_quiz_file_given_as_a_case_is_named_as_such_in_one_line():
    err = run_cli(["assess", str(ROOT / "cases" / "quizzes" / "introductory.yaml")], exit_code=2).stderr
    assert "quiz" in err and len(err.strip().splitlines()) == 1


@pytest.mark.xfail(strict=True, reason="render/quiz.py class_report_view lets rich cut a long student name with '…' "
                                       "at 60 columns, so two students of one family read alike")
def test_a_long_student_name_is_never_cut_in_the_class_report(tmp_path, class_folder, monkeypatch):
    data = json.loads((class_folder / "Ada.json").read_text())
    data["student"] = "Alexandra Konstantinopoulou-Smithfield"
    results = tmp_path / "alexandra.json"
    results.write_text(json.dumps(data))
    monkeypatch.setenv("COLUMNS", "60")
    out = run_cli(["class", "report", str(results), str(class_folder / "Bob.json")]).stdout
    assert "Alexandra" in out and not re.search(r"Konstantino[\w-]*…", out)
