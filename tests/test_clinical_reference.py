"""The clinical reference ships with the project, and the rules point into it, never outside.

docs/clinical-reference.md is where every figure's source and every working estimate's reasoning
live (issue 12, item 7). Rule texts cite it by section; nothing in the repository may point to
the seed's material outside it, which users never receive.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import ROOT
from bundled import rulebook

REFERENCE = ROOT / "docs" / "clinical-reference.md"
OUTSIDE = ("shared/clinical", "shared/contract", "../shared")
SKIP_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", "tests"}
CITATION = re.compile(r'docs/clinical-reference\.md,\s+"([^"]+)"')
YEAR = re.compile(r"\b(19|20)\d\d\b")


def tracked_files():
    """The files git tracks (or, outside a checkout, the files on disk), tests excluded."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60, check=True).stdout
        paths = [ROOT / p for p in listed.decode().split("\0") if p]
    except (OSError, subprocess.SubprocessError):
        paths = [p for p in ROOT.rglob("*") if p.is_file()]
    return [p for p in paths
            if p.is_file() and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts) and not p.name.endswith(".egg-info")]


def text_of(path):
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return ""


def headings():
    return {line.lstrip("#").strip() for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.startswith("## ")}


def test_no_tracked_file_points_outside_the_repository():
    offenders = [f"{p.relative_to(ROOT)}: {needle}" for p in tracked_files() for needle in OUTSIDE if needle in text_of(p)]
    assert not offenders, "files pointing outside the repository:\n" + "\n".join(offenders)


def test_no_rule_text_leans_on_an_unnamed_reference():
    phrases = ("project's clinical reference", "the project's reference", "the reference's")
    offenders = [f"{p.relative_to(ROOT)}: {phrase}" for p in tracked_files() for phrase in phrases if phrase in text_of(p)]
    assert not offenders, "cite docs/clinical-reference.md and its section instead:\n" + "\n".join(offenders)


def test_every_weighing_rule_names_a_source_or_the_clinical_reference():
    book = rulebook()
    missing = []
    for rule in book.weigh:
        cited = any(YEAR.search(source) or source.startswith("http") for source in rule.sources)
        if not cited and "docs/clinical-reference.md" not in rule.explanation:
            missing.append(rule.id)
    assert not missing, f"rules with neither a dated source nor a section of docs/clinical-reference.md: {missing}"


def test_every_section_a_rule_cites_exists():
    names = headings()
    cited = {}
    for path in tracked_files():
        for match in CITATION.finditer(" ".join(text_of(path).split())):
            cited.setdefault(match.group(1), path.relative_to(ROOT))
    unknown = {section: str(where) for section, where in cited.items() if section not in names}
    assert cited, "no file cites a section of docs/clinical-reference.md"
    assert not unknown, f"sections cited but not in docs/clinical-reference.md: {unknown}"


def test_the_reference_has_a_section_for_each_family_and_the_required_topics():
    names = headings()
    book = rulebook()
    for family_id in book.families:
        assert any(name.endswith(f"({family_id})") for name in names), f"no section for family {family_id}"
    for topic in ("Prior", "Evidence against MMN", "Red flags and their strength", "What to ask next", "Assays and caveats"):
        assert topic in names, f"no section '{topic}'"


def test_the_reference_covers_every_rule_that_weighs():
    text = REFERENCE.read_text(encoding="utf-8")
    book = rulebook()
    absent = [rule.id for rule in book.weigh if rule.toward != "neither" and f"`{rule.id}`" not in text]
    assert not absent, f"weighing rules the clinical reference does not mention: {absent}"


@pytest.mark.parametrize("which", ["mmn", "als", "both"])
def test_every_estimated_figure_says_why(which):
    book = rulebook()
    for rule in book.weigh:
        frequency = rule.frequency
        if frequency is not None and frequency.estimated == which:
            assert len(frequency.estimate_reasoning.split()) >= 8, f"{rule.id}: the reasoning for the estimated figure is too thin"
