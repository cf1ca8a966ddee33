"""JSON Schemas of the public formats, built from the vocabulary so they cannot drift from it.

The input formats (cases, rules, families, criteria, the vocabulary) are written from the
tables in mmn_ddx/formats.py, the same tables their loaders check with. The files in
docs/schemas/ are these objects written out (`make schemas`); a test checks that the committed
copies are current.
"""

from __future__ import annotations

from mmn_ddx import formats


def _finding_schema(spec, regions) -> dict:
    base = {"title": spec.label, "description": spec.description}
    if spec.type == "bool":
        return {**base, "type": ["boolean", "null"]}
    if spec.type == "enum":
        return {**base, "enum": list(spec.values) + [None]}
    if spec.type == "regions":
        return {**base, "type": ["array", "null"], "items": {"enum": list(regions)}, "uniqueItems": True}
    number = {**base, "type": ["integer", "null"] if spec.integer else ["number", "null"]}
    if spec.min is not None:
        number["minimum"] = spec.min
    if spec.max is not None:
        number["maximum"] = spec.max
    if spec.unit:
        number["description"] += f" ({spec.unit})"
    return number


def findings_schema(vocab) -> dict:
    """The findings a case (or a stage) may give: the vocabulary's, each with its values."""
    return {
        "title": "Findings",
        "description": "finding identifier: value. Omitted (or blank) means unknown.",
        "type": "object",
        "additionalProperties": False,
        "properties": {spec.id: _finding_schema(spec, vocab.regions) for spec in vocab},
    }


def case_schema(vocab) -> dict:
    """Case files (README, "Case files"): the case table of mmn_ddx/formats.py, which the loader checks with."""
    form = formats.case_form(vocab)
    return formats.document_schema(form, "mmn-ddx/case/1", form.title, form.description, {"findings": findings_schema(vocab)})


