"""Quizzes: files, seeded papers, grading by the engine, answers files, results that are never lost."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT, run_cli, write
from bundled import LIBRARY, load_case
from mmn_ddx.assessment import p_equals
from mmn_ddx.errors import InputError

PLAIN = LIBRARY.assessor("plain")
TIMING = ("seconds", "answered_at", "started", "updated")

EVERY_KIND = """\
title: Every kind of question
cases:
  - electrician-finger-drop
  - carpenter-cannot-pinch
  - a-different-man
  - tongue-twitches
  - {case: cannot-raise-either-arm, stage: examination}
questions:
  - {id: lean, kind: leaning, case: electrician-finger-drop, stage: history}
  - {id: lean-als, kind: leaning, case: carpenter-cannot-pinch, stage: examination}
  - {id: disc, kind: discriminator, case: carpenter-cannot-pinch, stage: examination}
  - {id: disc-mmn, kind: discriminator, case: electrician-finger-drop, stage: electrodiagnosis, options: 5}
  - {id: efns, kind: criteria, case: electrician-finger-drop, stage: electrodiagnosis, criteria: efns_pns_2010_mmn}
  - {id: gold, kind: criteria, case: carpenter-cannot-pinch, criteria: gold_coast_als}
  - {id: eec, kind: criteria, case: a-different-man, stage: electrodiagnosis, criteria: revised_el_escorial_als}
  - {id: awaji, kind: criteria, case: a-different-man, stage: electrodiagnosis, criteria: awaji_als}
  - {id: next, kind: next_investigation, case: cannot-raise-either-arm, stage: history}
  - {id: next-mmn, kind: next_investigation, case: electrician-finger-drop, stage: history}
  - {id: cons, kind: consider, case: tongue-twitches, stage: history}
  - id: mc
    kind: choice
    prompt: Which finding is shared by MMN and ALS?
    options: [Fasciculations, A Babinski sign, High-titre anti-GM1]
    answer: Fasciculations
    explanation: Fasciculations occur in both diseases.
"""

SMALL = """\
title: Small
cases: [electrician-finger-drop, carpenter-cannot-pinch]
questions:
  - {id: a, kind: leaning, case: electrician-finger-drop, stage: history}
  - {id: b, kind: discriminator, case: carpenter-cannot-pinch, stage: examination}
  - {id: c, kind: choice, prompt: "Pick one", options: [red, green, blue], answer: green, explanation: "Green is right."}
  - {id: d, kind: criteria, case: electrician-finger-drop, stage: electrodiagnosis, criteria: efns_pns_2010_mmn}
