"""Hostile input and shared files (issue 8): every refusal is exit 2 with file and place, and
nothing a user already saved is lost.

Bombs, huge numbers, deep nesting, FIFOs, damaged results files, two writers at once, links,
escape sequences, markup in names, spreadsheet formulas and paths out of a quiz's folder.
Subprocess timeouts here are hang guards only, never timing assertions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, run_cli, write

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
HANG_GUARD = 120  # seconds; a hostile file that is not refused would hang far longer

# A billion laughs: 9 levels of 9 aliases each, 387 bytes that expand to 9^9 values.
LAUGHS = "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi")
)
CASE = """\
id: hostile-case
title: A hostile case
stages:
  - name: history
    narrative: Slowly progressive weakness of the right hand.
    findings: {sex: male, progression: slow}
"""


def run(args, timeout=HANG_GUARD, **kwargs):
    """The real command in a subprocess (a FIFO or a lock needs a real process)."""
    return subprocess.run([sys.executable, "-m", "mmn_ddx", *args], capture_output=True, text=True,
                          env=ENV, timeout=timeout, **kwargs)


def answers_for(tmp_path, name="answers.yaml", body="answers: {}\n"):
    return write(tmp_path / name, body)


def take_quiz(tmp_path, results, student="Ada", extra=()):
    sheet = answers_for(tmp_path, "ada.yaml", "finger-drop-history-leaning: undecided\n")
    return run_cli(["quiz", "introductory", "--seed", "1", "--answers", str(sheet), "--student", student,
                    "--results", str(results), *extra])


# ----------------------------------------------------------------------------- 1. bounded parsing
@pytest.mark.parametrize("field, body", [
    ("id", "id: *i\ntitle: t\nfindings: {sex: male}\n"),
    ("a finding value", "id: bomb\nfindings: {sex: *i}\n"),
    ("difficulty", "id: bomb\ndifficulty: *i\nfindings: {sex: male}\n"),
    ("expected_criteria", "id: bomb\nexpected_criteria: {gold_coast_als: *i}\nfindings: {sex: male}\n"),
    ("diagnosis", "id: bomb\ndiagnosis: *i\nfindings: {sex: male}\n"),
])
def test_an_alias_bomb_in_a_case_is_refused_with_its_line(tmp_path, field, body):
    case = write(tmp_path / "bomb.yaml", LAUGHS + body)
    for command in (["validate"], ["assess"], ["cases", "show"]):
        err = run_cli([*command, str(case)], exit_code=2).stderr
        assert "bomb.yaml, line" in err and "aliases" in err and "10,000" in err, field


def test_an_alias_bomb_is_refused_by_the_real_command_too(tmp_path):
    case = write(tmp_path / "bomb.yaml", LAUGHS + "id: *i\nfindings: {sex: male}\n")
    done = run(["validate", str(case)])
    assert done.returncode == 2 and "aliases" in done.stderr and "Traceback" not in done.stderr


def test_an_alias_bomb_in_a_walk_answer_or_a_quiz_is_refused(tmp_path):
    calls = write(tmp_path / "calls.yaml", LAUGHS + "history: {call: *i}\n")
    err = run_cli(["walk", "electrician-finger-drop", "--answers", str(calls), "--json"], exit_code=2).stderr
    assert "calls.yaml, line" in err and "aliases" in err
    quiz = write(tmp_path / "q.yaml", LAUGHS + "version: *i\ntitle: t\ncases: [electrician-finger-drop]\n"
                 "questions:\n  - {id: a, kind: leaning, case: electrician-finger-drop}\n")
    assert "aliases" in run_cli(["validate", str(quiz)], exit_code=2).stderr
    assert "aliases" in run_cli(["quiz", str(quiz)], exit_code=2).stderr
    sheet = write(tmp_path / "answers.yaml", LAUGHS + "student: *i\nanswers: {}\n")
    assert "aliases" in run_cli(["quiz", "introductory", "--answers", str(sheet)], exit_code=2).stderr


def test_an_alias_that_contains_itself_is_refused(tmp_path):
    case = write(tmp_path / "loop.yaml", "id: loop\nfindings: &f {sex: male, again: *f}\n")
    assert "refers to the mapping or list that contains it" in run_cli(["validate", str(case)], exit_code=2).stderr


def test_a_few_aliases_still_work(tmp_path):
    case = write(tmp_path / "ok.yaml", CASE.replace("findings: {sex: male, progression: slow}",
                                                   "findings: &f {sex: male, progression: slow}")
                 + "  - name: examination\n    findings: {<<: *f, babinski: true}\n")
    run_cli(["validate", str(case)])


def test_a_huge_integer_is_refused_not_a_crash(tmp_path):
    case = write(tmp_path / "big.yaml", CASE.replace("sex: male", "age_at_onset: " + "9" * 5000))
    err = run_cli(["assess", str(case)], exit_code=2).stderr
    assert "big.yaml, line 6" in err and "5,000 digits" in err
    sheet = write(tmp_path / "a.json", '{"finger-drop-history-leaning": ' + "9" * 5000 + "}")
    assert "digits" in run_cli(["quiz", "introductory", "--answers", str(sheet)], exit_code=2).stderr


def test_deep_nesting_is_refused_in_yaml_and_json(tmp_path):
    case = write(tmp_path / "deep.yaml", "id: deep\nfindings: {sex: " + "[" * 200 + "]" * 200 + "}\n")
    assert "nested more than" in run_cli(["validate", str(case)], exit_code=2).stderr
    case = write(tmp_path / "deeper.yaml", "id: deep\nfindings: {sex: " + "[" * 5000 + "]" * 5000 + "}\n")
    assert "nested more than" in run_cli(["validate", str(case)], exit_code=2).stderr
    sheet = write(tmp_path / "a.json", '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = run_cli(["quiz", "introductory", "--answers", str(sheet)], exit_code=2).stderr
    assert "a.json" in err and "nested more than" in err
    results = write(tmp_path / "r.json", '{"schema": "mmn-ddx/quiz-results/1", "answers": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = run_cli(["class", "report", str(results)], exit_code=2).stderr
    assert "r.json" in err and "nested more than" in err


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    case = tmp_path / "huge.yaml"
    case.write_text(CASE + "# padding\n" * 600_000)  # 6 MB
    err = run_cli(["validate", str(case)], exit_code=2).stderr
    assert "huge.yaml" in err and "5.0 MB allowed" in err


def test_thousands_of_problems_are_reported_fifty_then_a_count(tmp_path):
    findings = "".join(f"      unknown_finding_{i}: true\n" for i in range(3000))
    case = write(tmp_path / "many.yaml", "id: many\nstages:\n  - name: history\n    findings:\n" + findings)
    err = run_cli(["validate", str(case)], exit_code=2).stderr
    assert err.count("Error: ") == 50
    assert "and 2,950 more problems" in err


def test_a_long_value_is_not_echoed_whole(tmp_path):
    case = write(tmp_path / "long.yaml", f"id: {'X' * 50_000}\nfindings: {{sex: male}}\n")
    err = run_cli(["validate", str(case)], exit_code=2).stderr
    assert "must be lower-case words" in err and "50,000 characters" in err and len(err) < 1000
    case = write(tmp_path / "longer.yaml", f"id: x\ntitle: {'x' * 150_000}\nfindings: {{sex: male}}\n")
    err = run_cli(["validate", str(case)], exit_code=2).stderr
    assert "longer.yaml, line 2" in err and "150,000 characters is longer than the 100,000 allowed" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("args", [
    ["validate", "{fifo}"],
    ["assess", "{fifo}"],
    ["walk", "electrician-finger-drop", "--answers", "{fifo}"],
    ["quiz", "introductory", "--answers", "{fifo}"],
    ["quiz", "{fifo}"],
    ["quiz", "introductory", "--results", "{fifo}", "--resume"],
    ["class", "report", "{fifo}"],
])
def test_a_fifo_is_refused_not_read(tmp_path, args):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    # Hang guard: were the FIFO opened for reading, it would wait for a writer for ever; this one
    # comes after HANG_GUARD seconds and closes at once, so a regression fails instead of hanging.
    guard = threading.Timer(HANG_GUARD, lambda: os.close(os.open(fifo, os.O_WRONLY)))
    guard.start()
    try:
        err = run_cli([a.replace("{fifo}", str(fifo)) for a in args], exit_code=2).stderr
    finally:
        guard.cancel()
    assert "pipe.yaml" in err and "not a regular file" in err


# ----------------------------------------------------------------------------- 2. results files checked
@pytest.fixture(scope="module")
def saved_results(tmp_path_factory):
    """Ada's results of the introductory quiz, made once for the tests that read a copy."""
    folder = tmp_path_factory.mktemp("saved")
    results = folder / "ada.json"
    take_quiz(folder, results)
    return results


