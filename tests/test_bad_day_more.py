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


def test_a_quiz_file_given_as_a_case_is_named_as_such_in_one_line():
    err = run_cli(["assess", str(ROOT / "cases" / "quizzes" / "introductory.yaml")], exit_code=2).stderr
    assert "quiz" in err and len(err.strip().splitlines()) == 1


def test_a_long_student_name_is_never_cut_in_the_class_report(tmp_path, class_folder, monkeypatch):
    data = json.loads((class_folder / "Ada.json").read_text())
    data["student"] = "Alexandra Konstantinopoulou-Smithfield"
    results = tmp_path / "alexandra.json"
    results.write_text(json.dumps(data))
    monkeypatch.setenv("COLUMNS", "60")
    out = run_cli(["class", "report", str(results), str(class_folder / "Bob.json")]).stdout
    assert "Alexandra" in out and not re.search(r"Konstantino[\w-]*…", out)


@pytest.mark.parametrize("command", [["walk"], ["cases", "show"]], ids=["walk", "cases-show"])
def test_a_quiz_file_given_to_walk_or_cases_show_points_to_quiz_take(command):
    err = run_cli([*command, str(ROOT / "cases" / "quizzes" / "introductory.yaml")], exit_code=2).stderr
    assert "is a quiz file, not a case file" in err and "quiz take" in err and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- minor findings
@pytest.mark.parametrize("option", ["--csv", "--items-csv"])
def test_a_csv_named_dash_goes_to_stdout_not_to_a_file_named_dash(tmp_path, class_folder, option, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run_cli(["class", "report", str(class_folder), option, "-"]).stdout
    assert not (tmp_path / "-").exists()
    header = out.splitlines()[0]
    assert header.startswith("student,") if option == "--csv" else header.startswith("question,kind,")
    assert "Class report" not in out


def test_two_outputs_for_stdout_are_refused(tmp_path, class_folder):
    err = run_cli(["class", "report", str(class_folder), "--csv", "-", "--items-csv", "-"], exit_code=2).stderr
    assert "--csv - and --items-csv -" in err and "stdout" in err


def test_a_negative_or_huge_probability_in_a_walk_call_is_named_as_such():
    out = run_cli(["walk", "electrician-finger-drop"], input="mmn -5\nmmn 1e309\n", exit_code=130).stdout
    flat = " ".join(out.split())
    assert "'-5' is not a probability for 'mmn'" in flat and "'1e309' is not a probability for 'mmn'" in flat
    assert "from 0 to 1" in flat and "from 0 to 100" in flat
    assert "is not a diagnosis" not in flat


def test_a_finding_option_without_its_id_says_so_and_shows_the_form():
    err = " ".join(run_cli(["assess", "-f", "=true"], exit_code=2).stderr.split())
    assert "names no finding" in err and "id=value" in err and "finding '' is unknown" not in err


def test_the_items_csv_gives_the_kind_of_a_question_nobody_answered(class_folder):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(run_cli(["class", "report", str(class_folder), "--items-csv", "-"]).stdout)))
    unanswered = [row for row in rows if row["answered"] == "0"]
    assert unanswered and all(row["kind"] for row in unanswered)
    import yaml

    quiz = yaml.safe_load((ROOT / "cases" / "quizzes" / "introductory.yaml").read_text())
    kinds = {question["id"]: question["kind"] for question in quiz["questions"]}
    assert all(row["kind"] == kinds[row["question"]] for row in unanswered)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_in_a_folder_given_to_assess_is_named_as_skipped_and_the_others_assessed(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a-case.yaml").write_bytes((ROOT / "cases" / "electrician-finger-drop.yaml").read_bytes())
    os.mkfifo(folder / "pipe.yaml")
    result = run_cli(["assess", str(folder), "--jsonl"], exit_code=2)
    assert "pipe.yaml" in result.stderr and "not read" in result.stderr
    assert [json.loads(line)["case"] for line in result.stdout.splitlines()] == ["electrician-finger-drop"]


def test_what_if_says_capped_in_the_words_of_the_assessment_view():
    out = " ".join(run_cli(["assess", "electrician-finger-drop", "--stage", "history", "--what-if"]).stdout.split())
    what_if = out.split("What would change the leaning")[1]
    assert "Babinski sign (LR 20.0 toward ALS, capped at 20)" in what_if


def test_an_html_class_report_out_dash_goes_to_stdout(tmp_path, class_folder, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run_cli(["class", "report", str(class_folder), "--format", "html", "--out", "-"]).stdout
    assert "<html" in out.lower() and not (tmp_path / "-").exists()


def test_a_problem_found_twice_on_one_line_is_reported_once(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    findings = rules / "findings.yaml"
    findings.write_text(findings.read_text(encoding="utf-8").replace("- id: babinski\n", "- id: babinsky\n"), encoding="utf-8")
    err = run_cli(["validate", str(rules)], exit_code=2).stderr
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert any("finding 'babinski' is unknown" in line for line in lines)
    assert len(lines) == len(set(lines))  # umn-bulbar.yaml names babinski twice on one line