"""


@pytest.fixture
def every_kind(tmp_path) -> str:
    return str(write(tmp_path / "every-kind.yaml", EVERY_KIND))


@pytest.fixture
def small(tmp_path) -> str:
    return str(write(tmp_path / "small.yaml", SMALL))


def key_of(args) -> dict:
    return json.loads(run_cli(["quiz", "key", *args, "--format", "json"]).stdout)


def strip_timing(data: dict) -> dict:
    data = {k: v for k, v in data.items() if k not in TIMING}
    data["answers"] = [{k: v for k, v in r.items() if k not in TIMING} for r in data["answers"]]
    return data


# ----------------------------------------------------------------------------- the engine's answers, independently
def expected(case_id: str, stage: str | None, kind: str, criteria: str | None = None) -> set:
    """What the plain evaluator says is right, computed here, not by mmn_ddx.quiz."""
    case = load_case(LIBRARY.cases()[case_id])
    a = PLAIN.assess_case(case, stage)
    if kind == "leaning":
        return {a.leaning}
    if kind == "discriminator":
        top = max(e.rule.weight for e in a.evidence)
        items = [e for e in a.evidence if math.isclose(e.rule.weight, top)]
        items += [f for e in a.evidence for f in e.folded if math.isclose(f.rule.weight, top)]
        return {next(iter(e.findings)) for e in items}
    if kind == "criteria":
        return {a.criteria[criteria]}
    if kind == "next_investigation":
        top = a.next_best[0].swing
        return {n.finding for n in a.next_best if math.isclose(n.swing, top)}
    if kind == "consider":
        return {c.condition for c in a.consider}
    raise AssertionError(kind)


def questions_of(text: str) -> list[dict]:
    return yaml.safe_load(text)["questions"]


def stage_of(question: dict, limits: dict) -> str | None:
    return question.get("stage", limits.get(question.get("case")))


LIMITS = {"cannot-raise-either-arm": "examination"}


def test_every_kind_is_graded_right_by_the_engine(every_kind, tmp_path):
    key = {q["id"]: q for q in key_of([every_kind])["questions"]}
    answers = {}
    for q in questions_of(EVERY_KIND):
        if q["kind"] == "choice":
            answers[q["id"]] = "Fasciculations"
            continue
        want = expected(q["case"], stage_of(q, LIMITS), q["kind"], q.get("criteria"))
        assert key[q["id"]]["answer"]["value"] in want, (q["id"], key[q["id"]]["answer"], want)
        answers[q["id"]] = sorted(want)[0]  # typed by name, even a tie that is not offered
    path = write(tmp_path / "answers.yaml", yaml.safe_dump(answers))
    results = tmp_path / "r.json"
    run_cli(["quiz", every_kind, "--answers", str(path), "--results", str(results)])
    data = json.loads(results.read_text())
    assert [r["correct"] for r in data["answers"]] == [True] * len(answers), [
        (r["id"], r["answer"], r["right_answer"]) for r in data["answers"] if not r["correct"]]
    assert data["score"] == {"correct": len(answers), "answered": len(answers), "total": len(answers), "percent": 100.0}
    assert data["complete"] is True


def test_wrong_answers_get_the_engine_explanation(every_kind, tmp_path):
    key = {q["id"]: q for q in key_of([every_kind])["questions"]}
    answers, explanations = {}, {}
    for q in questions_of(EVERY_KIND):
        if q["kind"] == "choice":
            answers[q["id"]] = "A Babinski sign"
            explanations[q["id"]] = "Fasciculations occur in both diseases."
            continue
        want = expected(q["case"], stage_of(q, LIMITS), q["kind"], q.get("criteria"))
        wrong = next(o for o in key[q["id"]]["options"] if o["value"] not in want)
        answers[q["id"]] = wrong["letter"]
        a = PLAIN.assess_case(load_case(LIBRARY.cases()[q["case"]]), stage_of(q, LIMITS))
        explanations[q["id"]] = {
            "leaning": p_equals(a.p_mmn),
            "discriminator": a.evidence[0].rule.explanation,
            "criteria": a.criteria_detail.get(q.get("criteria") or "", {}).get("title", ""),
            "next_investigation": a.next_best[0].why if a.next_best else "",
            "consider": a.consider[0].rules[0].why if a.consider else "",
        }[q["kind"]]
    path = write(tmp_path / "answers.yaml", yaml.safe_dump(answers))
    results = tmp_path / "r.json"
    run_cli(["quiz", every_kind, "--answers", str(path), "--results", str(results)])
    for record in json.loads(results.read_text())["answers"]:
        assert record["correct"] is False, record["id"]
        assert explanations[record["id"]] in record["feedback"], (record["id"], record["feedback"])
        assert record["right_answer"] != record["answer"]


def test_a_discriminator_wrong_answer_names_the_rule_that_explains_it(tmp_path):
    quiz = write(tmp_path / "q.yaml", "title: t\ncases: [electrician-finger-drop]\nquestions:\n"
                 "  - {id: d, kind: discriminator, case: electrician-finger-drop, stage: electrodiagnosis, options: 8}\n")
    a = PLAIN.assess_case(load_case(LIBRARY.cases()["electrician-finger-drop"]), "electrodiagnosis")
    shared = {f: e.rule.id for e in a.shared for f in e.findings}
    for seed in range(20):  # the first seed whose options include a shared feature
        key = key_of([str(quiz), "--seed", str(seed)])["questions"][0]
        offered = [o for o in key["options"] if o["value"] in shared]
        if offered:
            break
    assert offered, "weighed findings, shared features among them, are the preferred distractors"
    answers = write(tmp_path / "a.yaml", f"d: {offered[0]['value']}\n")
    data = json.loads(run_cli(["quiz", str(quiz), "--seed", str(seed), "--answers", str(answers), "--json"]).stdout)
    record = data["answers"][0]
    assert record["explained_by"] == shared[offered[0]["value"]]
    assert "shared feature" in record["feedback"]


# ----------------------------------------------------------------------------- seeds
def test_the_same_seed_gives_the_same_quiz(every_kind):
    assert key_of([every_kind, "--seed", "11"]) == key_of([every_kind, "--seed", "11"])


def test_different_seeds_give_different_quizzes(every_kind):
    orders = {tuple(q["id"] for q in key_of([every_kind, "--seed", str(seed)])["questions"]) for seed in (1, 2, 3)}
    assert len(orders) == 3
    first, second = key_of([every_kind, "--seed", "1"]), key_of([every_kind, "--seed", "2"])
    options = lambda k: {q["id"]: [o["value"] for o in q["options"]] for q in k["questions"]}  # noqa: E731
    assert options(first) != options(second)


def test_without_a_seed_the_file_order_is_kept(every_kind):
    ids = [q["id"] for q in key_of([every_kind])["questions"]]
    assert ids == [q["id"] for q in questions_of(EVERY_KIND)]


def test_a_seeded_order_is_pinned(tmp_path):
    """A golden order: it must not change with the machine, PYTHONHASHSEED or the Python version."""
    quiz = write(tmp_path / "pinned.yaml", "title: pinned\ncases: [electrician-finger-drop]\nquestions:\n" + "".join(
        f"  - {{id: q{i}, kind: choice, prompt: p{i}, options: [alpha, beta, gamma, delta], answer: alpha, explanation: e}}\n"
        for i in range(1, 7)))
    key = key_of([str(quiz), "--seed", "42"])
    order = [q["id"] for q in key["questions"]]
    first_options = [o["value"] for o in key["questions"][0]["options"]]
    assert (order, first_options) == (PINNED_ORDER, PINNED_OPTIONS)


PINNED_ORDER = ["q2", "q3", "q4", "q5", "q6", "q1"]
PINNED_OPTIONS = ["gamma", "delta", "beta", "alpha"]


def test_quiz_through_a_real_subprocess_matches_in_process(every_kind, tmp_path):
    """Another process with another hash seed builds the same paper, and a scripted run works end to end."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "quiz", "key", every_kind, "--seed", "5", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == key_of([every_kind, "--seed", "5"])
    answers = write(tmp_path / "a.json", json.dumps({"mc": "Fasciculations", "lean": "zzz"}))
    bad = subprocess.run([sys.executable, "-m", "mmn_ddx", "quiz", "take", every_kind, "--answers", str(answers)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "'zzz' is not one of the options" in bad.stderr and bad.stdout == ""
    assert "Traceback" not in bad.stderr


# ----------------------------------------------------------------------------- interruption and resume
ANSWERS_TYPED = ["a", "2", "C", "b"]  # letters and numbers fit whatever the seed puts where


def test_interrupted_after_each_question_then_resumed_gives_the_same_results(small, tmp_path):
    whole = tmp_path / "whole.json"
    run_cli(["quiz", small, "--seed", "3", "--student", "Ada", "--results", str(whole)], input="\n".join(ANSWERS_TYPED) + "\n")
    reference = strip_timing(json.loads(whole.read_text()))
    assert reference["complete"] and len(reference["answers"]) == 4
    for stop in range(0, 4):  # before the first answer, and after each but the last
        path = tmp_path / f"stopped-{stop}.json"
        result = run_cli(["quiz", small, "--seed", "3", "--student", "Ada", "--results", str(path)],
                         exit_code=130, input="\n".join(ANSWERS_TYPED[:stop]) + "\n")
        assert f"stopped after {stop} of 4 questions" in result.stderr and "--resume" in result.stderr
        saved = json.loads(path.read_text())
        assert len(saved["answers"]) == stop and saved["complete"] is False
        run_cli(["quiz", small, "--seed", "3", "--results", str(path), "--resume"],
                input="\n".join(ANSWERS_TYPED[stop:]) + "\n")
        assert strip_timing(json.loads(path.read_text())) == reference, stop


def test_live_answers_record_the_time_taken_and_what_was_typed(small, tmp_path):
    path = tmp_path / "r.json"
    result = run_cli(["quiz", small, "--results", str(path)], input="zzz\n\nundecided\n2\nskip\nA\n")
    assert "'zzz' is not one of the options" in result.stdout
    assert "Answer with a letter (a–c)" in result.stdout
    records = json.loads(path.read_text())["answers"]
    assert [r["typed"] for r in records] == ["undecided", "2", "skip", "A"]
    assert records[2]["answer"] is None and records[2]["correct"] is False
    assert all(isinstance(r["seconds"], float) for r in records)


def test_exam_mode_explains_only_at_the_end(small, tmp_path):
    out = run_cli(["quiz", small, "--feedback", "end"], input="als\na\na\na\n").stdout
    assert "Not quite" not in out and "Your answers" in out and "Why" in out


def test_a_corrupt_results_file_is_refused_and_left_untouched(small, tmp_path):
    path = write(tmp_path / "r.json", '{"schema": "mmn-ddx/quiz-results/1", "quiz": ')
    before = path.read_bytes()
    err = run_cli(["quiz", small, "--results", str(path), "--resume"], exit_code=2, input="a\n").stderr
    assert "not valid JSON" in err and "left untouched" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("other, message", [
    (["--seed", "8"], "was made with --seed 7, not --seed 8"),
    (["--seed", "7", "--student", "Bob"], "holds the results of student 'Ada', not 'Bob'"),
])
def test_results_of_another_seed_or_student_are_refused(small, tmp_path, other, message):
    path = tmp_path / "r.json"
    run_cli(["quiz", small, "--seed", "7", "--student", "Ada", "--results", str(path)], exit_code=130, input="a\n")
    before = path.read_bytes()
    err = run_cli(["quiz", small, *other, "--results", str(path), "--resume"], exit_code=2, input="a\n").stderr
    assert message in " ".join(err.split()) and path.read_bytes() == before


def test_results_of_another_quiz_are_refused(small, every_kind, tmp_path):
    path = tmp_path / "r.json"
    run_cli(["quiz", small, "--results", str(path)], exit_code=130, input="a\n")
    before = path.read_bytes()
    err = run_cli(["quiz", every_kind, "--results", str(path), "--resume"], exit_code=2).stderr
    assert "holds results of another quiz ('Small'" in " ".join(err.split()) and path.read_bytes() == before


def test_existing_results_are_never_overwritten(small, tmp_path):
    path = tmp_path / "r.json"
    run_cli(["quiz", small, "--results", str(path)], exit_code=130, input="a\n")
    before = path.read_bytes()
    err = run_cli(["quiz", small, "--results", str(path)], exit_code=2, input="a\n").stderr
    assert "already holds results (1 of 4 answered)" in err and "--resume" in err
    assert path.read_bytes() == before


def test_results_never_overwrite_another_kind_of_file(small):
    quiz_text = open(small, encoding="utf-8").read()
    err = " ".join(run_cli(["quiz", small, "--results", small], exit_code=2).stderr.split())
    assert "already exists and is not a results file of mmn-ddx" in err and "left untouched" in err
    assert open(small, encoding="utf-8").read() == quiz_text


def test_no_temporary_files_are_left_behind(small, tmp_path):
    run_cli(["quiz", small, "--results", str(tmp_path / "r.json")], input="a\na\na\na\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "small.yaml"]


# ----------------------------------------------------------------------------- answers files
@pytest.mark.parametrize("body, messages", [
    ("lean: mmn\nleen: als\n", ["answers.yaml, line 2", "question 'leen' is not in this quiz", "Did you mean 'lean'?"]),
    ("mc: Cramps\n", ["line 1", "'Cramps' is not one of the options", "Fasciculations", "Answer with a letter (a–c)"]),
    ("lean: 7\n", ["'7' is not one of the options"]),
    ("lean: e\n", ["'e' is not one of the options"]),
    ("lean: [mmn]\n", ["the answer must be one letter, number or text"]),
    ("lean: mmn\n  bad: indent\n", ["line 2", "not valid YAML"]),
    ("- lean\n", ["an answers file is a mapping of question id: answer"]),
])
def test_answer_file_errors_are_explained(every_kind, tmp_path, body, messages):
    answers = write(tmp_path / "answers.yaml", body)
    results = tmp_path / "r.json"
    err = " ".join(run_cli(["quiz", every_kind, "--answers", str(answers), "--results", str(results)], exit_code=2).stderr.split())
    for message in messages:
        assert message in err, (message, err)
    assert "Traceback" not in err
    assert not results.exists(), "nothing is graded before the answers file is sound"


def test_every_answer_file_problem_is_reported_at_once(every_kind, tmp_path):
    answers = write(tmp_path / "answers.yaml", "leen: mmn\nmc: Cramps\ncons: nothing\n")
    err = run_cli(["quiz", every_kind, "--answers", str(answers)], exit_code=2).stderr
    assert err.count("Error:") == 3


def test_answers_by_letter_number_text_json_and_wrapped(every_kind, tmp_path):
    key = {q["id"]: q for q in key_of([every_kind])["questions"]}
    right = key["mc"]["answer"]
    letter, number = right["letter"], "abc".index(right["letter"]) + 1
    for body in ({"mc": letter}, {"mc": number}, {"mc": right["label"].upper()}, {"mc": f"({letter})"}):
        path = write(tmp_path / "a.json", json.dumps(body))
        data = json.loads(run_cli(["quiz", every_kind, "--answers", str(path), "--json"]).stdout)
        assert data["answers"][0]["correct"] is True, body
    wrapped = write(tmp_path / "w.yaml", "student: Grace\nanswers:\n  mc: Fasciculations\n  efns: definite\n  cons: Kennedy disease\n")
    data = json.loads(run_cli(["quiz", every_kind, "--answers", str(wrapped), "--json"]).stdout)
    assert data["student"] == "Grace"
    assert all(r["correct"] for r in data["answers"]), data["answers"]


def test_questions_missing_from_an_answers_file_are_left_for_resume(small, tmp_path):
    answers = write(tmp_path / "a.yaml", "c: green\n")
    path = tmp_path / "r.json"
    result = run_cli(["quiz", small, "--answers", str(answers), "--results", str(path)])
    assert "3 question(s) have no answer" in result.stderr and "a, b, d" in result.stderr
    assert [r["id"] for r in json.loads(path.read_text())["answers"]] == ["c"]
    run_cli(["quiz", small, "--results", str(path), "--resume"], input="a\na\na\n")
    assert json.loads(path.read_text())["complete"] is True


# ----------------------------------------------------------------------------- quiz files
BAD_QUIZZES = [
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: leaning, case: electrician-finger-drop, answer: mmn}\n",
     "line 4", "the engine grades 'leaning' questions, so the quiz file does not give the answer"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: leanig, case: electrician-finger-drop}\n",
     "line 4", "Did you mean 'leaning'?"),
    ("title: t\ncases: [electrician-finger-dro]\nquestions:\n  - {id: a, kind: leaning, case: electrician-finger-drop}\n",
     "line 2", "Did you mean 'electrician-finger-drop'?"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: leaning, case: carpenter-cannot-pinch}\n",
     "line 4", "which is not listed under 'cases'"),
    ("title: t\ncases: [{case: electrician-finger-drop, stage: history}]\nquestions:\n  - {id: a, kind: leaning, case: electrician-finger-drop, stage: treatment}\n",
     "line 4", "beyond stage 'history', the limit set for case 'electrician-finger-drop'"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: leaning, case: electrician-finger-drop, stage: electro}\n",
     "line 4", "Did you mean 'electrodiagnosis'?"),
    ("title: t\ncases: [finger-will-not-straighten]\nquestions:\n  - {id: a, kind: discriminator, case: finger-will-not-straighten, stage: history}\n",
     "line 4", "no finding of case 'finger-will-not-straighten' counts as evidence"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: criteria, case: electrician-finger-drop, criteria: efns}\n",
     "line 4", "Did you mean 'efns_pns_2010_mmn'?"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: choice, prompt: p, options: [x1, y1], answer: z1, explanation: e}\n",
     "line 4", "the answer 'z1' is not one of its options"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: choice, prompt: p, options: [x1, y1], answer: x1, explanation: e}\n"
     "  - {id: a, kind: choice, prompt: p, options: [x1, y1], answer: x1, explanation: e}\n", "line 5", "question id 'a' is used twice"),
    ("title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {id: a, kind: leaning, case: electrician-finger-drop, hint: x}\n",
     "line 4", "field 'hint' is not part of a question"),
]