def copy_of(saved: Path, target: Path, student: str | None = None) -> Path:
    """A copy of saved results, as another student's (the name as `quiz --student` would keep it)."""
    data = json.loads(saved.read_text())
    if student is not None:
        data["student"] = student
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False))
    return target


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(total=-1), "total"),
    (lambda d: d.update(score="lots"), "score"),
    (lambda d: d["score"].update(percent=250), "score.percent"),
    (lambda d: d.update(student=123), "student"),
    (lambda d: d.update(updated="yesterday"), "updated"),
    (lambda d: d.update(questions="q1"), "questions"),
    (lambda d: d["answers"][0].update(correct="yes"), "answers[0].correct"),
    (lambda d: d["answers"][0].update(seconds=-5), "answers[0].seconds"),
    (lambda d: d["answers"][0].update(teaching_point=["a", "list"]), "answers[0].teaching_point"),
    (lambda d: d["answers"][0].update(id="not-a-question"), "answers[0].id"),
    (lambda d: d.pop("answers"), "answers"),
])
def test_a_damaged_results_file_is_named_with_its_field_and_the_rest_still_reported(tmp_path, saved_results, change, field):
    good = copy_of(saved_results, tmp_path / "results" / "ada.json")
    bad = tmp_path / "results" / "bob.json"
    data = json.loads(saved_results.read_text())
    data["student"] = "Bob"
    change(data)
    bad.write_text(json.dumps(data))
    before = bad.read_text()
    result = run_cli(["class", "report", str(tmp_path / "results")], exit_code=2)
    assert f"bob.json: field '{field}'" in result.stderr and "skipped" in result.stderr
    assert "Ada" in result.stdout and "1 students" in result.stdout
    err = run_cli(["quiz", "introductory", "--seed", "1", "--student", "Bob", "--results", str(bad), "--resume"],
                  exit_code=2).stderr
    assert f"field '{field}'" in err and "untouched" in err
    assert bad.read_text() == before


