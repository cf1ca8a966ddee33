"""The class report on a folder of results made here: known figures, a corrupt file, a duplicate."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics

import pytest
import yaml

from conftest import run_cli, write
from bundled import LIBRARY, load_case

QUIZ = """\
title: Class fixture
cases: [carpenter-cannot-pinch]
questions:
  - {id: c1, kind: choice, prompt: First, options: [apple, banana, cherry], answer: apple,
     explanation: Apples first., teaching_point: Apples come first.}
  - {id: c2, kind: choice, prompt: Second, options: [xray, yankee, zulu], answer: zulu, explanation: Zulu last. Always.}
  - {id: d1, kind: discriminator, case: carpenter-cannot-pinch, stage: examination, options: 6}
"""
OTHER_QUIZ = "title: Another quiz\ncases: [electrician-finger-drop]\nquestions:\n  - {id: x, kind: leaning, case: electrician-finger-drop}\n"


def engine_view():
    """The discriminator's right answers and, for each disclosed finding, the rule that weighs it (plain engine)."""
    a = LIBRARY.assessor("plain").assess_case(load_case(LIBRARY.cases()["carpenter-cannot-pinch"]), "examination")
    top = max(e.rule.weight for e in a.evidence)
    items = [e for e in a.evidence if math.isclose(e.rule.weight, top)]
    items += [f for e in a.evidence for f in e.folded if math.isclose(f.rule.weight, top)]
    right = {next(iter(e.findings)) for e in items}
    rule_of = {}
    for e in a.evidence:
        for f in e.findings:
            rule_of.setdefault(f, e.rule.id)
        for folded in e.folded:
            for f in folded.findings:
                rule_of.setdefault(f, folded.rule.id)
    for e in a.shared:
        for f in e.findings:
            rule_of.setdefault(f, e.rule.id)
    return a, right, rule_of


@pytest.fixture
def classroom(tmp_path):
    """Three students, one older duplicate, one corrupt file and one result of another quiz."""
    quiz = write(tmp_path / "quiz.yaml", QUIZ)
    folder = tmp_path / "results"
    a, right, rule_of = engine_view()
    key = json.loads(run_cli(["quiz", "key", str(quiz), "--seed", "5", "--format", "json"]).stdout)
    d1 = next(q for q in key["questions"] if q["id"] == "d1")
    wrong = next(o["value"] for o in d1["options"] if o["value"] not in right and o["value"] in rule_of)

    def take(name, student, seed, answers):
        sheet = write(tmp_path / f"{name}.yaml", yaml.safe_dump(answers))
        run_cli(["quiz", str(quiz), "--seed", str(seed), "--student", student, "--answers", str(sheet),
                 "--results", str(folder / f"{name}.json")])

    take("ann", "Ann", 5, {"c1": "apple", "c2": "zulu", "d1": sorted(right)[0]})
    take("ben", "Ben", 5, {"c1": "banana", "c2": "zulu", "d1": wrong})
    take("cat", "Cat", 9, {"c1": "banana", "c2": "xray", "d1": sorted(right)[0]})
    # Written later, named later, but dated earlier: the latest by time is ben.json.
    take("z-ben-first", "  ben ", 5, {"c1": "apple", "c2": "zulu", "d1": sorted(right)[0]})
    first = folder / "z-ben-first.json"
    data = json.loads(first.read_text())
    data["updated"] = "2000-01-01T00:00:00.000Z"
    first.write_text(json.dumps(data))
    write(folder / "broken.json", '{"schema": "mmn-ddx/quiz-results/1", "quiz": ')
    other = write(tmp_path / "other.yaml", OTHER_QUIZ)
    sheet = write(tmp_path / "x.yaml", "x: mmn\n")
    run_cli(["quiz", str(other), "--student", "Dan", "--answers", str(sheet), "--results", str(folder / "other.json")])
    return {"folder": folder, "wrong": wrong, "rule": rule_of[wrong], "a": a}