@pytest.mark.parametrize("body, where, message", BAD_QUIZZES)
def test_bad_quiz_files_name_the_line_and_a_fix(tmp_path, body, where, message):
    path = str(write(tmp_path / "quizzes" / "bad.yaml", body))
    for command in (["quiz", path], ["validate", path]):
        err = " ".join(run_cli(command, exit_code=2).stderr.split())
        assert "bad.yaml" in err and where in err and message in err, err
        assert "Traceback" not in err


def test_a_quiz_file_outside_a_quizzes_folder_is_recognised_by_its_questions(tmp_path):
    path = write(tmp_path / "week1.yaml", "title: t\ncases: [electrician-finger-drop]\nquestions:\n  - {kind: leaning, case: electrician-finger-drop, answer: mmn}\n")
    assert "does not give the answer" in run_cli(["validate", str(path)], exit_code=2).stderr


def test_the_bundled_quizzes_validate_and_run():
    assert "no problems" in run_cli(["validate", str(ROOT / "cases" / "quizzes")]).stdout
    out = run_cli(["validate", str(ROOT / "cases")]).stdout
    assert "no problems" in out
    for name in ("introductory", "criteria", "hard-mimics"):
        key = key_of([name, "--seed", "1"])
        assert len(key["questions"]) >= 10
        kinds = {q["kind"] for q in key["questions"]}
        assert "choice" in kinds and len(kinds) >= 2


