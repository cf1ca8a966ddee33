"""One description of each input format, read by both the checks and the published JSON Schema.

A format is a `Form`: a table of `Field`s (name, kind, whether it is required, the values or
range allowed, title and description). `read` checks a parsed mapping against its form, with
the file and line of every problem and a did-you-mean where a word is misspelt; `form_schema`
writes the same table as JSON Schema (docs/schemas/). The loaders in cases.py, rulebook.py,
criteria.py, vocabulary.py and quiz/loading.py add only what a table cannot say: checks across
fields (a follow-up's timing, frequencies that contradict 'toward', what a question's kind asks
for) and the condition language (conditions.py). Quiz results files are checked with their
schema itself (schemas.check), which is their one description.

Why a table and not jsonschema: the messages. A table knows what a field is called in a
sentence, the hint that fixes it and the words to suggest; mapping jsonschema's errors back to
that would need the same table anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from collections.abc import Iterator, Mapping
from typing import Any

from mmn_ddx.errors import Problem, did_you_mean
from mmn_ddx.safetext import shorten
from mmn_ddx.yamlio import line_of

ID_REGEX = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # case, rule, family and element ids
ID_PATTERN = re.compile(ID_REGEX)
INSUFFICIENT = "insufficient_data"
# Each criterion set's categories, firmest first: the values its criteria file may give.
CRITERION_SETS = {
    "efns_pns_2010_mmn": ("definite", "probable", "possible", "not_met", "excluded"),
    "gold_coast_als": ("met", "not_met"),
    "revised_el_escorial_als": ("definite", "probable", "probable_laboratory_supported", "possible", "not_met"),
    "awaji_als": ("definite", "probable", "possible", "not_met"),
}
# What an assessment reports for each set (docs/schemas/assessment.schema.json), and a case may expect.
CRITERIA_VALUES = {set_id: values + (INSUFFICIENT,) for set_id, values in CRITERION_SETS.items()}
PARTS = ("core", "supportive", "exclusion", "electrodiagnostic", "laboratory", "region", "requirement")
CONFIDENCE = ("H", "M", "L")
APPLIES = ("present", "absent")
ESTIMATED = ("mmn", "als", "both")
DIFFICULTIES = (1, 2, 3)
MONTHS = (0, 1200)


@dataclass(frozen=True)
class Field:
    """One field of a mapping.

    kind: text | bool | number | integer | choice | id | list | mapping | condition | findings | custom.
    A `mapping` or a `list` of mappings names its nested Form; the loader reads the nested
    mappings itself (it needs their lines and builds objects from them), `read` checks that the
    container is one. `condition` and `findings` are checked by the condition parser and the
    vocabulary; their schema is a reference into the format's $defs.
    """

    name: str
    title: str
    kind: str = "text"
    description: str = ""
    required: bool = False
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    high_exclusive: bool = False
    non_empty: bool = False
    items: "Field | Form | None" = None
    form: "Form | None" = None
    default: Any = None
    noun: str = ""  # how a message names the field ('case id'); default: 'name' in quotes
    hint: str = ""  # how to fix a bad value, when the allowed values do not say it
    schema: dict | None = None  # added to the schema: for kind 'custom' (a value the loader checks in code) all of it

    def called(self) -> str:
        return self.noun or f"'{self.name}'"


@dataclass(frozen=True)
class Form:
    """A mapping's fields, and how messages call it ('a rule', 'a stage')."""

    name: str  # the $defs key when the form is referenced
    noun: str
    title: str
    fields: tuple[Field, ...]
    description: str = ""
    schema_extra: dict = field(default_factory=dict)  # cross-field rules the loader checks in code
    key_noun: str = ""  # what a key names, when the keys are not fields ('criterion set')

    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def read(form: Form, node: Mapping, path: str, problems: list[Problem], subject: str = "") -> dict:
    """The fields of `node` whose values fit `form`, with defaults for those not given.

    A blank value (`key:` with nothing after it) counts as not given. Every way the node breaks
    the form is added to `problems` with its line; a field with a bad value is left out of the
    result, so the caller can go on checking without tripping over it.
    """
    names = form.names()
    for key in node:
        if key not in names:
            message = (f"{form.key_noun} '{shorten(key)}' is unknown." if form.key_noun
                       else f"field '{shorten(key)}' is not part of {form.noun}.")
            problems.append(Problem(path, line_of(node, key), message, did_you_mean(shorten(key), names)))
    values: dict = {}
    prefix = f"{subject}: " if subject else ""
    for spec in form.fields:
        value = node.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(Problem(path, line_of(node), f"{subject or form.noun} lacks '{spec.name}'.",
                                        spec.hint or f"Add '{spec.name}:'."))
            elif spec.default is not None:
                values[spec.name] = spec.default
            continue
        message, hint, item = _fault(spec, value)
        if message:
            line = (line_of(value, item) if item is not None else None) or line_of(node, spec.name) or line_of(node)
            problems.append(Problem(path, line, message if spec.kind == "id" else prefix + message, hint))
        else:
            values[spec.name] = value
    return values


