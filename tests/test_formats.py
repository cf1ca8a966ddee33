"""The input formats: one table per format (mmn_ddx/formats.py) drives both the loaders' checks and
the published JSON Schemas, so a file the tool refuses is a file the schema refuses (style.md habit 7)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from bundled import LIBRARY
from conftest import ROOT, write
from mmn_ddx.cases import load_case
from mmn_ddx.criteria import load_criteria
from mmn_ddx.errors import InputError
from mmn_ddx.library import load_library
from mmn_ddx.schemas import SCHEMAS, schema
from mmn_ddx.vocabulary import load_vocabulary

SCHEMA_DIR = ROOT / "docs" / "schemas"
VOCAB = LIBRARY.vocabulary


def published(name: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_the_published_schema_is_what_the_tables_generate(name):
    committed = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(schema(name, VOCAB))), "run 'make schemas' (never edit docs/schemas/ by hand)"


BUNDLED = [("case", p) for p in sorted((ROOT / "cases").glob("*.yaml"))] + [
    ("rules", p) for p in sorted((ROOT / "rules").glob("*/*.yaml")) if p.parent.name in ("weigh", "consider")] + [
    ("criteria", p) for p in sorted((ROOT / "rules" / "criteria").glob("*.yaml"))] + [
    ("families", ROOT / "rules" / "families.yaml"), ("findings", ROOT / "rules" / "findings.yaml")] + [
    ("quiz", p) for p in sorted((ROOT / "cases" / "quizzes").glob("*.yaml"))]


@pytest.mark.parametrize("name, path", BUNDLED, ids=[f"{n}:{p.name}" for n, p in BUNDLED])
def test_every_bundled_file_satisfies_its_published_schema(name, path):
    errors = [e.message for e in published(name).iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert not errors, errors[:3]


# ----------------------------------------------------------------------------- files that must fail
# Each format: a small good file, then changes to it that the loader and the schema must both refuse.
CASE = "id: x\nstages:\n  - name: history\n    findings: {babinski: true}\n"
WEIGH = """rules:
  - id: test-rule
    title: A test rule
    when: {babinski: true}
    toward: als
    frequency: {of: a Babinski sign, mmn: 0.02, als: 0.4, confidence: M}
    explanation: Because.
    teaching_point: Remember.
    sources: [Somebody et al., Journal 2020.]
"""
CONSIDER = """rules:
  - id: test-flag
    condition: cidp
    title: A test flag
    when: {sensory_symptoms: true}
    strength: moderate
    why: Because.
    sources: [Somebody et al., Journal 2020.]
"""
FAMILIES = """families:
  - id: test-family
    label: A test family
    why: Because.
    joint: {of: the picture, mmn: 0.5, als: 0.1, confidence: L, sources: [Somebody 2020.]}
"""
CRITERIA = """id: gold_coast_als
title: Gold Coast
source: Somebody 2020.
elements:
  - id: gc-umn
    part: region
    title: UMN signs
    when: {babinski: true}
    explanation: Because.
categories:
  - value: met
    when: {element: gc-umn}
"""
QUIZ = """title: A test quiz
cases: [electrician-finger-drop]
questions:
  - {id: a, kind: leaning, case: electrician-finger-drop}
"""
FINDINGS = """version: 2
findings:
  - id: babinski
    label: Babinski sign
    type: bool
    stage: examination
    description: extensor plantar response