def test_results_files_follow_the_published_schema(saved_results):
    results = saved_results
    schema = json.loads((ROOT / "docs" / "schemas" / "quiz-results.schema.json").read_text())
    jsonschema.validate(json.loads(results.read_text()), schema)


# ----------------------------------------------------------------------------- 3. one writer per file
def start_live_quiz(results: Path, *extra):
    """A student answering live: a real process reading answers from a pipe."""
    process = subprocess.Popen([sys.executable, "-m", "mmn_ddx", "quiz", "introductory", "--seed", "1",
                                "--student", "Ada", "--results", str(results), *extra],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, env=ENV)
    return process


def answered(results: Path) -> int:
    try:
        return len(json.loads(results.read_text())["answers"])
    except (OSError, ValueError, KeyError):
        return -1


def wait_for(condition, what: str):
    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
def test_a_second_run_on_the_same_results_file_is_refused_and_nothing_is_lost(tmp_path):
    results = tmp_path / "ada.json"
    first = start_live_quiz(results)
    try:
        first.stdin.write("a\n")
        first.stdin.flush()
        wait_for(lambda: answered(results) == 1, "the first answer")
        sheet = answers_for(tmp_path, "other.yaml", "finger-drop-history-next: a\nfinger-drop-examination-leaning: b\n")
        for extra in ([], ["--resume"]):
            second = run(["quiz", "introductory", "--seed", "1", "--student", "Ada", "--results", str(results),
                          "--answers", str(sheet), *extra])
            assert second.returncode == 2, second.stderr
            assert "being written by another mmn-ddx run" in second.stderr and f"pid {first.pid}" in second.stderr
        for _ in range(10):
            first.stdin.write("b\n")
        first.stdin.close()
        assert first.wait(timeout=HANG_GUARD) == 0, first.stderr.read()
    finally:
        first.kill()
    data = json.loads(results.read_text())
    assert len(data["answers"]) == data["total"] == 11 and data["complete"]
    assert not (tmp_path / ".ada.json.lock").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_killed_runs_lock_and_temp_files_are_taken_over_and_its_answers_kept(tmp_path):
    results = tmp_path / "ada.json"
    first = start_live_quiz(results)
    first.stdin.write("a\nb\n")
    first.stdin.flush()
    wait_for(lambda: answered(results) == 2, "two answers")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=HANG_GUARD)
    dead = first.pid
    leftover = tmp_path / f".ada.json.{dead}.x1y2z3ab.tmp"
    leftover.write_text("")  # what a run killed mid-write leaves
    live = tmp_path / f".ada.json.{os.getpid()}.a1b2c3de.tmp"
    live.write_text("")  # a write in progress by a live process is not touched
    (tmp_path / ".ada.json.lock").write_text(f"pid {dead} on elsewhere\n")
    done = run(["quiz", "introductory", "--seed", "1", "--student", "Ada", "--results", str(results), "--resume"],
               input="c\n" * 9)
    assert done.returncode == 0, done.stderr
    data = json.loads(results.read_text())
    assert len(data["answers"]) == 11
    assert [r["typed"] for r in data["answers"][:3]] == ["a", "b", "c"]
    assert not leftover.exists() and live.exists()