def assessment_schema(vocab) -> dict:
    evidence = {
        "type": "object",
        "required": ["rule", "toward", "weight", "findings", "explanation", "sources"],
        "properties": {
            "rule": {"title": "Rule id", "type": "string"},
            "toward": {"enum": ["mmn", "als", "neither"]},
            "weight": {"title": "What the item adds to the log-odds, positive toward `toward`: the natural log of its likelihood ratio, "
                                "or of its family's joint figure when that is smaller (bounded_by_family)", "type": "number"},
            "findings": {"title": "Findings the rule matched", "type": "object"},
            "explanation": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "likelihood_ratio": {"title": "(extra) the ratio behind the weight", "type": "number"},
            "basis": {"title": "(extra) frequency, estimate or none", "enum": ["frequency", "estimate", "none"]},
            "capped": {"title": "(extra) the ratio was capped at 20", "type": "boolean"},
            "family": {"title": "(extra) the evidence family (rules/families.yaml)", "type": ["string", "null"]},
            "group": {"title": "(extra) the family's id under its name before version 0.2 (same value as family)", "type": ["string", "null"]},
            "folded": {"title": "(extra) rules of the same family and direction that also fired but count through this one", "type": "array", "items": {"type": "string"}},
            "bounded_by_family": {"title": "(extra) the family's joint figure, smaller than this rule's own ratio, is what counts", "type": "boolean"},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "mmn-ddx/assessment/1",
        "title": "mmn-ddx assessment (version 1)",
        "type": "object",
        "required": ["schema", "case", "through_stage", "leaning", "probability", "evidence", "criteria",
                     "consider", "next_best_findings", "warnings", "disclaimer"],
        "properties": {
            "schema": {"const": "mmn-ddx/assessment/1"},
            "case": {"type": "string"},
            "through_stage": {"type": ["string", "null"]},
            "leaning": {"enum": ["mmn", "als", "undecided"]},
            "probability": {
                "type": "object", "required": ["mmn", "als"],
                "properties": {"mmn": {"type": "number", "minimum": 0, "maximum": 1}, "als": {"type": "number", "minimum": 0, "maximum": 1}},
            },
            "evidence": {"type": "array", "items": evidence},
            "criteria": {
                "type": "object",
                "properties": {key: {"enum": list(values)} for key, values in formats.CRITERIA_VALUES.items()},
            },
            "consider": {
                "type": "array",
                "items": {"type": "object", "required": ["condition", "because"],
                          "properties": {"condition": {"enum": list(vocab.conditions)}, "because": {"type": "array", "items": {"type": "string"}},
                                         "strength": {"title": "(extra) the strongest red flag that fired", "enum": ["settles", "strong", "moderate", "weak"]},
                                         "leads": {"title": "(extra) named before the MMN-versus-ALS weighing (only the first can lead)", "type": "boolean"}}},
            },
            "next_best_findings": {
                "type": "array",
                "items": {"type": "object", "required": ["finding", "why"], "properties": {"finding": {"type": "string"}, "why": {"type": "string"}}},
            },
            "warnings": {"type": "array", "items": {"type": "string"}},
            "disclaimer": {"const": "Educational use only: not for clinical decisions."},
            "prior": {"title": "(extra) the prior used", "type": "object"},
            "headline": {"title": "(extra) the line a learner reads first: the mimic to exclude, or the leaning", "type": "string"},
            "criteria_detail": {"title": "(extra) element-by-element detail of each criterion set", "type": "object"},
            "disagreement": {"title": "(extra) where the leaning and the criteria pull apart", "type": "array", "items": {"type": "string"}},
            "changed_findings": {
                "title": "(extra) findings that follow-up stages gave a new value; the assessment uses the latest",
                "type": "array",
                "items": {"type": "object", "required": ["finding", "before", "after", "stage", "since_stage", "months"],
                          "properties": {"finding": {"type": "string"}, "before": {}, "after": {},
                                         "stage": {"title": "the follow-up stage that records the new value", "type": "string"},
                                         "since_stage": {"title": "the stage whose value it replaces", "type": "string"},
                                         "months": {"title": "months since onset at the follow-up (null when the case does not say)", "type": ["number", "null"]},
                                         "months_since_previous": {"title": "months since the stage before, as the case gives it", "type": ["number", "null"]}}},
            },
        },
    }


def quiz_schema() -> dict:
    """Quiz files (cases/quizzes/*.yaml): the quiz tables of mmn_ddx/formats.py, which mmn_ddx/quiz/loading.py
    checks with; README, 'Quizzes and classes'."""
    form = formats.QUIZ_FILE
    return formats.document_schema(form, "mmn-ddx/quiz/1", form.title, form.description)


def quiz_results_schema() -> dict:
    """Results files written by `mmn-ddx quiz take --results` and read by `mmn-ddx class report`.

    `mmn_ddx.quiz.read_results` checks every file it reads against this schema (`check`), so the
    types and ranges here are the ones enforced.
    """
    from mmn_ddx.quiz import RESULTS_SCHEMA

    nullable_text = {"type": ["string", "null"], "maxLength": 20_000}
    text = {"type": "string", "maxLength": 20_000}
    word = {"type": "string", "maxLength": 200}
    when = {"type": "string", "format": "date-time", "maxLength": 64}
    count = {"type": "integer", "minimum": 0, "maximum": MAX_RESULTS_QUESTIONS}
    record = {
        "title": "One answer",
        "type": "object",
        "required": ["id", "answer", "right_answer", "correct", "seconds"],
        "properties": {
            "id": {**word, "title": "Question id"},
            "number": {"title": "Position on the paper (1 = first)", "type": "integer", "minimum": 1, "maximum": MAX_RESULTS_QUESTIONS},
            "kind": {"title": "Question kind", "enum": ["leaning", "discriminator", "criteria", "next_investigation", "consider", "choice"]},
            "case": {**nullable_text, "maxLength": 200, "title": "Case id"},
            "stage": {**nullable_text, "maxLength": 200, "title": "Stage disclosed through"},
            "criteria": {**word, "title": "Criterion set (criteria questions)"},
            "prompt": {**text, "title": "Question text"},
            "options": {"title": "Options in the order shown", "type": "array", "maxItems": 26, "items": {
                "type": "object", "properties": {"letter": word, "value": text, "label": text}}},
            "answer": {**nullable_text, "title": "The option chosen (its value); null when skipped"},
            "answer_label": {**nullable_text, "title": "The option chosen, as shown"},
            "typed": {**nullable_text, "title": "What the student typed or wrote, verbatim"},
            "right_answer": {**text, "title": "The right option (its value), computed by the engine except for 'choice'"},
            "right_label": {**text, "title": "The right option, as shown"},
            "accepted": {"title": "Every answer graded right (ties)", "type": "array", "maxItems": 100, "items": text},
            "correct": {"title": "Graded right", "type": "boolean"},
            "seconds": {"title": "Time taken (null when read from an answers file)", "type": ["number", "null"],
                        "minimum": 0, "maximum": 1e9},
            "rule": {**nullable_text, "title": "The rule or criterion set behind the right answer"},
            "explained_by": {**nullable_text, "title": "The rule that explains the answer given"},
            "teaching_point": {**nullable_text, "title": "The teaching point of the question"},
            "feedback": {**text, "title": "The feedback given"},
            "answered_at": {**when, "title": "When (UTC, ISO 8601)"},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": RESULTS_SCHEMA,
        "title": "mmn-ddx quiz results (version 1)",
        "description": "One student's answers to one quiz with one seed; rewritten atomically after every answer.",
        "type": "object",
        "required": ["schema", "quiz", "seed", "fingerprint", "student", "questions", "total", "updated", "score", "answers"],
        "properties": {
            "schema": {"const": RESULTS_SCHEMA},
            "quiz": {"title": "The quiz", "type": "object", "required": ["title", "fingerprint"], "properties": {
                "title": {**text, "title": "The quiz's title"},
                "id": {**word, "title": "The quiz's name: a bundled quiz's name, the quiz file's name without its folder, "
                                      "or how it was generated (a later addition: older files lack it)"},
                "source": {**text, "title": "Older files only: the quiz file's path on the machine that wrote them (no longer written)"},
                "fingerprint": {**word, "title": "Digest of the quiz file's text (its hash: sha256 of the text)"}}},
            "seed": {"title": "The --seed used (null: none)", "type": ["integer", "null"]},
            "fingerprint": {**word, "title": "Digest of the quiz file and the seed together"},
            "student": {**nullable_text, "maxLength": 200, "title": "Student name (--student)"},
            "feedback": {"title": "Feedback mode", "enum": ["immediate", "end"]},
            "tool_version": {**word, "title": "mmn-ddx version"},
            "rulebook": {
                "title": "The rule book that graded the answers (a later addition: older files lack it)",
                "description": "Digests (sha256 of the files' names and texts) of the rule book as a whole and of each part; "
                               "resuming under another rule book is refused, and 'mmn-ddx quiz regrade' grades the answers again.",
                "type": ["object", "null"], "required": ["fingerprint"],
                "properties": {
                    "fingerprint": {**word, "title": "Digest of the whole rule book"},
                    "vocabulary": {**word, "title": "Digest of the vocabulary (findings.yaml)"},
                    "weighing": {**word, "title": "Digest of the weighing rules (rules/weigh/)"},
                    "consider": {**word, "title": "Digest of the red-flag rules (rules/consider/)"},
                    "criteria": {**word, "title": "Digest of the criteria (rules/criteria/)"},
                    "families": {**word, "title": "Digest of the evidence families (families.yaml)"}}},
            "cases": {"title": "Each case the quiz uses: its id and the digest of its file's text (a later addition)",
                      "type": "object", "maxProperties": 50, "additionalProperties": word},
            "regraded": {
                "title": "Present when 'mmn-ddx quiz regrade' wrote this file: what the answers were graded with before",
                "type": "object", "required": ["from", "score"],
                "properties": {
                    "from": {**text, "title": "The name of the results file regraded (kept unchanged)"},
                    "rulebook": {**nullable_text, "maxLength": 200, "title": "Digest of the rule book that graded it (null: not recorded)"},
                    "tool_version": {**nullable_text, "maxLength": 200, "title": "The mmn-ddx version that wrote it"},
                    "score": {"title": "Its score", "type": "object"},
                    "at": {**when, "title": "When it was regraded (UTC)"}}},
            "started": {**when, "title": "When the first version was written (UTC)"},
            "updated": {**when, "title": "When it was last written (UTC); the class report keeps the latest per student"},
            "questions": {"title": "Question ids in the order asked", "type": "array", "items": word, "uniqueItems": True,
                          "maxItems": MAX_RESULTS_QUESTIONS},
            "total": {**count, "title": "Number of questions (as many as 'questions' lists)"},
            "complete": {"title": "Every question answered", "type": "boolean"},
            "score": {"title": "Score so far", "type": "object", "required": ["correct", "answered", "total", "percent"], "properties": {
                "correct": count, "answered": count, "total": count,
                "percent": {"type": "number", "minimum": 0, "maximum": 100}}},
            "answers": {"title": "Answers in the order given", "type": "array", "items": record, "maxItems": MAX_RESULTS_QUESTIONS},
            "disclaimer": {"const": "Educational use only: not for clinical decisions."},
        },
    }


MAX_RESULTS_QUESTIONS = 1_000  # a quiz has at most 200 (mmn_ddx.quiz.MAX_QUESTIONS); older files are given room
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and v not in (float("inf"), float("-inf")),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _is_date_time(value: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def check(value, schema: dict) -> list[tuple[str, str]]:
    """(field, what is wrong) for each way `value` breaks `schema`.

    The subset of JSON Schema that this project's schemas use: type, const, enum, required,
    properties, additionalProperties (a schema; `false` is left to editors), maxProperties, items,
    uniqueItems, minimum, maximum, maxLength, maxItems, format date-time.
    A field is named as a path: 'answers[3].correct'. The schema is compiled once into nested
    functions, so a results file of thousands of answers is checked in a fraction of a second.
    """
    key = id(schema)
    if key not in _COMPILED or _COMPILED[key][0] is not schema:
        _COMPILED[key] = (schema, _compile(schema))
    found: list[tuple[str, str]] = []
    _COMPILED[key][1](value, [], found)
    return found


_COMPILED: dict = {}
_MISSING = object()
_WANTED = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
           "null": "null", "object": "an object", "array": "a list"}


def _field(path: list) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


_PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool, "null": type(None), "object": dict, "array": list}


def _leaf_types(schema: dict) -> tuple | None:
    """The Python types that satisfy a schema of only 'type' (and 'maxLength'), or None."""
    if set(schema) - {"type", "maxLength", "title", "description"} or "type" not in schema:
        return None
    types = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
    if any(t not in _PYTHON_TYPES or t in ("object", "array") for t in types):
        return None  # numbers need the NaN check; containers their contents
    return tuple(_PYTHON_TYPES[t] for t in types)


def _compile(schema: dict):
    const = schema.get("const", _MISSING)
    enum = schema.get("enum")
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types
    type_checks = tuple(_TYPES[t] for t in types) if types else ()
    wanted = " or ".join(_WANTED[t] for t in types) if types else ""
    max_length = schema.get("maxLength")
    date_time = schema.get("format") == "date-time"
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    required = tuple(schema.get("required", ()))
    properties = {k: _compile(v) for k, v in schema.get("properties", {}).items()}
    items = _compile(schema["items"]) if "items" in schema else None
    max_items = schema.get("maxItems")
    unique = schema.get("uniqueItems", False)
    max_properties = schema.get("maxProperties")
    # a map of names to values of one schema ('cases': id -> digest); `false` is left to editors
    others = _compile(schema["additionalProperties"]) if isinstance(schema.get("additionalProperties"), dict) else None

    # Properties whose schema is only a type (and a length): checked inline, without a call,
    # as a results file has thousands of them.
    simple = {}
    for k, v in schema.get("properties", {}).items():
        leaf_types = _leaf_types(v)
        if leaf_types is not None:
            simple[k] = (leaf_types, v.get("maxLength"))

    def run(value, path: list, found: list) -> None:
        if const is not _MISSING and value != const:
            found.append((_field(path), f"must be {const!r}"))
            return
        if enum is not None and value not in enum:
            found.append((_field(path), "must be one of " + ", ".join(repr(v) for v in enum)))
            return
        if type_checks and not any(ok(value) for ok in type_checks):
            found.append((_field(path), f"must be {wanted}"))
            return
        if isinstance(value, str):
            if max_length is not None and len(value) > max_length:
                found.append((_field(path), f"is longer than {max_length:,} characters"))
            elif date_time and not _is_date_time(value):
                found.append((_field(path), "must be a date and time (ISO 8601, e.g. 2026-01-31T09:00:00Z)"))
        elif isinstance(value, dict):
            if max_properties is not None and len(value) > max_properties:
                found.append((_field(path), f"has more than {max_properties:,} fields"))
                return
            for key in required:
                if key not in value:
                    found.append((_field(path + [key]), "is missing"))
            if others is not None:
                for key in value:
                    if key not in properties:
                        path.append(key)
                        others(value[key], path, found)
                        path.pop()
            for key, sub in properties.items():
                if key in value:
                    if key in simple:
                        leaf_types, most = simple[key]
                        item = value[key]
                        if type(item) in leaf_types and (most is None or type(item) is not str or len(item) <= most):
                            continue
                    path.append(key)
                    sub(value[key], path, found)
                    path.pop()
        elif isinstance(value, list):
            if max_items is not None and len(value) > max_items:
                found.append((_field(path), f"has more than {max_items:,} items"))
                return
            if items is not None:
                for i, item in enumerate(value):
                    path.append(i)
                    items(item, path, found)
                    path.pop()
            if unique and all(isinstance(v, str) for v in value) and len(set(value)) != len(value):
                found.append((_field(path), "lists an item twice"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if minimum is not None and value < minimum:
                found.append((_field(path), f"must be at least {minimum}"))
            if maximum is not None and value > maximum:
                found.append((_field(path), f"must be at most {maximum:g}"))

    return run


def condition_schema(vocab, elements: bool = False) -> dict:
    """The $defs of the condition language of 'when' (docs/rule-format.md): the condition, and the
    operators a finding may take; `elements`: a criteria file's, which may name an element defined
    before it."""
    from mmn_ddx.conditions import FINDING_OPERATORS

    comparison = {"type": "object", "minProperties": 1, "additionalProperties": False,
                  "properties": {op: {"type": "number"} for op in ("lt", "le", "gt", "ge")}}
    operators = {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "properties": {
            "one_of": {"type": "array", "minItems": 1},
            **{op: {"type": "number"} for op in ("lt", "le", "gt", "ge")},
            "contains": {"enum": list(vocab.regions)},
            "count": comparison,
        },
    }
    assert set(operators["properties"]) == set(FINDING_OPERATORS)
    finding_ids = [spec.id for spec in vocab]
    keys = "all / any / not / at_least / known / unknown" + (" / element" if elements else "")
    condition = {
        "title": "Condition",
        "description": f"A mapping with exactly one key: a finding id (value or operators) or {keys}.",
        "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
        "properties": {
            **{f: {"anyOf": [{"type": ["boolean", "number", "string", "array"]}, {"$ref": "#/$defs/operators"}]} for f in finding_ids},
            "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
            "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
            "not": {"$ref": "#/$defs/condition"},
            "at_least": {"type": "object", "required": ["n", "of"], "additionalProperties": False,
                         "properties": {"n": {"type": "integer", "minimum": 0},
                                        "of": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}}},
            "known": {"enum": finding_ids},
            "unknown": {"enum": finding_ids},
            **({"element": {"title": "An element defined earlier in the file", "type": "string", "pattern": formats.ID_REGEX}}
               if elements else {}),
        },
    }
    return {"condition": condition, "operators": operators}


def rules_schema(vocab) -> dict:
    """Rule files in rules/weigh/ and rules/consider/ (docs/rule-format.md): the weighing and
    red-flag tables of mmn_ddx/formats.py."""
    weigh, consider = formats.weigh_form(), formats.consider_form(vocab)
    forms = {"weigh": weigh, "consider": consider, **formats.nested_forms(weigh), **formats.nested_forms(consider)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "mmn-ddx/rules/1",
        "title": "mmn-ddx rule file (rules/weigh/*.yaml or rules/consider/*.yaml)",
        "type": "object", "required": ["rules"], "additionalProperties": False,
        "properties": {"rules": {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/weigh"}, {"$ref": "#/$defs/consider"}]}}},
        "$defs": {**condition_schema(vocab), **{name: formats.form_schema(form) for name, form in forms.items()}},
    }


def families_schema() -> dict:
    """rules/families.yaml (docs/rule-format.md, "Evidence families")."""
    return formats.document_schema(formats.FAMILIES_FILE, "mmn-ddx/families/1", formats.FAMILIES_FILE.title)


def criteria_schema(vocab) -> dict:
    """Criterion sets in rules/criteria/*.yaml."""
    return formats.document_schema(formats.CRITERIA_FILE, "mmn-ddx/criteria/1", formats.CRITERIA_FILE.title,
                                   "Formal diagnostic criteria as data: elements, then categories firmest first.",
                                   condition_schema(vocab, elements=True))


def findings_file_schema() -> dict:
    """The findings vocabulary, rules/findings.yaml (README, "Vocabulary version 2")."""
    return formats.document_schema(formats.VOCABULARY_FILE, "mmn-ddx/findings/1", formats.VOCABULARY_FILE.title)


SCHEMAS = {"case": case_schema, "assessment": assessment_schema, "quiz": quiz_schema, "quiz-results": quiz_results_schema,
           "rules": rules_schema, "families": families_schema, "criteria": criteria_schema, "findings": findings_file_schema}
BUILT_FROM_VOCABULARY = ("case", "assessment", "rules", "criteria")  # the others describe files that name no finding


def schema(name: str, vocab) -> dict:
    """The JSON Schema `name` (one of SCHEMAS), for the vocabulary `vocab`."""
    return SCHEMAS[name](vocab) if name in BUILT_FROM_VOCABULARY else SCHEMAS[name]()
