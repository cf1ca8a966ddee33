"""Golden text for the main terminal views, on a pinned console (fixed width, no colour).

When a rule's wording or the layout changes on purpose, regenerate with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
VIEWS = {
    "assess-electrician-finger-drop-history": ["assess", "electrician-finger-drop", "--stage", "history"],
    "criteria-carpenter-cannot-pinch": ["criteria", "carpenter-cannot-pinch"],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_terminal_view_matches_its_golden_text(name):
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TERM", "COLUMNS", "LINES")}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"})
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", *VIEWS[name]], capture_output=True, text=True,
                          env=env, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(done.stdout, encoding="utf-8")
    assert done.stdout == path.read_text(encoding="utf-8")


def test_shell_completion_offers_case_and_rule_ids():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_MMN_DDX_COMPLETE": "bash_complete"}
    for words, cword, expected in (("mmn-ddx walk electr", "2", "electrician-finger-drop"),
                                   ("mmn-ddx rules show cb-de", "3", "cb-definite")):
        done = subprocess.run([sys.executable, "-m", "mmn_ddx"], capture_output=True, text=True, timeout=60,
                              env={**env, "COMP_WORDS": words, "COMP_CWORD": cword})
        assert expected in done.stdout