def read_items(form: Form, listed: Any, key: str, path: str, problems: list[Problem], kind: str) -> Iterator[tuple]:
    """(line, the fields that fit `form`, the entry) for each mapping in a list that `read` let
    through; an item that is not a mapping is reported. Messages call an entry `kind 'its id'`."""
    for i, entry in enumerate(listed or ()):
        line = line_of(listed, i)
        if not isinstance(entry, Mapping):
            problems.append(Problem(path, line, f"each item of '{key}' must be a mapping.", f"Write {form.noun} as 'key: value' lines."))
            continue
        subject = f"{kind} '{shorten(entry.get('id', entry.get('value', i + 1)))}'"
        yield line, read(form, entry, path, problems, subject), entry


def complete(form: Form, fields: Mapping) -> bool:
    """Whether every required field of `form` was given, and every field with a default fits."""
    return all(f.name in fields for f in form.fields if f.required or f.default is not None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _range(spec: Field) -> str:
    low, high = spec.low, spec.high
    if low is not None and high is not None:
        if spec.low_exclusive and spec.high_exclusive:
            return f" between {low:g} and {high:g} (exclusive)"
        if not spec.low_exclusive and not spec.high_exclusive:
            return f" from {low:g} to {high:g}"
        return f" {'above' if spec.low_exclusive else 'at least'} {low:g} and {'below' if spec.high_exclusive else 'at most'} {high:g}"
    if low is not None:
        return f" {'above' if spec.low_exclusive else 'at least'} {low:g}"
    if high is not None:
        return f" {'below' if spec.high_exclusive else 'at most'} {high:g}"
    return ""


def _in_range(spec: Field, value: float) -> bool:
    if spec.low is not None and (value <= spec.low if spec.low_exclusive else value < spec.low):
        return False
    return not (spec.high is not None and (value >= spec.high if spec.high_exclusive else value > spec.high))


def _fault(spec: Field, value: Any) -> tuple[str, str, int | None]:
    """(what is wrong, how to fix it, which item of a list) for a value given for `spec`;
    an empty message when it fits."""
    kind = spec.kind
    if kind == "text":
        if not isinstance(value, str):
            return f"{spec.called()} must be text.", spec.hint or "Put the text in quotes: YAML reads 'words: more words' as a key and a value.", None
        if spec.non_empty and not value.strip():
            return f"{spec.called()} must be non-empty text.", spec.hint, None
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"{spec.called()} must be true or false, not {shorten(value)}.", spec.hint, None
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool) or not _in_range(spec, value):
            return f"{spec.called()} must be a whole number{_range(spec)}, not {shorten(value)}.", spec.hint, None
    elif kind == "number":
        if not _is_number(value) or not _in_range(spec, value):
            return f"{spec.called()} must be a number{_range(spec)}, not {shorten(value)}.", spec.hint, None
    elif kind == "choice":
        if isinstance(value, bool) or isinstance(value, (list, dict)) or value not in spec.choices:
            hint = did_you_mean(shorten(value), [str(c) for c in spec.choices]) or spec.hint
            return f"{spec.noun or spec.name} '{shorten(value)}' is unknown.", hint, None
    elif kind == "id":
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            return f"{spec.noun or spec.name} '{shorten(value)}' must be lower-case words joined by hyphens.", spec.hint, None
    elif kind == "list":
        if not isinstance(value, list):
            return f"{spec.called()} must be a list.", spec.hint or "Write each item on its own line starting with '- '.", None
        if spec.non_empty and not value:
            return f"{spec.called()} must be a non-empty list.", spec.hint, None
        if isinstance(spec.items, Field):
            for i, item in enumerate(value):
                if _fault(spec.items, item)[0]:  # named only when wrong: most lists are fine
                    message, hint, _ = _fault(replace(spec.items, noun=f"item {i + 1} of {spec.called()}"), item)
                    return message, hint or spec.hint, i
    elif kind in ("mapping", "findings"):
        if not isinstance(value, Mapping):
            return f"{spec.called()} must be a mapping.", spec.hint, None
    return "", "", None