def test_a_results_link_is_written_through_and_a_dangling_one_refused(tmp_path):
    real = tmp_path / "store" / "ada.json"
    take_quiz(tmp_path, real)
    link = tmp_path / "ada.json"
    link.symlink_to(real)
    err = run_cli(["quiz", "introductory", "--seed", "1", "--student", "Ada", "--results", str(link), "--resume"],
                  input="skip\n" * 11).stderr
    assert link.is_symlink() and len(json.loads(real.read_text())["answers"]) == 11, err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "nowhere" / "gone.json")
    sheet = answers_for(tmp_path)
    err = run_cli(["quiz", "introductory", "--answers", str(sheet), "--results", str(dangling)], exit_code=2).stderr
    assert "gone.json" in err and "link to a file that does not exist" in err
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()

    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    err = run_cli(["quiz", "introductory", "--answers", str(sheet), "--results", str(loop)], exit_code=2).stderr
    assert "loop.json" in err and "loops" in err


def test_a_csv_through_a_dangling_link_is_refused(tmp_path, saved_results):
    results = copy_of(saved_results, tmp_path / "ada.json")
    grades = tmp_path / "grades.csv"
    grades.symlink_to(tmp_path / "missing" / "grades.csv")
    err = run_cli(["class", "report", str(results), "--csv", str(grades)], exit_code=2).stderr
    assert "link to a file that does not exist" in err


# ----------------------------------------------------------------------------- 4. safe terminals
ESCAPES = "\\e[2J\\e]0;pwned\\a\\e]8;;https://evil.example\\e\\\\click\\e]8;;\\e\\\\\\x9b31m"


def test_escape_sequences_in_a_case_never_reach_the_terminal(tmp_path):
    case = write(tmp_path / "esc.yaml", f"""\
id: esc-case
title: "Title {ESCAPES}"
source: "Source {ESCAPES}"
diagnosis: mmn
teaching_points: ["Point {ESCAPES}"]
stages:
  - name: history
    narrative: "Narrative {ESCAPES}"
    findings: {{sex: male, progression: slow}}
""")
    for args in (["cases", "show", str(case), "--reveal"], ["assess", str(case)], ["walk", str(case), "--no-input"],
                 ["export", str(case)], ["assess", str(case), "--json"], ["walk", str(case), "--json"]):
        out = run_cli(args).stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, args
    shown = run_cli(["cases", "show", str(case)]).stdout
    assert "\\x1b[2J" in shown and "Narrative" in shown