def test_the_class_report_gives_known_figures(classroom):
    result = run_cli(["class", "report", str(classroom["folder"]), "--json"], exit_code=2)
    report = json.loads(result.stdout)
    assert report["quiz_title"] == "Class fixture"
    assert report["files_read"] == 5 and report["seeds"] == [5, 9]
    scores = [(s["student"], s["correct"], s["total"], s["percent"]) for s in report["students"]]
    assert scores == [("Ann", 3, 3, 100.0), ("Ben", 1, 3, 33.3), ("Cat", 1, 3, 33.3)]
    assert report["mean_percent"] == 55.5 and report["median_percent"] == 33.3
    shares = {q["id"]: (q["right"], q["answered"], q["share_right"]) for q in report["questions"]}
    assert shares == {"c1": (1, 3, 0.333), "c2": (2, 3, 0.667), "d1": (2, 3, 0.667)}
    wrong = [(w["question"], w["answer"], w["count"]) for w in report["wrong_answers"]]
    assert wrong[0] == ("c1", "banana", 2)
    assert sorted(wrong[1:]) == sorted([("c2", "xray", 1), ("d1", classroom["wrong"], 1)])
    d1 = next(w for w in report["wrong_answers"] if w["question"] == "d1")
    assert d1["rule"] == classroom["rule"] and d1["rule_title"]
    assert report["missed_points"][0] == {"teaching_point": "Apples come first.", "misses": 2, "questions": ["c1"]}
    assert {m["teaching_point"] for m in report["missed_points"][1:]} == {
        "Zulu last.", classroom["a"].evidence[0].rule.teaching_point}
    bins = {(b["from"], b["to"]): b["students"] for b in report["histogram"]}
    assert bins[(30, 39)] == 2 and bins[(90, 100)] == 1 and sum(bins.values()) == 3
    assert [(d["path"].rsplit("/", 1)[-1], d["kept"].rsplit("/", 1)[-1]) for d in report["dropped"]] == [("z-ben-first.json", "ben.json")]
    err = " ".join(result.stderr.split())
    assert "broken.json" in err and "not valid JSON" in err and "It was skipped" in err
    assert "other.json" in err and "holds results of another quiz ('Another quiz')" in err
    assert "older duplicate" in err
    assert len(report["problems"]) == 2


def test_the_class_report_in_the_terminal_and_as_csv(classroom, tmp_path):
    grades = tmp_path / "grades.csv"
    result = run_cli(["class", "report", str(classroom["folder"]), "--csv", str(grades)], exit_code=2)
    out = result.stdout
    for text in ("Class report: Class fixture", "Scores", "█", "Questions, hardest first", "Most-chosen wrong answers",
                 "banana", "Teaching points most missed", "Apples come first.", "Duplicate submissions"):
        assert text in out, text
    assert "z-ben-first.json" in "".join(out.split())  # a long path may wrap
    assert out.index("Class report") < out.index("Duplicate submissions")
    assert "Error:" in result.stderr and "broken.json" in result.stderr
    rows = list(csv.DictReader(io.StringIO(grades.read_text())))
    assert [(r["student"], r["correct"], r["percent"], r["c1"], r["c2"], r["d1"]) for r in rows] == [
        ("Ann", "3", "100.0", "1", "1", "1"), ("Ben", "1", "33.3", "0", "1", "0"), ("Cat", "1", "33.3", "0", "0", "1")]


def test_files_can_be_named_one_by_one(classroom):
    folder = classroom["folder"]
    result = run_cli(["class", "report", str(folder / "ann.json"), str(folder / "cat.json"), "--json"])
    report = json.loads(result.stdout)
    assert [s["student"] for s in report["students"]] == ["Ann", "Cat"] and not report["problems"]


def test_nothing_readable_is_an_error(tmp_path):
    write(tmp_path / "bad.json", "[]")
    err = " ".join(run_cli(["class", "report", str(tmp_path)], exit_code=2).stderr.split())
    assert "bad.json" in err and "not a results file" in err and "nothing to report" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no results files" in run_cli(["class", "report", str(empty)], exit_code=2).stderr


def test_unfinished_submissions_count_unanswered_questions_as_missed(tmp_path):
    quiz = write(tmp_path / "quiz.yaml", QUIZ)
    sheet = write(tmp_path / "a.yaml", "c2: zulu\n")
    run_cli(["quiz", str(quiz), "--student", "Eve", "--answers", str(sheet), "--results", str(tmp_path / "r" / "eve.json")])
    report = json.loads(run_cli(["class", "report", str(tmp_path / "r"), "--json"]).stdout)
    eve = report["students"][0]
    assert (eve["correct"], eve["answered"], eve["total"], eve["percent"], eve["complete"]) == (1, 1, 3, 33.3, False)
    assert {q["id"]: q["answered"] for q in report["questions"]} == {"c1": 0, "c2": 1, "d1": 0}


# ----------------------------------------------------------------------------- item analysis and rule books
ITEMS_QUIZ = """\
title: Items
cases: [carpenter-cannot-pinch]
questions:
  - {id: q1, kind: choice, prompt: One, options: [right one, wrong one], answer: right one, explanation: One.}
  - {id: q2, kind: choice, prompt: Two, options: [right two, wrong two], answer: right two, explanation: Two.}
  - {id: q3, kind: choice, prompt: Three, options: [right three, wrong three], answer: right three, explanation: Three.}
  - {id: q4, kind: choice, prompt: Four, options: [right four, wrong four, odd four], answer: right four, explanation: Four.}
"""
# The stronger a student on q1-q3, the likelier to miss q4: q4 discriminates the wrong way.
ITEM_ANSWERS = {
    "Ann": {"q1": "right one", "q2": "right two", "q3": "right three", "q4": "wrong four"},
    "Ben": {"q1": "right one", "q2": "right two", "q3": "wrong three", "q4": "wrong four"},
    "Cat": {"q1": "right one", "q2": "wrong two", "q3": "wrong three", "q4": "right four"},
    "Dan": {"q1": "wrong one", "q2": "wrong two", "q3": "wrong three", "q4": "right four"},
}