# ----------------------------------------------------------------------------- JSON Schema
def field_schema(spec: Field) -> dict:
    schema: dict = {"title": spec.title}
    if spec.description:
        schema["description"] = spec.description
    kind = spec.kind
    if kind == "text":
        schema["type"] = "string"
        if spec.non_empty:
            schema.update(minLength=1, pattern=r"\S")  # not blank: some character that is not white space
    elif kind == "bool":
        schema["type"] = "boolean"
    elif kind in ("number", "integer"):
        schema["type"] = kind
        if spec.low is not None:
            schema["exclusiveMinimum" if spec.low_exclusive else "minimum"] = spec.low
        if spec.high is not None:
            schema["exclusiveMaximum" if spec.high_exclusive else "maximum"] = spec.high
    elif kind == "choice":
        schema["enum"] = list(spec.choices)
    elif kind == "id":
        schema.update(type="string", pattern=ID_REGEX)
    elif kind == "list":
        schema["type"] = "array"
        if spec.non_empty:
            schema["minItems"] = 1
        if isinstance(spec.items, Field):
            item = field_schema(spec.items)  # the list's title and description speak for its items
            schema["items"] = {k: v for k, v in item.items() if k not in ("title", "description")}
        elif isinstance(spec.items, Form):
            schema["items"] = {"$ref": f"#/$defs/{spec.items.name}"}
    elif kind == "mapping":
        schema.update({"$ref": f"#/$defs/{spec.form.name}"} if spec.form else {"type": "object"})
    elif kind in ("condition", "findings"):
        schema["$ref"] = f"#/$defs/{kind}"
    if spec.schema:  # what the kind cannot say (a custom value; a list whose items take two forms)
        schema.update(spec.schema)
    if spec.default is not None:
        schema["default"] = spec.default
    return schema


def form_schema(form: Form) -> dict:
    schema: dict = {"title": form.title}
    if form.description:
        schema["description"] = form.description
    schema.update(type="object", additionalProperties=False)
    required = [f.name for f in form.fields if f.required]
    if required:
        schema["required"] = required
    schema["properties"] = {f.name: field_schema(f) for f in form.fields}
    schema.update(form.schema_extra)
    return schema


def nested_forms(form: Form) -> dict[str, Form]:
    """Every form a form refers to, by name (its $defs), depth first."""
    found: dict[str, Form] = {}
    for spec in form.fields:
        inner = spec.form if isinstance(spec.form, Form) else spec.items if isinstance(spec.items, Form) else None
        if inner is not None and inner.name not in found:
            found[inner.name] = inner
            found.update(nested_forms(inner))
    return found