def test_escape_sequences_in_a_quiz_and_a_student_name_never_reach_the_terminal(tmp_path):
    quiz = write(tmp_path / "q.yaml", f"""\
title: "Quiz {ESCAPES}"
cases: [electrician-finger-drop]
questions:
  - {{id: c1, kind: choice, prompt: "Prompt {ESCAPES}", options: ["Yes {ESCAPES}", "No"], answer: "No",
     explanation: "Because {ESCAPES}"}}
""")
    results = tmp_path / "r.json"
    live = run_cli(["quiz", str(quiz), "--student", "Eve\x1b]0;owned\x07", "--results", str(results)], input="a\n")
    key = run_cli(["quiz", str(quiz), "--key"])
    report = run_cli(["class", "report", str(results)])
    for out in (live.stdout, live.stderr, key.stdout, report.stdout):
        assert "\x1b" not in out and "\x07" not in out
    assert "Eve\\x1b]0;owned\\x07" in report.stdout


def test_rich_markup_in_a_student_name_is_shown_as_typed(tmp_path, saved_results, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # the whole name on one line of the table
    name = "[link=https://evil.example]Mallory[/link] [bold]:smile:"
    results = copy_of(saved_results, tmp_path / "r.json", name)
    out = run_cli(["class", "report", str(results)]).stdout
    assert name in out and "😄" not in out


def test_markup_in_a_quiz_title_is_shown_as_written(tmp_path):
    quiz = write(tmp_path / "q.yaml", 'title: "[red]Red[/red] quiz"\ncases: [electrician-finger-drop]\n'
                 "questions:\n  - {id: a, kind: leaning, case: electrician-finger-drop}\n")
    assert "[red]Red[/red] quiz" in run_cli(["quiz", str(quiz), "--key"]).stdout


# ----------------------------------------------------------------------------- 5. spreadsheets
@pytest.mark.parametrize("name", ['=HYPERLINK("https://evil.example","grades")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_student_name_that_looks_like_a_formula_is_text_in_the_csv(tmp_path, saved_results, name):
    results = copy_of(saved_results, tmp_path / "r.json", name)
    grades = tmp_path / "grades.csv"
    run_cli(["class", "report", str(results), "--csv", str(grades)])
    rows = list(csv.reader(io.StringIO(grades.read_text())))
    assert rows[1][0] == "'" + name
    assert rows[1][2] == "0" or rows[1][2].isdigit()  # numbers stay numbers


def test_tab_and_carriage_return_cells_are_neutralised_too():
    from mmn_ddx.classroom import ClassReport, StudentScore, report_csv

    report = ClassReport("t", "sha256:0", 1, [None])
    report.students = [StudentScore("\tTab", "\rcr.json", 0, 0, 1, 0.0, False, None)]
    rows = list(csv.reader(io.StringIO(report_csv(report), newline="")))
    assert rows[1][0] == "'\tTab"
    assert rows[1][1] == "\\x0dcr.json"  # a raw CR would end the row: it is shown as an escape


# ----------------------------------------------------------------------------- 6. contained paths
def test_a_quiz_cannot_read_a_case_outside_its_folder(tmp_path):
    secret = write(tmp_path / "private" / "notes.yaml", "id: token-s3cr3t-value\ntitle: x\nfindings: {sex: male}\n")
    folder = tmp_path / "quizzes"
    (folder / "sub").mkdir(parents=True)
    write(folder / "sub" / "mine.yaml", CASE)
    (folder / "link.yaml").symlink_to(secret)
    for ref in ("../private/notes.yaml", str(secret), "link.yaml", "sub/../../private/notes.yaml"):
        quiz = write(folder / "q.yaml", f"title: t\ncases: ['{ref}']\nquestions:\n  - {{id: a, kind: leaning, case: '{ref}'}}\n")
        for args in (["validate", str(quiz)], ["quiz", str(quiz), "--key"]):
            err = run_cli(args, exit_code=2).stderr
            assert "outside the folders a quiz may read cases from" in err, ref
            assert "s3cr3t" not in err and "token" not in err
    quiz = write(folder / "q.yaml", "title: t\ncases: [sub/mine.yaml]\nquestions:\n  - {id: a, kind: leaning, case: sub/mine.yaml}\n")
    run_cli(["validate", str(quiz)])
    quiz = write(folder / "q.yaml", "title: t\ncases: [../private/notes.yaml]\n"
                 "questions:\n  - {id: a, kind: leaning, case: ../private/notes.yaml}\n")
    run_cli(["validate", str(quiz), "--cases", str(tmp_path / "private")])


# ----------------------------------------------------------------------------- 7. portable results
def test_results_name_the_quiz_by_id_and_hash_not_a_path(saved_results):
    results = saved_results
    data = json.loads(results.read_text())
    assert data["quiz"]["id"] == "introductory" and data["quiz"]["fingerprint"].startswith("sha256:")
    assert "source" not in data["quiz"]
    assert str(ROOT) not in results.read_text() and str(Path.home()) not in results.read_text()


def test_an_older_results_file_with_a_source_path_is_still_read(tmp_path, saved_results):
    results = copy_of(saved_results, tmp_path / "ada.json")
    data = json.loads(results.read_text())
    data["quiz"] = {"title": data["quiz"]["title"], "source": "/home/ada/quizzes/introductory.yaml",
                    "fingerprint": data["quiz"]["fingerprint"]}
    results.write_text(json.dumps(data))
    assert "Ada" in run_cli(["class", "report", str(results)]).stdout
    run_cli(["quiz", "introductory", "--seed", "1", "--student", "Ada", "--results", str(results), "--resume"],
            input="skip\n" * 10)
    assert json.loads(results.read_text())["quiz"]["source"] == "/home/ada/quizzes/introductory.yaml"


# ----------------------------------------------------------------------------- work that grows with content
def test_a_case_with_thousands_of_stages_is_refused_before_it_is_walked(tmp_path):
    case = write(tmp_path / "stages.yaml", "id: many-stages\nstages:\n" + "".join(f"  - {{name: s{i}}}\n" for i in range(3000)))
    for args in (["walk", str(case), "--no-input"], ["export", str(case), "--answer-key"], ["validate", str(case)]):
        err = run_cli(args, exit_code=2).stderr
        assert "stages.yaml, line 2" in err and "at most 20 stages" in err and "3,000" in err


def test_a_quiz_with_thousands_of_questions_is_refused_before_it_is_graded(tmp_path):
    quiz = write(tmp_path / "long.yaml", "title: long\ncases: [electrician-finger-drop]\nquestions:\n"
                 + "".join(f"  - {{id: q{i}, kind: leaning, case: electrician-finger-drop}}\n" for i in range(2000)))
    err = run_cli(["quiz", str(quiz), "--key"], exit_code=2).stderr
    assert "long.yaml, line 3" in err and "at most 200 questions" in err


def test_one_command_reads_a_bounded_amount_of_yaml_in_all(tmp_path):
    from mmn_ddx.errors import InputError
    from mmn_ddx.yamlio import command_budget, load_yaml_text

    with command_budget(1000):
        load_yaml_text("a: [" + ", ".join(["1"] * 600) + "]\n", "first.yaml")
        with pytest.raises(InputError, match="second.yaml.*this command would read more than"):
            load_yaml_text("b: [" + ", ".join(["1"] * 600) + "]\n", "second.yaml")


@pytest.mark.parametrize("body, message", [
    ("id: odd\ndiagnosis: [mmn, als]\nfindings: {sex: male}\n", "diagnosis '['mmn', 'als']' is unknown"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n"
     "  - {id: a, kind: criteria, case: electrician-finger-drop, criteria: [gold_coast_als]}\n", "criterion set"),
])
def test_a_list_where_a_word_belongs_is_a_message_not_a_crash(tmp_path, body, message):
    assert message in run_cli(["validate", str(write(tmp_path / "odd.yaml", body))], exit_code=2).stderr
