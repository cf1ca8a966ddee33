"""`quiz paper` (printable papers and keys), `quiz export --format moodle-xml`, and the class report page."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conftest import run_cli, write

QUIZ = "introductory"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture
def roster(tmp_path):
    return write(tmp_path / "class.csv", "email,Student\nada@x.org,Ada Lovelace\nbo@x.org,=cmd|' /C calc'!A0\n")


def key_json(seed: int) -> dict:
    return json.loads(run_cli(["quiz", "key", QUIZ, "--seed", str(seed), "--format", "json"]).stdout)


# ----------------------------------------------------------------------------- papers
def test_a_paper_per_student_without_answers_and_a_key_per_seed(tmp_path, roster):
    out = tmp_path / "week1"
    result = run_cli(["quiz", "paper", QUIZ, "--seed", "7", "--students", str(roster), "--out", str(out)])
    assert "Wrote 2 papers and 2 answer keys" in result.stderr
    rows = list(csv.DictReader((out / "papers.csv").open(encoding="utf-8")))
    assert [r["student"] for r in rows] == ["Ada Lovelace", "'=cmd|' /C calc'!A0"]  # a formula stays text
    assert rows[0]["seed"] != rows[1]["seed"]
    for row in rows:
        paper = (out / row["paper"]).read_text(encoding="utf-8")
        key = key_json(int(row["seed"]))
        assert f"seed {row['seed']}" in paper
        assert "✓" not in paper and "Answer:" not in paper and "Teaching point" not in paper
        for q in key["questions"]:
            assert html.escape(q["prompt"], quote=False) in paper
            assert q["explanation"] not in paper
        keypage = (out / row["key"]).read_text(encoding="utf-8")
        assert keypage.count("Answer:") == len(key["questions"]) and "✓" in keypage


def test_the_same_seed_and_rule_book_give_byte_identical_papers_and_keys(tmp_path, roster):
    first, again = tmp_path / "a", tmp_path / "b"
    for folder in (first, again):
        run_cli(["quiz", "paper", QUIZ, "--seed", "3", "--students", str(roster), "--format", "md", "--out", str(folder)])
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in again.iterdir()) and len(names) == 5
    assert all((first / n).read_bytes() == (again / n).read_bytes() for n in names)


@pytest.mark.parametrize("text, where, message", [
    ("email,mark\na@x,1\n", "line 1", "no 'student' column"),
    ("student\nAda\nBo\n ada \n", "line 4", "names 'ada' again (first on line 2)"),
    ("", "line 1", "is empty"),
    ("student\n\n", "line 1", "lists no students"),
], ids=["missing-column", "duplicate", "empty", "header-only"])
def test_a_bad_roster_is_refused_with_its_line_and_nothing_is_written(tmp_path, text, where, message):
    roster = write(tmp_path / "class.csv", text)
    result = run_cli(["quiz", "paper", QUIZ, "--seed", "1", "--students", str(roster), "--out", str(tmp_path / "out")],
                     exit_code=2)
    assert f"class.csv, {where}" in result.stderr and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_papers_refuse_to_overwrite_and_name_an_unknown_quiz(tmp_path):
    out = tmp_path / "out"
    write(out / "paper-seed-5.html", "mine")
    result = run_cli(["quiz", "paper", QUIZ, "--seed", "5", "--out", str(out)], exit_code=2)
    assert "paper-seed-5.html" in result.stderr and "--force" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["paper-seed-5.html"] and (out / "paper-seed-5.html").read_text() == "mine"
    run_cli(["quiz", "paper", QUIZ, "--seed", "5", "--out", str(out), "--force"])
    assert (out / "key-seed-5.html").exists()
    assert "introductory" in run_cli(["quiz", "paper", "introductry", "--seed", "1", "--out", str(out)], exit_code=2).stderr


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium: apt-get install -y chromium (CI installs it)")
def test_a_paper_prints_a_page_per_question_in_a_headless_browser(tmp_path):
    run_cli(["quiz", "paper", QUIZ, "--seed", "2", "--out", str(tmp_path)])
    questions = len(key_json(2)["questions"])
    page, pdf = tmp_path / "paper-seed-2.html", tmp_path / "paper.pdf"
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    done = subprocess.run([*flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
    assert questions <= pages <= 2 * questions  # every question starts a page; none runs away


# ----------------------------------------------------------------------------- Moodle XML
def test_moodle_xml_has_the_quiz_options_and_fractions_and_round_trips_to_full_marks(tmp_path):
    target = tmp_path / "intro.xml"
    run_cli(["quiz", "export", QUIZ, "--format", "moodle-xml", "--seed", "4", "--out", str(target)])
    root = ET.parse(target).getroot()
    questions = [q for q in root.iter("question") if q.get("type") == "multichoice"]
    key = key_json(4)
    assert len(questions) == len(key["questions"])
    answers = {}
    for element, q in zip(questions, key["questions"]):
        assert element.findtext("idnumber") == q["id"]
        options = element.findall("answer")
        assert [html.unescape(o.findtext("text")) for o in options] == [o["label"] for o in q["options"]]
        assert [o.get("fraction") for o in options] == ["100" if o["right"] else "0" for o in q["options"]]
        assert all(o.findtext("feedback/text").strip() for o in options if o.get("fraction") == "100")
        stem = element.findtext("questiontext/text")
        assert html.escape(q["prompt"], quote=False) in stem
        if q["case"]:
            assert "<table>" in stem and q["case"] not in stem  # findings as a table; the id never shown
        right = next(i for i, o in enumerate(options) if o.get("fraction") == "100")
        answers[q["id"]] = "abcdefghij"[right]
    sheet = write(tmp_path / "answers.yaml", yaml.safe_dump(answers))
    graded = json.loads(run_cli(["quiz", "take", QUIZ, "--seed", "4", "--answers", str(sheet), "--json"]).stdout)
    assert graded["score"]["correct"] == graded["score"]["total"] == len(key["questions"])


def test_moodle_variants_are_categories_and_text_from_files_is_escaped(tmp_path):
    quiz = write(tmp_path / "q.yaml", "title: \"<b>Bold</b> ]]> & co\"\ncases: [electrician-finger-drop]\nquestions:\n"
                 "  - {id: a, kind: choice, prompt: \"Is <script>x</script> ]]> safe?\", options: [\"yes <i>it</i> is\", no never],"
                 " answer: no never, explanation: e}\n")
    text = run_cli(["quiz", "export", str(quiz), "--variants", "3"]).stdout
    root = ET.fromstring(text)
    categories = [c.findtext("category/text") for c in root.iter("question") if c.get("type") == "category"]
    assert len(categories) == 3 and categories[0].endswith("/ seed 1")
    stems = [q.findtext("questiontext/text") for q in root.iter("question") if q.get("type") == "multichoice"]
    assert len(stems) == 3 and all("&lt;script&gt;" in s and "<script" not in s for s in stems)
    labels = [a.findtext("text") for a in root.iter("answer")]
    assert "yes &lt;i&gt;it&lt;/i&gt; is" in labels
    assert "--seed and --variants" in run_cli(["quiz", "export", QUIZ, "--seed", "1", "--variants", "2"], exit_code=2).stderr


# ----------------------------------------------------------------------------- the class report page
def test_the_class_report_page_has_a_histogram_and_the_item_analysis(tmp_path):
    results = tmp_path / "results"
    key = key_json(1)
    right = {q["id"]: q["answer"]["letter"] for q in key["questions"]}
    wrong = {q["id"]: next(o["letter"] for o in q["options"] if not o["right"]) for q in key["questions"]}
    odd = key["questions"][0]["id"]  # the weaker students get it right, the strongest wrong
    sheets = {"Ada": {**right, odd: wrong[odd]}, "<b>Bo</b>": {**wrong, odd: right[odd]}, "Cy": wrong}
    for number, (student, answers) in enumerate(sheets.items()):
        sheet = write(tmp_path / f"answers-{number}.yaml", yaml.safe_dump(answers))
        run_cli(["quiz", "take", QUIZ, "--seed", "1", "--answers", str(sheet), "--student", student,
                 "--results", str(results / f"{number}.json")])
    page = tmp_path / "report.html"
    run_cli(["class", "report", str(results), "--format", "html", "--out", str(page)])
    text = page.read_text(encoding="utf-8")
    svg = ET.fromstring(re.search(r"<svg class=\"histogram\".*?</svg>", text, flags=re.S).group(0))
    assert len(svg.findall("rect")) == 10
    assert "&lt;b&gt;Bo&lt;/b&gt;" in text and "<b>Bo" not in text
    assert all(q["id"] in text for q in key["questions"]) and "<th>Discrimination</th>" in text
    data = json.loads(run_cli(["class", "report", str(results), "--json"]).stdout)
    flagged = {q["id"] for q in data["questions"] if q["negative_discrimination"]}
    assert odd in flagged
    assert all((f"<td>⚠ {qid}</td>" in text) == (qid in flagged) for qid in right)
    assert "already exists" in run_cli(["class", "report", str(results), "--format", "html", "--out", str(page)],
                                       exit_code=2).stderr
    assert "Rule books" not in text
    older = results / "2.json"  # as if Cy's answers had been graded before a rule change
    data = json.loads(older.read_text(encoding="utf-8"))
    data["rulebook"]["fingerprint"] = "sha256:0000000000000000"
    older.write_text(json.dumps(data), encoding="utf-8")
    mixed = run_cli(["class", "report", str(results), "--format", "html"]).stdout
    assert "<h2>Rule books</h2>" in mixed and "sha256:0000000000000000" in mixed and "quiz regrade" in mixed
