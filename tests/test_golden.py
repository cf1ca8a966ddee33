"""Golden text for every terminal view, on a pinned console (100 columns, no colour, no terminal).

A view that differs from its golden text fails with a unified diff of what changed. When the
change is meant (a rule's wording, the layout), regenerate and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

which writes the new text and names each file it wrote (in the warnings summary, with its diff).
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, write

GOLDEN = Path(__file__).parent / "golden"
PINNED = {"COLUMNS": "100", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}
UNPINNED = ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
VIEWS = {
    "assess-electrician-finger-drop-history": ["assess", "electrician-finger-drop", "--stage", "history"],
    "assess-nurse-wrist-drop-brief": ["assess", "nurse-wrist-drop", "--brief"],
    "criteria-carpenter-cannot-pinch": ["criteria", "carpenter-cannot-pinch"],
    "findings": ["findings"],
    "rules": ["rules"],
    "rules-show-weighing-rule": ["rules", "show", "cb-definite"],
    "rules-show-criterion-element": ["rules", "show", "efns-core-1"],
    "rules-show-family": ["rules", "show", "conduction-block"],
    "rules-show-criterion-set": ["rules", "show", "gold_coast_als"],
    "cases": ["cases"],
    "cases-show-thick-slow-voice": ["cases", "show", "thick-slow-voice"],
    "walk-electrician-finger-drop-end-report": ["walk", "electrician-finger-drop", "--no-input"],
    "validate-a-good-case": ["validate", "cases/electrician-finger-drop.yaml"],
    "quiz-key-introductory-seed-7": ["quiz", "key", "introductory", "--seed", "7"],
}
# Four students' answers to `quiz take introductory --seed 7`, each wrong on a different third of
# the questions, for the view of `class report` (scores, histogram, item analysis).
CLASS = ("Ada", "Ben", "Cleo", "Dev")
# A case file with two mistakes, for the view of `validate` reporting problems.
BAD_CASE = """\
id: shoulder-will-not-lift
title: A teacher who cannot lift her arm
diagnosis: mmn
findings:
  conduction_blok: definite
  babinski: maybe
"""


def check_golden(name: str, text: str, folder: Path = GOLDEN) -> None:
    """Compare `text` with folder/name.txt; fail with a unified diff, or with UPDATE_GOLDEN=1 write it."""
    path = folder / f"{name}.txt"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if text == old:
        return
    diff = "".join(difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"tests/golden/{name}.txt (golden)", f"{name} (as drawn now)"))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
        warnings.warn(f"UPDATE_GOLDEN: wrote tests/golden/{name}.txt\n{diff}", stacklevel=2)
        return
    pytest.fail(f"{name}: the view differs from tests/golden/{name}.txt. If the change is meant, run "
                f"UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py and review the diff.\n{diff}",
                pytrace=False)


@pytest.fixture
def pinned(monkeypatch):
    """The console as the golden text was drawn: fixed width, no colour, whatever the terminal."""
    for key in UNPINNED:
        monkeypatch.delenv(key, raising=False)
    for key, value in PINNED.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)  # paths in views are shown relative to the repository (rules/..., cases/...)


def drawn(args, exit_code: int = 0) -> str:
    result = run_cli(args, exit_code=exit_code)
    # Rule views name the rule file by its full path: keep the part inside the repository.
    return (result.stdout + result.stderr).replace(f"{ROOT}{os.sep}", "")


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_terminal_view_matches_its_golden_text(name, pinned):
    text = drawn(VIEWS[name])
    if name.startswith("walk-"):
        text = text[text.index("\nDiagnosis:"):]  # the end report; the stages have views of their own
    check_golden(name, text)


def test_validate_reporting_problems_matches_its_golden_text(pinned, tmp_path, monkeypatch):
    write(tmp_path / "shoulder-will-not-lift.yaml", BAD_CASE)
    monkeypatch.chdir(tmp_path)
    check_golden("validate-a-case-with-mistakes", drawn(["validate", "shoulder-will-not-lift.yaml"], exit_code=2))


def test_class_report_matches_its_golden_text(pinned, tmp_path, monkeypatch):
    import json

    key = json.loads(run_cli(["quiz", "key", "introductory", "--seed", "7", "--format", "json"]).stdout)
    monkeypatch.chdir(tmp_path)  # the report names results files as given, relative to here
    for i, student in enumerate(CLASS):
        answers = {}
        for j, question in enumerate(key["questions"]):
            right = question["answer"]["letter"]
            answers[question["id"]] = right if (i + j) % 3 else ("a" if right != "a" else "b")
        write(tmp_path / f"{student}.yaml", "".join(f"{q}: {a}\n" for q, a in answers.items()))
        run_cli(["quiz", "take", "introductory", "--seed", "7", "--answers", f"{student}.yaml",
                 "--student", student, "--results", f"results/{student}.json"])
    check_golden("class-report-introductory", drawn(["class", "report", "results"]))


def test_a_real_process_draws_what_the_pinned_console_draws(pinned):
    env = {k: v for k, v in os.environ.items() if k not in UNPINNED}
    env.update({**PINNED, "PYTHONPATH": str(ROOT)})
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", *VIEWS["criteria-carpenter-cannot-pinch"]],
                          capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (GOLDEN / "criteria-carpenter-cannot-pinch.txt").read_text(encoding="utf-8")


def test_a_changed_view_fails_with_a_diff_and_update_golden_writes_it(tmp_path, monkeypatch):
    write(tmp_path / "view.txt", "line one\nline two\n")
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        check_golden("view", "line one\nline 2\n", tmp_path)
    assert "-line two\n+line 2\n" in str(failed.value) and "UPDATE_GOLDEN=1" in str(failed.value)
    assert (tmp_path / "view.txt").read_text() == "line one\nline two\n"  # never rewritten without asking
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    with pytest.warns(UserWarning, match=r"wrote tests/golden/view.txt[\s\S]*\+line 2"):
        check_golden("view", "line one\nline 2\n", tmp_path)
    assert (tmp_path / "view.txt").read_text() == "line one\nline 2\n"


def test_shell_completion_offers_case_and_rule_ids():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_MMN_DDX_COMPLETE": "bash_complete"}
    for words, cword, expected in (("mmn-ddx walk electr", "2", "electrician-finger-drop"),
                                   ("mmn-ddx rules show cb-de", "3", "cb-definite"),
                                   ("mmn-ddx rules show efns-co", "3", "efns-core-1"),
                                   ("mmn-ddx rules show conduction-bl", "3", "conduction-block"),
                                   ("mmn-ddx rules show gold_co", "3", "gold_coast_als")):
        done = subprocess.run([sys.executable, "-m", "mmn_ddx"], capture_output=True, text=True, timeout=60,
                              env={**env, "COMP_WORDS": words, "COMP_CWORD": cword})
        assert expected in done.stdout