"""


def _load(kind: str, text: str, tmp_path: Path) -> None:
    """Read `text` as a file of format `kind` with the loader the tool uses."""
    if kind == "case":
        load_case(write(tmp_path / "x.yaml", text), VOCAB)
        return
    if kind == "findings":
        load_vocabulary(write(tmp_path / "findings.yaml", text))
        return
    if kind == "quiz":
        from mmn_ddx.quiz import quiz_from_text

        quiz_from_text(text, str(tmp_path / "quiz.yaml"), LIBRARY, tmp_path)
        return
    if kind == "criteria":
        write(tmp_path / "criteria" / "x.yaml", text)
        sets, problems = load_criteria(tmp_path / "criteria", VOCAB)
        if problems:
            raise InputError(problems)
        return
    root = tmp_path / "rules"
    (root / "weigh").mkdir(parents=True)
    shutil.copy(ROOT / "rules" / "findings.yaml", root / "findings.yaml")
    if kind == "families":
        write(root / "families.yaml", text)
    else:
        write(root / ("consider" if "condition:" in text else "weigh") / "x.yaml", text)
    load_library(root)  # as --rules DIR reads it: with the folder's own findings.yaml


GOOD = [("case", CASE), ("rules", WEIGH), ("rules", CONSIDER), ("families", FAMILIES), ("criteria", CRITERIA), ("findings", FINDINGS),
        ("quiz", QUIZ)]


@pytest.mark.parametrize("kind, text", GOOD, ids=[f"{k}-{i}" for i, (k, _) in enumerate(GOOD)])
def test_the_small_good_files_pass_both(kind, text, tmp_path):
    _load(kind, text, tmp_path)
    assert published(kind).is_valid(yaml.safe_load(text))


BAD = [
    # (format, good file, text replaced, replacement, what the message says)
    ("case", CASE, "id: x\n", "id: x\ntitel: x\n", "field 'titel' is not part of a case file. Did you mean 'title'?"),
    ("case", CASE, "id: x\n", "id: Bad_Id\n", "case id 'Bad_Id' must be lower-case words joined by hyphens"),
    ("case", CASE, "id: x\n", "id: x\ndifficulty: 4\n", "difficulty '4' is unknown"),
    ("case", CASE, "id: x\n", "id: x\ndiagnosis: mnn\n", "Did you mean 'mmn'?"),
    ("case", CASE, "id: x\n", "id: x\nteaching_points: [{a: b}]\n", "item 1 of 'teaching_points' must be text"),
    ("case", CASE, "id: x\n", "id: x\nexpected_criteria: {gold_coast_als: probable}\n", "gold_coast_als category 'probable' is unknown"),
    ("case", CASE, "id: x\n", "id: x\nexpected_criteria: {gold_coast: met}\n", "criterion set 'gold_coast' is unknown"),
    ("case", CASE, "    findings", "    follow_up: maybe\n    findings", "'follow_up' must be true or false"),
    ("case", CASE, "    findings", "    narative: x\n    findings", "field 'narative' is not part of a stage. Did you mean 'narrative'?"),
    ("case", CASE, "    findings: {babinski: true}", "    findings: [babinski]", "stage 'history': 'findings' must be a mapping"),
    ("case", CASE, "    findings", "    months_since_onset: 20\n    findings", "'months_since_onset' belongs to a follow-up stage"),
    ("case", CASE, "    findings", "    follow_up: false\n    teaching_point: t\n    findings", "'teaching_point' belongs to a follow-up stage"),
    ("rules", WEIGH, "toward: als", "toward: neither", "is toward 'neither' and must not carry a frequency or estimate"),
    ("rules", WEIGH, "    frequency: {of: a Babinski sign, mmn: 0.02, als: 0.4, confidence: M}\n", "",
     "must have either 'frequency' or 'estimate' (exactly one)"),
    ("criteria", CRITERIA, "value: met", "value: probable", "'probable' is not a category of gold_coast_als here"),
    ("rules", WEIGH, "toward: als", "toward: mnn", "toward 'mnn' is unknown. Did you mean 'mmn'?"),
    ("rules", WEIGH, "mmn: 0.02", "mmn: 60", "'mmn' must be a number between 0 and 1 (exclusive), not 60"),
    ("rules", WEIGH, "confidence: M", "confidence: Q", "confidence 'Q' is unknown"),
    ("rules", WEIGH, "id: test-rule", "id: Test", "rule id 'Test' must be lower-case words"),
    ("rules", WEIGH, "    sources: [Somebody et al., Journal 2020.]\n", "", "rule 'test-rule' lacks 'sources'"),
    ("rules", WEIGH, "    title: A test rule\n", "    titel: A test rule\n", "field 'titel' is not part of a rule"),
    ("rules", WEIGH, "frequency: {of: a Babinski sign, mmn: 0.02, als: 0.4, confidence: M}", "estimate: {ratio: 9, reasoning: r}",
     "'ratio' must be a number above 1 and at most 4, not 9"),
    ("rules", CONSIDER, "condition: cidp", "condition: cdip", "condition 'cdip' is unknown. Did you mean 'cidp'?"),
    ("rules", CONSIDER, "strength: moderate", "strength: strongly", "strength 'strongly' is unknown. Did you mean 'strong'?"),
    ("rules", CONSIDER, "strength: moderate", "strength: moderate\n    settles: 1", "'settles' must be true or false, not 1"),
    ("families", FAMILIES, "label:", "lable:", "field 'lable' is not part of a family. Did you mean 'label'?"),
    ("families", FAMILIES, "mmn: 0.5", "mmn: 2", "'mmn' must be a number between 0 and 1 (exclusive), not 2"),
    ("families", FAMILIES, "confidence: L", "confidence: L, when: x", "field 'when' is not part of a joint figure"),
    ("criteria", CRITERIA, "id: gold_coast_als", "id: gold_coast", "criterion set 'gold_coast' is unknown. Did you mean 'gold_coast_als'?"),
    ("criteria", CRITERIA, "part: region", "part: regoin", "part 'regoin' is unknown. Did you mean 'region'?"),
    ("criteria", CRITERIA, "    explanation: Because.\n", "", "element 'gc-umn' lacks 'explanation'"),
    ("criteria", CRITERIA, "source: Somebody 2020.\n", "source: Somebody 2020.\nsources: x\n", "field 'sources' is not part of a criteria file"),
    ("findings", FINDINGS, "type: bool", "type: boolean", "type 'boolean' is unknown. Did you mean 'bool'?"),
    ("findings", FINDINGS, "    label: Babinski sign\n", "", "finding 'babinski' lacks 'label'"),
    ("findings", FINDINGS, "    stage: examination\n", "    stage: examination\n    tier: beside\n", "tier 'beside' is unknown. Did you mean 'bedside'?"),
    ("quiz", QUIZ, "title: A test quiz", "titel: A test quiz", "field 'titel' is not part of a quiz file. Did you mean 'title'?"),
    ("quiz", QUIZ, "title: A test quiz\n", "title: A test quiz\nversion: 2\n", "quiz format version '2' is unknown"),
    ("quiz", QUIZ, "kind: leaning", "kind: leanin", "question 'a': kind 'leanin' is unknown. Did you mean 'leaning'?"),
    ("quiz", QUIZ, "case: electrician-finger-drop}", "case: electrician-finger-drop, shuffle: maybe}", "'shuffle' must be true or false"),
    ("quiz", QUIZ, "case: electrician-finger-drop}", "case: electrician-finger-drop, prompt: ' '}", "'prompt' must be non-empty text"),
    ("quiz", QUIZ, "case: electrician-finger-drop}", "case: electrician-finger-drop, answer: mmn}", "does not give the answer"),
    ("quiz", QUIZ, "kind: leaning", "kind: criteria, criteria: gold_coast", "criterion set 'gold_coast' is unknown"),
    ("quiz", QUIZ, "cases: [electrician-finger-drop]", "cases: [{case: electrician-finger-drop, stag: history}]",
     "field 'stag' is not part of a case entry. Did you mean 'stage'?"),
    ("quiz", QUIZ, "  - {id: a,", "  - {hint: x, id: a,", "field 'hint' is not part of a question"),
    ("findings", FINDINGS, "type: bool", "type: enum", "finding 'babinski' is an enum with no 'values'"),
    ("findings", FINDINGS, "version: 2\n", "version: 2\nregion: [bulbar]\n", "field 'region' is not part of a vocabulary file. Did you mean 'regions'?"),
]


@pytest.mark.parametrize("kind, good, old, new, message", BAD, ids=[f"{b[0]}:{b[4][:40]}" for b in BAD])
def test_a_file_the_tool_refuses_the_schema_refuses(kind, good, old, new, message, tmp_path):
    assert old in good
    text = good.replace(old, new, 1)
    with pytest.raises(InputError) as caught:
        _load(kind, text, tmp_path)
    shown = [str(p) for p in caught.value.problems]
    assert any(message in m and ", line " in m for m in shown), shown
    assert not published(kind).is_valid(yaml.safe_load(text)), "the published schema accepts what the tool refuses"


# ----------------------------------------------------------------------------- every field of every table
def _every_field():
    from mmn_ddx import formats

    tops = [formats.case_form(VOCAB), formats.weigh_form(), formats.consider_form(VOCAB), formats.FAMILIES_FILE,
            formats.CRITERIA_FILE, formats.VOCABULARY_FILE, formats.QUIZ_FILE]
    forms = {}
    for top in tops:
        forms[top.name] = top
        forms.update(formats.nested_forms(top))
    return [(form.name, spec) for form in forms.values() for spec in form.fields
            if spec.kind not in ("mapping", "condition", "findings", "custom") and not (spec.kind == "list" and not isinstance(spec.items, formats.Field))]


def _samples(spec):
    """(values the field takes, values it refuses), from its kind and bounds."""
    if spec.kind == "text":
        return ["x"], [3, ["x"]] + ([" "] if spec.non_empty else [])
    if spec.kind == "bool":
        return [True, False], ["yes", 1]
    if spec.kind in ("number", "integer"):
        low = spec.low if spec.low is not None else -5
        high = spec.high if spec.high is not None else low + 10
        bad = ["x", True] + ([low] if spec.low_exclusive else [low - 1] if spec.low is not None else [])
        bad += [high] if spec.high_exclusive else [high + 1] if spec.high is not None else []
        return [(low + high) / 2 if spec.kind == "number" else int(low) + 1], bad + ([low + 0.5] if spec.kind == "integer" else [])
    if spec.kind == "choice":
        return list(spec.choices), ["zz-not-a-choice", True, [spec.choices[0]]]
    if spec.kind == "id":
        return ["a-b", "a1"], ["Bad_Id", "a--b", 3]
    good_item, bad_item = _samples(spec.items)
    return [[good_item[0]]] + ([] if spec.non_empty else [[]]), ["x", [bad_item[0]]] + ([[]] if spec.non_empty else [])


EVERY_FIELD = _every_field()


@pytest.mark.parametrize("form, spec", EVERY_FIELD, ids=[f"{f}.{s.name}" for f, s in EVERY_FIELD])
def test_each_field_is_checked_as_its_schema_says(form, spec):
    from mmn_ddx.formats import _fault, field_schema

    schema = jsonschema.Draft202012Validator(field_schema(spec))
    good, bad = _samples(spec)
    for value in good:
        assert not _fault(spec, value)[0] and schema.is_valid(value), value
    for value in bad:
        assert _fault(spec, value)[0] and not schema.is_valid(value), value


def _finding_samples(spec):
    if spec.type == "bool":
        return [True, False], ["yes", 1]
    if spec.type == "enum":
        return list(spec.values), ["zz-not-a-value", True]
    if spec.type == "regions":
        return [[], list(VOCAB.regions[:2])], ["cervical", ["arm"]]
    low = spec.min if spec.min is not None else 0
    high = spec.max if spec.max is not None else low + 10
    bad = ["x", True] + ([low - 1] if spec.min is not None else []) + ([high + 1] if spec.max is not None else [])
    return [int((low + high) // 2)], bad + ([low + 0.5] if spec.integer else [])


FINDING_SCHEMAS = SCHEMAS["case"](VOCAB)["$defs"]["findings"]["properties"]


@pytest.mark.parametrize("finding", [spec.id for spec in VOCAB])
def test_each_finding_value_is_checked_as_the_case_schema_says(finding):
    spec = VOCAB[finding]
    schema = jsonschema.Draft202012Validator(FINDING_SCHEMAS[finding])
    good, bad = _finding_samples(spec)
    for value in good:
        assert VOCAB.check(finding, value) is not None and schema.is_valid(value), value
    for value in bad:
        with pytest.raises(InputError):
            VOCAB.check(finding, value)
        assert not schema.is_valid(value), value