def test_the_readme_quiz_example_validates(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quizzes and classes"):]
    example = section[section.index("```yaml\n") + 8:]
    example = example[:example.index("```")]
    path = write(tmp_path / "quizzes" / "readme.yaml", example)
    assert "no problems" in run_cli(["validate", str(path)]).stdout


def test_quiz_files_match_the_json_schema(tmp_path):
    import jsonschema
    schema = json.loads((ROOT / "docs" / "schemas" / "quiz.schema.json").read_text())
    for path in sorted((ROOT / "cases" / "quizzes").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    jsonschema.validate(yaml.safe_load(EVERY_KIND), schema)
    wrong = yaml.safe_load(BAD_QUIZZES[0][0])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, schema)


def test_results_files_match_the_json_schema(small, tmp_path):
    import jsonschema
    schema = json.loads((ROOT / "docs" / "schemas" / "quiz-results.schema.json").read_text())
    path = tmp_path / "r.json"
    run_cli(["quiz", small, "--seed", "2", "--student", "Ada", "--results", str(path)], input="a\nb\nc\nskip\n")
    data = json.loads(path.read_text())
    jsonschema.validate(data, schema)
    from importlib.metadata import version

    assert data["tool_version"] == version("mmn-ddx")
    assert data["quiz"]["fingerprint"].startswith("sha256:") and data["seed"] == 2


# ----------------------------------------------------------------------------- keys and generated quizzes
def test_the_answer_key_explains_each_answer(every_kind, tmp_path):
    out = run_cli(["quiz", "key", every_kind]).stdout
    a = PLAIN.assess_case(load_case(LIBRARY.cases()["carpenter-cannot-pinch"]), "examination")
    assert "Answer key: Every kind of question" in out and "✓" in out
    assert " ".join(a.evidence[0].rule.explanation.split()[:6]) in " ".join(out.split())
    md = tmp_path / "key.md"
    run_cli(["quiz", "key", every_kind, "--seed", "2", "--format", "md", "--out", str(md)])
    text = md.read_text()
    assert text.startswith("# Answer key: Every kind of question") and "**Answer: " in text
    assert text.count("\n## ") == len(questions_of(EVERY_KIND))


def test_the_html_key_stands_alone_and_escapes_text(tmp_path):
    quiz = write(tmp_path / "q.yaml", "title: \"<b>Bold</b> & co\"\ncases: [electrician-finger-drop]\nquestions:\n"
                 "  - {id: a, kind: choice, prompt: \"Is <script>x</script> safe?\", options: [yes it is, no never], answer: no never, explanation: e}\n")
    out = run_cli(["quiz", "key", str(quiz), "--format", "html"]).stdout
    assert out.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in out
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in out


def test_generate_is_repeatable_and_valid(tmp_path):
    first, again, other = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    run_cli(["quiz", "generate", "7", "--seed", "2", "--out", str(first)])
    run_cli(["quiz", "generate", "7", "--seed", "2", "--out", str(again)])
    run_cli(["quiz", "generate", "7", "--seed", "3", "--out", str(other)])
    assert first.read_text() == again.read_text() != other.read_text()
    data = yaml.safe_load(first.read_text())
    assert len(data["questions"]) == 7 and {q["kind"] for q in data["questions"]} >= {"leaning", "discriminator", "criteria"}
    assert all("answer" not in q for q in data["questions"])
    assert "no problems" in run_cli(["validate", str(first)]).stdout
    # Taken at once (the older form's --generate without --out), the generated quiz is the same paper as the written one.
    generated = json.loads(run_cli(["quiz", "--generate", "7", "--seed", "2", "--key", "--format", "json"]).stdout)
    written = key_of([str(first), "--seed", "2"])
    assert [q["answer"] for q in generated["questions"]] == [q["answer"] for q in written["questions"]]
    assert generated["fingerprint"] == written["fingerprint"]


# ----------------------------------------------------------------------------- the verbs, and the form without one
def test_the_form_without_a_verb_is_quiz_take(small, tmp_path):
    sheet = write(tmp_path / "s.yaml", "a: mmn\nc: green\n")
    runs = []
    for verb in ([], ["take"]):
        results = tmp_path / f"r{len(runs)}.json"
        run_cli(["quiz", *verb, small, "--seed", "4", "--answers", str(sheet), "--student", "Ada", "--results", str(results)])
        runs.append(strip_timing(json.loads(results.read_text())))
    assert runs[0] == runs[1] and runs[0]["score"]["answered"] == 2


def test_the_older_key_and_generate_flags_give_what_the_verbs_give(small, tmp_path):
    assert run_cli(["quiz", small, "--seed", "3", "--key", "--format", "md"]).stdout == \
        run_cli(["quiz", "key", small, "--seed", "3", "--format", "md"]).stdout
    old = tmp_path / "old.yaml"
    run_cli(["quiz", "--generate", "4", "--seed", "9", "--out", str(old)])
    assert old.read_text() == run_cli(["quiz", "generate", "4", "--seed", "9"]).stdout


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_quiz_key_is_the_same_bytes_for_the_same_seed(every_kind, tmp_path, fmt):
    first, again = tmp_path / f"1.{fmt}", tmp_path / f"2.{fmt}"
    for out in (first, again):
        run_cli(["quiz", "key", every_kind, "--seed", "6", "--format", fmt, "--out", str(out)])
    assert first.read_bytes() == again.read_bytes() and len(first.read_bytes()) > 500
    other = run_cli(["quiz", "key", every_kind, "--seed", "7", "--format", fmt]).stdout
    assert other.encode() != first.read_bytes()


def test_quiz_generate_prints_the_quiz_without_a_terminal(tmp_path):
    """Without --out the YAML goes to stdout, byte for byte the file --out writes; stdin closed does not matter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "quiz", "generate", "5", "--seed", "3"],
                          capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and yaml.safe_load(done.stdout)["questions"][4]["id"] == "q5"
    written = tmp_path / "q.yaml"
    run_cli(["quiz", "generate", "5", "--seed", "3", "--out", str(written)])
    assert written.read_text() == done.stdout
    assert run_cli(["quiz", "generate", "5", "--seed", "4"]).stdout != done.stdout


@pytest.mark.parametrize("verb", [["key", "introductory"], ["generate", "3"]])
def test_the_verbs_never_replace_a_file_without_force(tmp_path, verb):
    out = write(tmp_path / "mine.txt", "my own notes\n")
    err = run_cli(["quiz", *verb, "--out", str(out)], exit_code=2).stderr
    assert "already exists" in err and "--force" in err and out.read_text() == "my own notes\n"
    run_cli(["quiz", *verb, "--out", str(out), "--force"])
    assert out.read_text() != "my own notes\n"


@pytest.mark.parametrize("args, message", [
    (["key", "intro"], "Did you mean 'introductory'?"),
    (["key", "introductory", "--out", "{file}/key.md"], "is a file, not a folder"),
    (["generate", "3", "--out", "{file}/q.yaml"], "is a file, not a folder"),
    (["generate", "0"], "0 is not in the range"),
])
def test_the_verbs_explain_bad_input(tmp_path, args, message):
    blocker = write(tmp_path / "blocker", "not a folder\n")
    err = " ".join(run_cli(["quiz", *(a.replace("{file}", str(blocker)) for a in args)], exit_code=2).stderr.split())
    assert message in err and "Traceback" not in err, err
    assert blocker.read_text() == "not a folder\n"


@pytest.mark.parametrize("args, message", [
    (["introductory", "--generate", "3"], "either QUIZ or --generate"),
    (["introductory", "--format", "md"], "--format applies to --key"),
    (["introductory", "--key", "--results", "r.json"], "does not run the quiz"),
    (["introductory", "--resume"], "--resume needs --results"),
    (["intro"], "Did you mean 'introductory'?"),
    ([], "no quiz named"),
])
def test_command_line_mistakes_are_explained(args, message):
    err = " ".join(run_cli(["quiz", *args], exit_code=2).stderr.split())
    assert message in err, err


def _stage_where(condition):
    """The first bundled (case, stage name) whose assessment meets `condition`."""
    engine = LIBRARY.assessor()
    for case_id, path in sorted(LIBRARY.cases().items()):
        case = load_case(path)
        for number, stage in enumerate(case.stages, 1):
            if condition(engine.assess_case(case, number)):
                return case_id, stage.name
    pytest.skip("no bundled stage fits")


def test_leaning_questions_accept_both_answers_near_the_tools_own_mark():
    """Just beside the 0.90 mark 'undecided' and 'MMN' are both right; far from both marks, only one."""
    from mmn_ddx.assessment import LEAN_MMN_AT
    from mmn_ddx.quiz import LEANING_MARGIN, grade, match_answer, prepare, quiz_from_text

    near = _stage_where(lambda a: abs(a.p_mmn - LEAN_MMN_AT) < LEANING_MARGIN and not a.consider)
    far = _stage_where(lambda a: 0.3 < a.p_mmn < 0.7)
    text = (f"version: 1\ntitle: Margins\ncases: [{near[0]}, {far[0]}]\nquestions:\n"
            f"  - {{id: near, kind: leaning, case: {near[0]}, stage: {near[1]}}}\n"
            f"  - {{id: far, kind: leaning, case: {far[0]}, stage: {far[1]}}}\n")
    paper = prepare(quiz_from_text(text, "margins.yaml", LIBRARY), LIBRARY)
    near, far = paper.item("near"), paper.item("far")
    assert near.accepted == {"mmn", "undecided"} and f"within {LEANING_MARGIN:.2f}" in near.explanation
    assert grade(near, match_answer(near, "MMN")).correct and grade(near, match_answer(near, "undecided")).correct
    assert not grade(near, match_answer(near, "ALS")).correct
    assert far.accepted == {"undecided"}


def test_no_bundled_question_asks_about_the_tools_own_cut_off():
    for name in ("introductory", "criteria", "hard-mimics"):
        data = yaml.safe_load((ROOT / "cases" / "quizzes" / f"{name}.yaml").read_text(encoding="utf-8"))
        for question in data["questions"]:
            words = " ".join(str(question.get(k, "")) for k in ("prompt", "options", "answer")).lower()
            assert not any(w in words for w in ("0.90", "0.10", "threshold", "9 to 1", "name a leaning")), question["id"]


# ----------------------------------------------------------------------------- replayable results
REPLAY = """\
title: Replay
cases: [carpenter-cannot-pinch]
questions:
  - {id: disc, kind: discriminator, case: carpenter-cannot-pinch, stage: examination}
  - {id: mc, kind: choice, prompt: "Pick one", options: [red, green], answer: green, explanation: "Green."}
"""


def _top_evidence(library, case_id, stage):
    a = library.assessor("plain").assess_case(library.load_case(library.cases()[case_id]), stage)
    return max(a.evidence, key=lambda e: e.rule.weight)


def _weaken(rules_root, rule) -> None:
    """Edit a copied rules folder so that `rule` counts for almost nothing (a ratio near 1, same side)."""
    import re

    weak, less_weak = "0.5", "0.52"
    for path in (rules_root / "weigh").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        block = re.search(r"  - id: %s\n.*?(?=\n  - id: |\Z)" % re.escape(rule.id), text, re.S)
        if block:
            edited = re.sub(r"(\n      mmn: )[0-9.]+", r"\g<1>" + (less_weak if rule.toward == "mmn" else weak), block.group(0), count=1)
            edited = re.sub(r"(\n      als: )[0-9.]+", r"\g<1>" + (weak if rule.toward == "mmn" else less_weak), edited, count=1)
            path.write_text(text.replace(block.group(0), edited), encoding="utf-8")
            return
    raise AssertionError(f"rule {rule.id} not found")


@pytest.fixture
def replay(tmp_path):
    """A results file graded by the bundled rules, with the engine's right answer to 'disc' given."""
    quiz = write(tmp_path / "replay.yaml", REPLAY)
    top = _top_evidence(LIBRARY, "carpenter-cannot-pinch", "examination")
    sheet = write(tmp_path / "a.yaml", f"disc: {next(iter(top.findings))}\nmc: green\n")
    results = tmp_path / "ada.json"
    run_cli(["quiz", "take", str(quiz), "--seed", "2", "--answers", str(sheet), "--student", "Ada", "--results", str(results)])
    return quiz, results, top


def test_results_record_the_rule_book_each_case_and_the_seed(replay):
    _, results, _ = replay
    data = json.loads(results.read_text())
    assert data["rulebook"] == {"fingerprint": LIBRARY.fingerprint()["rulebook"],
                                **{k: v for k, v in LIBRARY.fingerprint().items() if k != "rulebook"}}
    assert set(data["rulebook"]) == {"fingerprint", "vocabulary", "weighing", "consider", "criteria", "families"}
    case_text = LIBRARY.cases()["carpenter-cannot-pinch"].read_text(encoding="utf-8")
    from mmn_ddx.yamlio import fingerprint_of

    assert data["cases"] == {"carpenter-cannot-pinch": fingerprint_of(case_text)}
    assert data["seed"] == 2 and data["tool_version"] and data["score"]["correct"] == 2


def test_the_rule_book_fingerprint_follows_the_files_not_the_folder(rules_copy, tmp_path):
    from mmn_ddx.library import load_library

    assert load_library(rules_copy).fingerprint() == LIBRARY.fingerprint()
    _weaken(rules_copy, _top_evidence(LIBRARY, "carpenter-cannot-pinch", "examination").rule)
    changed = load_library(rules_copy).fingerprint()
    assert {k for k in changed if changed[k] != LIBRARY.fingerprint()[k]} == {"weighing", "rulebook"}


def test_resume_under_another_rule_book_is_refused_with_how_to_regrade(replay):
    quiz, results, _ = replay
    data = json.loads(results.read_text())
    data["rulebook"]["criteria"] = data["rulebook"]["fingerprint"] = "sha256:0000000000000000"  # as if graded by older rules
    data["complete"] = False
    data["answers"] = data["answers"][:1]
    results.write_text(json.dumps(data))
    before = results.read_bytes()
    err = " ".join(run_cli(["quiz", "take", str(quiz), "--seed", "2", "--results", str(results), "--resume"], exit_code=2).stderr.split())
    assert "graded under other rules" in err and "criteria" in err and "weighing" not in err, err
    assert f"mmn-ddx quiz regrade {results}" in err and "left untouched" in err
    assert results.read_bytes() == before


def test_resume_after_a_case_was_edited_is_refused(replay):
    quiz, results, _ = replay
    data = json.loads(results.read_text())
    data["cases"]["carpenter-cannot-pinch"] = "sha256:1111111111111111"
    data["answers"] = data["answers"][:1]
    results.write_text(json.dumps(data))
    err = " ".join(run_cli(["quiz", str(quiz), "--seed", "2", "--results", str(results), "--resume"], exit_code=2).stderr.split())
    assert "case 'carpenter-cannot-pinch'" in err and "regrade" in err


def test_regrade_under_changed_rules_writes_a_new_file_and_keeps_the_old(replay, rules_copy):
    from mmn_ddx.api import regrade_results, start_quiz
    from mmn_ddx.library import load_library

    quiz, results, top = replay
    _weaken(rules_copy, top.rule)
    changed = load_library(rules_copy)
    with pytest.raises(InputError) as refused:
        start_quiz(str(quiz), changed, seed=2, results=str(results), resume=True)
    assert "weighing rules" in str(refused.value.problems[0])
    before = results.read_bytes()
    done = regrade_results(str(results), changed, quiz=str(quiz))
    assert results.read_bytes() == before
    new = json.loads((results.parent / "ada.regraded.json").read_text())
    assert done.path.endswith("ada.regraded.json") and done.changed == ["the rule book's weighing rules"]
    assert [(c.id, c.was_correct, c.now_correct) for c in done.changes] == [("disc", True, False)]
    assert new["score"]["correct"] == 1 and new["rulebook"]["fingerprint"] == changed.fingerprint()["rulebook"]
    assert new["regraded"]["from"] == "ada.json" and new["regraded"]["rulebook"] == LIBRARY.fingerprint()["rulebook"]
    assert new["regraded"]["score"]["correct"] == 2 and new["student"] == "Ada" and new["seed"] == 2
    old = json.loads(before)
    assert [r["answered_at"] for r in new["answers"]] == [r["answer"] and r["answered_at"] for r in old["answers"]]
    # The regraded file is a results file like any other, and the quiz carries on from it under the new rules.
    session, _ = start_quiz(str(quiz), changed, seed=2, results=done.path, resume=True)
    session.close()


def test_quiz_regrade_through_the_command_line(replay):
    quiz, results, _ = replay
    err = run_cli(["quiz", "regrade", str(results), "--quiz", str(quiz)]).stderr
    assert "2 of 2 right before, 2 of 2 now" in " ".join(err.split()) and "No grade changed" in err
    regraded = json.loads((results.parent / "ada.regraded.json").read_text())
    assert regraded["answers"][0]["id"] == json.loads(results.read_text())["answers"][0]["id"]
    assert "already exists" in run_cli(["quiz", "regrade", str(results), "--quiz", str(quiz)], exit_code=2).stderr
    run_cli(["quiz", "regrade", str(results), "--quiz", str(quiz), "--force"])


def test_quiz_regrade_of_a_bundled_quiz_finds_the_quiz_itself(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sheet = write(tmp_path / "s.yaml", "shared-features: a\n")
    results = tmp_path / "bo.json"
    run_cli(["quiz", "introductory", "--seed", "1", "--answers", str(sheet), "--student", "Bo", "--results", str(results)])
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "quiz", "regrade", str(results), "--out", str(tmp_path / "new.json")],
                          capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    new = json.loads((tmp_path / "new.json").read_text())
    assert new["quiz"] == json.loads(results.read_text())["quiz"] and new["regraded"]["from"] == "bo.json"


@pytest.mark.parametrize("args, message", [
    (["{results}", "--out", "{results}"], "is the results file being regraded"),
    (["{results}"], "not a bundled quiz"),  # a quiz file of the teacher's own: it must be named
    (["{results}", "--quiz", "introductory"], "another quiz, or the same one edited since"),
    (["{quiz}", "--quiz", "{quiz}"], "is not valid JSON"),
    (["{missing}"], "no such file"),
])
def test_regrade_explains_bad_input_and_keeps_the_file(replay, tmp_path, args, message):
    quiz, results, _ = replay
    before = results.read_bytes()
    names = {"{results}": str(results), "{quiz}": str(quiz), "{missing}": str(tmp_path / "nope.json")}
    err = " ".join(run_cli(["quiz", "regrade", *(names.get(a, a) for a in args)], exit_code=2).stderr.split())
    assert message in err and "Traceback" not in err, err
    assert results.read_bytes() == before and not (tmp_path / "ada.regraded.json").exists()


def test_results_written_before_the_rule_book_was_recorded_still_load_and_resume(replay):
    quiz, results, _ = replay
    data = json.loads(results.read_text())
    for later in ("rulebook", "cases"):
        del data[later]
    data["answers"] = data["answers"][:1]
    results.write_text(json.dumps(data))
    run_cli(["quiz", str(quiz), "--seed", "2", "--results", str(results), "--resume"], input="a\n")
    assert len(json.loads(results.read_text())["answers"]) == 2
    assert "class fixture" not in run_cli(["class", "report", str(results)]).stdout


def test_regrading_a_generated_quiz_the_current_rules_generate_differently_says_how(tmp_path):
    results = tmp_path / "gen.json"
    run_cli(["quiz", "--generate", "3", "--seed", "4", "--answers", str(write(tmp_path / "a.yaml", "q1: a\n")),
             "--results", str(results)])
    assert json.loads(results.read_text())["quiz"]["id"] == "generated-3-seed-4"
    run_cli(["quiz", "regrade", str(results)])  # the same rules generate the same quiz
    data = json.loads(results.read_text())
    data["quiz"]["fingerprint"] = "sha256:2222222222222222"  # as if older rules had generated another
    results.write_text(json.dumps(data))
    err = " ".join(run_cli(["quiz", "regrade", str(results), "--out", str(tmp_path / "new.json")], exit_code=2).stderr.split())
    assert "generate differently" in err and "mmn-ddx quiz generate 3 --seed 4 --out FILE" in err and "--quiz FILE" in err