def document_schema(form: Form, schema_id: str, title: str, description: str = "", defs: dict | None = None) -> dict:
    """A whole file's JSON Schema: the top form, with every nested form under $defs."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title}
    if description:
        schema["description"] = description
    body = form_schema(form)
    body.pop("title")
    body.pop("description", None)
    schema.update(body)
    schema["$defs"] = {**(defs or {}), **{name: form_schema(inner) for name, inner in nested_forms(form).items()}}
    return schema


# ----------------------------------------------------------------------------- the formats
# The vocabulary's own words (rules/findings.yaml).
TYPES = ("bool", "number", "enum", "regions")
STAGE_ORDER = ("history", "examination", "electrodiagnosis", "laboratory", "treatment")
# What it costs the patient to learn a finding, cheapest and least invasive first: the order a
# neuromuscular teacher would follow when two tests would tell about as much.
TIERS = ("bedside", "nerve_studies", "blood", "genetic", "imaging", "csf", "biopsy", "treatment")

_SOURCES = Field("sources", "Sources", "list", "citations for every figure and claim", required=True, non_empty=True,
                 items=Field("sources", "Sources", non_empty=True),
                 hint="Name the citations behind every figure and claim, one per line starting with '- '.")


def _text(name: str, title: str, description: str = "", **more) -> Field:
    return Field(name, title, "text", description, non_empty=True, **more)


@lru_cache(maxsize=4)
def case_form(vocab) -> Form:
    """A case file (README, "Case files"); `vocab` gives its findings and diagnoses."""
    months = dict(kind="number", low=MONTHS[0], high=MONTHS[1])
    stage = Form("stage", "a stage", "Stage", (
        Field("name", "Stage name", description="a short word: history, examination, electrodiagnosis, laboratory, treatment "
                                                "(default stage-1, stage-2 … by position)"),
        Field("narrative", "Narrative", description="what the learner reads at this stage"),
        Field("findings", "Findings", "findings", "finding identifier: value"),
        Field("follow_up", "Follow-up", "bool", "(extension) a later visit: it may give findings of earlier stages a new value, "
              "which the assessment uses and lists as a change; it needs months_since_onset or months_since_previous", default=False),
        Field("months_since_onset", "Months since onset", description="(follow-up) time from the first symptom to this visit; "
              "it becomes the duration", hint="A number of months, e.g. 'months_since_onset: 14'.", **months),
        Field("months_since_previous", "Months since the previous stage", description="(follow-up) time since the stage before",
              hint="A number of months, e.g. 'months_since_previous: 6'.", **months),
        Field("teaching_point", "Teaching point of the follow-up", description="(follow-up) what the change teaches; "
              "shown after the learner's call and in the answer key"),
    ), schema_extra={  # a follow-up says when it happened, and only a follow-up may say so
        "if": {"properties": {"follow_up": {"const": True}}, "required": ["follow_up"]},
        "then": {"anyOf": [{"required": ["months_since_onset"]}, {"required": ["months_since_previous"]}]},
        "else": {"not": {"anyOf": [{"required": [key]} for key in ("months_since_onset", "months_since_previous", "teaching_point")]}},
    })
    expected = Form("expected_criteria", "'expected_criteria'", "Expected criteria (extension)", tuple(
        Field(set_id, set_id, "choice", choices=values, noun=f"{set_id} category") for set_id, values in CRITERIA_VALUES.items()
    ), description="the category each criterion set should reach after the last stage, where the source reports it",
        key_noun="criterion set")
    return Form("case", "a case file", "mmn-ddx case file (version 1)", (
        Field("id", "Case id", "id", "unique; lower-case words joined by hyphens (default: the file's name)", noun="case id",
              hint="E.g. 'electrician-finger-drop'."),
        Field("title", "Title", description="a one-line hook that does not give the diagnosis away"),
        Field("source", "Source", description="'Adapted from <citation>' or 'Teaching composite — <sources>'"),
        Field("diagnosis", "Diagnosis", "choice", choices=tuple(vocab.diagnoses), hint="Use mmn, als or a condition to consider."),
        Field("difficulty", "Difficulty", "choice", "1 textbook, 2 intermediate, 3 misleading", choices=DIFFICULTIES),
        Field("stages", "Stages", "list", "disclosed in this order", non_empty=True, items=stage),
        Field("findings", "Findings", "findings", "for a single assessment without stages: finding identifier: value"),
        Field("teaching_points", "Teaching points", "list", items=Field("teaching_points", "Teaching points")),
        Field("expected_criteria", "Expected criteria (extension)", "mapping", form=expected),
    ), description="A teaching case disclosed in stages. Educational use only.",
        schema_extra={"oneOf": [{"required": ["stages"]}, {"required": ["findings"]}]})


def _frequency_fields(sources: bool) -> tuple[Field, ...]:
    share = dict(kind="number", required=True, low=0, high=1, low_exclusive=True, high_exclusive=True)
    estimated = Form("estimated", "'estimated'", "Which figure no study gives, and why the number chosen is reasonable", (
        Field("which", "Which figure", "choice", required=True, choices=ESTIMATED),
        _text("reasoning", "Why the number chosen is reasonable", required=True),
    ))
    return (
        _text("of", "What the figures describe", required=True, hint="Add 'of:', the finding the figures describe."),
        Field("mmn", "Frequency in MMN", **share),
        Field("als", "Frequency in ALS", **share),
        Field("confidence", "Confidence in the figures", "choice", required=True, choices=CONFIDENCE),
        Field("applies", "Whether the rule fires when the finding is present or absent", "choice", choices=APPLIES, default="present"),
        Field("estimated", estimated.title, "mapping", form=estimated),
    ) + ((Field("sources", "Sources of the joint figure", "list", non_empty=True, items=Field("sources", "Sources", non_empty=True)),)
         if sources else ())


FREQUENCY = Form("frequency", "a frequency block", "Reported frequency of what 'when' describes", _frequency_fields(False))
JOINT = Form("joint", "a joint figure", "How often the family's whole picture is seen in MMN and in ALS", _frequency_fields(True))


def _rule_id(noun: str, example: str) -> Field:
    return Field("id", f"{noun.capitalize()}", "id", "unique; lower-case words joined by hyphens; never reused", required=True,
                 noun=noun, hint=f"E.g. '{example}'.")


@lru_cache(maxsize=1)
def weigh_form() -> Form:
    from mmn_ddx.model import DIRECTIONS, ESTIMATE_MAX

    estimate = Form("estimate", "an estimate", "Conservative ratio for a qualitative source", (
        Field("ratio", "Likelihood ratio", "number", required=True, low=1, high=ESTIMATE_MAX, low_exclusive=True,
              hint="An estimate is conservative; use 'frequency' when a source gives figures."),
        _text("reasoning", "Why the ratio is reasonable", required=True),
    ))
    return Form("weigh", "a rule", "Weighing rule", (
        _rule_id("rule id", "cb-definite"),
        _text("title", "Title", required=True),
        Field("family", "Evidence family (rules/families.yaml): findings that report one fact, weighed once"),
        Field("when", "Condition", "condition", required=True),
        Field("toward", "Direction", "choice", required=True, choices=DIRECTIONS),
        Field("frequency", FREQUENCY.title, "mapping", form=FREQUENCY),
        Field("estimate", estimate.title, "mapping", form=estimate),
        _text("explanation", "Explanation for a learner", required=True),
        _text("teaching_point", "Teaching point", required=True),
        _SOURCES,
    ), schema_extra={  # a rule toward MMN or ALS gives its figures one way; a shared feature gives none
        "if": {"properties": {"toward": {"const": "neither"}}},
        "then": {"not": {"anyOf": [{"required": ["frequency"]}, {"required": ["estimate"]}]}},
        "else": {"oneOf": [{"required": ["frequency"]}, {"required": ["estimate"]}]},
    })


@lru_cache(maxsize=4)
def consider_form(vocab) -> Form:
    from mmn_ddx.model import STRENGTHS

    return Form("consider", "a rule", "Red-flag rule", (
        _rule_id("rule id", "cidp-sensory-loss"),
        Field("condition", "Condition to consider", "choice", required=True, choices=tuple(vocab.conditions), noun="condition",
              hint="'mmn-ddx findings' lists them."),
        _text("title", "Title", required=True),
        Field("when", "Condition", "condition", required=True),
        Field("settles", "The finding establishes the other diagnosis", "bool", default=False),
        Field("strength", "strong: exclude this condition before weighing MMN against ALS (it leads the headline); "
              "moderate: it raises the condition; weak: a hint", "choice", required=True, choices=STRENGTHS,
              hint="strong: on its own it makes the condition a diagnosis to exclude first; moderate: it raises the condition; weak: a hint."),
        _text("why", "Why it matters, for a learner", required=True),
        _SOURCES,
    ))


FAMILY = Form("family", "a family", "Evidence family", (
    _rule_id("family id", "bedside-picture"),
    _text("label", "Label", required=True),
    _text("why", "Why these findings are one fact", required=True),
    Field("joint", JOINT.title, "mapping", form=JOINT),
))
FAMILIES_FILE = Form("families-file", "a families file", "mmn-ddx evidence families (rules/families.yaml)", (
    Field("families", "Families", "list", required=True, items=FAMILY),
))

ELEMENT = Form("element", "an element", "Criterion element", (
    Field("id", "Element id", "id", "unique in the set; lower-case words joined by hyphens", required=True, noun="element id"),
    Field("part", "Part of the criteria", "choice", required=True, choices=PARTS),
    _text("title", "Title", required=True),
    Field("when", "Condition (may name earlier elements with 'element: id')", "condition", required=True),
    _text("explanation", "Explanation for a learner", required=True),
))
_ALL_CATEGORIES = tuple(dict.fromkeys(v for values in CRITERION_SETS.values() for v in values))
CATEGORY = Form("category", "a category", "Category, firmest first", (
    Field("value", "Category", "choice", "one of the set's categories", required=True, choices=_ALL_CATEGORIES, noun="category"),
    Field("when", "Condition", "condition", required=True),
))
CRITERIA_FILE = Form("criteria", "a criteria file", "mmn-ddx criterion set (rules/criteria/*.yaml)", (
    Field("id", "Criterion set", "choice", required=True, choices=tuple(CRITERION_SETS), noun="criterion set"),
    _text("title", "Title", required=True),
    _text("source", "Source", required=True),
    Field("elements", "Elements", "list", required=True, non_empty=True, items=ELEMENT),
    Field("categories", "Categories, firmest first", "list", required=True, non_empty=True, items=CATEGORY),
    Field("missing_means", "The category when no category holds and none is open", "choice", choices=_ALL_CATEGORIES,
          default="not_met", noun="missing_means"),
), schema_extra={"allOf": [  # each set's categories are its own
    {"if": {"properties": {"id": {"const": set_id}}, "required": ["id"]},
     "then": {"properties": {"categories": {"items": {"properties": {"value": {"enum": list(values)}}}},
                             "missing_means": {"enum": list(values)}}}}
    for set_id, values in CRITERION_SETS.items()]})

LABELLED = Form("labelled", "an entry", "Identifier and label", (
    _text("id", "Identifier", required=True),
    _text("label", "Label", required=True),
))
FINDING = Form("finding", "a finding entry", "Finding", (
    _text("id", "Finding id", "lower-case words joined by underscores; never renamed or dropped", required=True),
    _text("label", "Label (short, for tables)", required=True),
    Field("type", "Type", "choice", required=True, choices=TYPES, noun="type"),
    Field("values", "Values (enum)", "list", items=Field("values", "Values", non_empty=True)),
    Field("unit", "Unit (number)"),
    Field("min", "Least plausible value (number)", "number"),
    Field("max", "Greatest plausible value (number)", "number"),
    Field("integer", "Whole numbers only (number)", "bool", default=False),
    Field("stage", "Where the finding usually comes to light", "choice", required=True, choices=STAGE_ORDER, noun="stage"),
    Field("tier", "What it costs the patient to learn it, cheapest first", "choice", choices=TIERS, default="bedside", noun="tier"),
    Field("ask_first", "Why this test is offered before any other while it is unknown"),
    Field("since", "The vocabulary version that added it", "integer", low=1, default=1),
    _text("description", "Description", required=True),
), schema_extra={"if": {"properties": {"type": {"const": "enum"}}, "required": ["type"]},  # an enum lists its words
                 "then": {"required": ["values"], "properties": {"values": {"minItems": 1}}}})
VOCABULARY_FILE = Form("findings-file", "a vocabulary file", "mmn-ddx findings vocabulary (rules/findings.yaml)", (
    Field("version", "Vocabulary version", "integer", low=1, default=1),
    Field("regions", "Body regions", "list", items=Field("regions", "Region", non_empty=True)),
    Field("findings", "Findings", "list", required=True, non_empty=True, items=FINDING),
    Field("diagnoses", "Diagnoses a case may have besides the conditions to consider", "list", items=LABELLED),
    Field("conditions", "Conditions to consider", "list", items=LABELLED),
))


# ----------------------------------------------------------------------------- quiz files
KINDS = ("leaning", "discriminator", "criteria", "next_investigation", "consider", "choice")
ENGINE_KINDS = KINDS[:-1]
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DEFAULT_OPTIONS = 4
MIN_OPTIONS, MAX_OPTIONS = 2, 8
MAX_CHOICE_OPTIONS = 26
_STAGE = {"type": ["string", "integer"]}
_CASE_REF = "the id of a bundled case, or a case file's path relative to the quiz file"

CASE_ENTRY = Form("case_entry", "a case entry", "Case with a stage limit", (
    Field("case", "Case id or path", description=_CASE_REF, required=True, hint="Add 'case:' with a bundled case id or a path."),
    Field("stage", "Last stage disclosed", "custom", "no question about this case discloses more than this stage (name or number)",
          schema=_STAGE),
))
QUESTION = Form("question", "a question", "Question", (
    Field("id", "Question id", "custom", "unique in the quiz; answers files use it (default q1, q2 … by position)",
          schema={"type": ["string", "integer"], "pattern": QUESTION_ID.pattern}),
    Field("kind", "Kind", "choice", "what is asked; every kind but 'choice' is graded by the engine", required=True, choices=KINDS,
          hint="One of: " + ", ".join(KINDS) + "."),
    Field("case", "Case", description="a case listed under 'cases' (its id, or the path as written there)"),
    Field("stage", "Stage", "custom", "ask with the case disclosed through this stage (default: the case's limit, or its last stage)",
          schema=_STAGE),
    Field("criteria", "Criterion set", "choice", "for kind 'criteria': the set whose category is asked", choices=tuple(CRITERIA_VALUES),
          noun="criterion set"),
    _text("prompt", "Prompt", "the question as the student reads it (required for 'choice'; engine kinds have a default)"),
    Field("options", "Options", "custom", "for 'choice': the answers to choose from; for discriminator, next_investigation and "
          f"consider: how many options to offer (default {DEFAULT_OPTIONS})", schema={"oneOf": [
              {"type": "array", "minItems": MIN_OPTIONS, "maxItems": MAX_CHOICE_OPTIONS, "items": {"type": ["string", "number", "boolean"]}},
              {"type": "integer", "minimum": MIN_OPTIONS, "maximum": MAX_OPTIONS}]}),
    Field("answer", "Answer", "custom", "for 'choice' only: the right option's text or letter (the engine computes every other answer)",
          schema={"type": ["string", "number", "boolean"]}),
    Field("explanation", "Explanation", description="for 'choice' only: shown when the answer is wrong (the engine explains every other kind)"),
    Field("shuffle", "Shuffle the options", "bool", "false keeps the options in the written order (e.g. for 'all of the above')", default=True),
    Field("teaching_point", "Teaching point", description="the point the class report lists when the question is missed "
          "(default: the engine's, from the deciding rule)"),
), schema_extra={"allOf": [  # what each kind asks for; the loader says the same in code
    {"if": {"properties": {"kind": {"const": "choice"}}},
     "then": {"required": ["prompt", "options", "answer", "explanation"], "properties": {"options": {"type": "array"}}, "not": {"required": ["criteria"]}}},
    {"if": {"properties": {"kind": {"enum": list(ENGINE_KINDS)}}},
     "then": {"required": ["case"], "not": {"anyOf": [{"required": ["answer"]}, {"required": ["explanation"]}]}, "properties": {"options": {"type": "integer"}}}},
    {"if": {"properties": {"kind": {"enum": ["leaning", "criteria"]}}}, "then": {"not": {"required": ["options"]}}},
    {"if": {"properties": {"kind": {"const": "criteria"}}}, "then": {"required": ["criteria"]}, "else": {"not": {"required": ["criteria"]}}},
]})
QUIZ_FILE = Form("quiz", "a quiz file", "mmn-ddx quiz file (version 1)", (
    Field("version", "Format version", "choice", choices=(1,), default=1, noun="quiz format version", hint="This mmn-ddx reads version 1."),
    _text("title", "Title", "one line of text", required=True, hint="Add 'title:', one line of text."),
    Field("description", "Description", description="for the instructor and the answer key"),
    Field("cases", "Cases used", "list", required=True, non_empty=True, items=CASE_ENTRY,
          hint="E.g. 'cases: [electrician-finger-drop, {case: carpenter-cannot-pinch, stage: examination}]'.",
          schema={"items": {"title": "Case used", "oneOf": [{"title": "Case id or path", "description": _CASE_REF, "type": "string"},
                                                            {"$ref": "#/$defs/case_entry"}]}}),
    Field("questions", "Questions", "list", required=True, non_empty=True, items=QUESTION),
), description="A quiz on the bundled or other cases. The engine grades every question except 'choice'. Educational use only.")