@pytest.fixture
def items_class(tmp_path):
    quiz = write(tmp_path / "items.yaml", ITEMS_QUIZ)
    folder = tmp_path / "results"
    for student, answers in ITEM_ANSWERS.items():
        sheet = write(tmp_path / f"{student}.yaml", yaml.safe_dump(answers))
        run_cli(["quiz", str(quiz), "--student", student, "--answers", str(sheet), "--results", str(folder / f"{student}.json")])
    return folder


def _expected_discrimination(qid):
    """The point-biserial correlation of the question's 1/0 with the rest-score, computed here from the answers."""
    marks = [float(answers[qid].startswith("right")) for answers in ITEM_ANSWERS.values()]
    rests = [float(sum(a.startswith("right") for q, a in answers.items() if q != qid)) for answers in ITEM_ANSWERS.values()]
    if len(set(marks)) < 2 or len(set(rests)) < 2:
        return None
    return round(statistics.correlation(marks, rests), 3)


def test_item_analysis_gives_difficulty_and_discrimination_and_flags_a_bad_question(items_class, tmp_path):
    report = json.loads(run_cli(["class", "report", str(items_class), "--json"]).stdout)
    questions = {q["id"]: q for q in report["questions"]}
    assert {qid: q["difficulty"] for qid, q in questions.items()} == {"q1": 0.75, "q2": 0.5, "q3": 0.25, "q4": 0.5}
    for qid, q in questions.items():
        assert q["discrimination"] == _expected_discrimination(qid), qid
        assert q["share_right"] == q["difficulty"]
    assert questions["q4"]["discrimination"] < -0.8 and questions["q1"]["discrimination"] > 0.3
    assert [qid for qid, q in questions.items() if q["negative_discrimination"]] == ["q4"]
    assert questions["q4"]["most_chosen_wrong"]["label"] == "wrong four" and questions["q4"]["most_chosen_wrong"]["count"] == 2
    out = " ".join(run_cli(["class", "report", str(items_class)]).stdout.split())
    assert out.count("⚠ negative") == 1 and f"{_expected_discrimination('q4'):+.2f}" in out and "wrong four (2)" in out
    items = tmp_path / "items.csv"
    run_cli(["class", "report", str(items_class), "--items-csv", str(items)])
    rows = {r["question"]: r for r in csv.DictReader(io.StringIO(items.read_text()))}
    assert (rows["q4"]["difficulty"], rows["q4"]["negative_discrimination"], rows["q4"]["most_chosen_wrong"]) == ("0.5", "yes", "wrong four")
    assert float(rows["q4"]["discrimination"]) == _expected_discrimination("q4") and rows["q1"]["negative_discrimination"] == "no"


def test_discrimination_is_left_out_when_there_is_nothing_to_correlate(items_class):
    for name in ("Cat", "Dan"):
        (items_class / f"{name}.json").unlink()
    report = json.loads(run_cli(["class", "report", str(items_class), "--json"]).stdout)
    assert all(q["discrimination"] is None and not q["negative_discrimination"] for q in report["questions"])


def test_the_most_chosen_wrong_answer_carries_the_rule_that_explains_it(classroom):
    report = json.loads(run_cli(["class", "report", str(classroom["folder"]), "--json"], exit_code=2).stdout)
    d1 = next(q for q in report["questions"] if q["id"] == "d1")
    assert d1["most_chosen_wrong"]["answer"] == classroom["wrong"] and d1["most_chosen_wrong"]["rule"] == classroom["rule"]


def test_results_graded_by_different_rule_books_are_grouped_and_flagged(items_class, tmp_path):
    current = json.loads((items_class / "Ann.json").read_text())["rulebook"]["fingerprint"]
    older = items_class / "Dan.json"
    data = json.loads(older.read_text())
    data["rulebook"]["fingerprint"] = "sha256:00000000000000aa"
    older.write_text(json.dumps(data))
    unrecorded = items_class / "Cat.json"
    data = json.loads(unrecorded.read_text())
    del data["rulebook"], data["cases"]
    unrecorded.write_text(json.dumps(data))
    report = json.loads(run_cli(["class", "report", str(items_class), "--json"]).stdout)
    assert report["rulebooks"] == [
        {"fingerprint": current, "current": True, "students": ["Ann", "Ben"]},
        {"fingerprint": "sha256:00000000000000aa", "current": False, "students": ["Dan"]},
        {"fingerprint": None, "current": False, "students": ["Cat"]},
    ]
    out = " ".join(run_cli(["class", "report", str(items_class)]).stdout.split())
    assert "graded by 3 rule books" in out and "mmn-ddx quiz regrade FILE" in out
    grades = tmp_path / "grades.csv"
    run_cli(["class", "report", str(items_class), "--csv", str(grades)])
    assert [r["rulebook"] for r in csv.DictReader(io.StringIO(grades.read_text()))] == [current, current, "", "sha256:00000000000000aa"]


def test_one_rule_book_throughout_needs_no_note(items_class):
    out = run_cli(["class", "report", str(items_class)]).stdout
    assert "rule book" not in out
