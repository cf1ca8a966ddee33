"""JSON Schemas of the public formats, built from the vocabulary so they cannot drift from it.

The files in docs/schemas/ are these objects written out (`mmn-ddx schema NAME`); a test checks
that the committed copies are current.
"""

from __future__ import annotations

from mmn_ddx.vocabulary import Vocabulary, vocabulary

CONDITION_NAMES = (
    "lewis_sumner_syndrome", "cidp", "hirayama_disease", "kennedy_disease",
    "cervical_myeloradiculopathy", "inclusion_body_myositis", "post_polio_syndrome",
    "adult_spinal_muscular_atrophy", "benign_fasciculation_syndrome", "neuralgic_amyotrophy",
    "progressive_muscular_atrophy", "multifocal_acquired_motor_axonopathy",
)


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


def case_schema(vocab: Vocabulary | None = None) -> dict:
    from mmn_ddx.cases import CRITERIA_VALUES

    vocab = vocab or vocabulary()
    findings = {
        "title": "Findings",
        "description": "finding identifier: value. Omitted (or blank) means unknown.",
        "type": "object",
        "additionalProperties": False,
        "properties": {spec.id: _finding_schema(spec, vocab.regions) for spec in vocab},
    }
    stage = {
        "title": "Stage",
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"title": "Stage name", "description": "a short word: history, examination, electrodiagnosis, laboratory, treatment", "type": "string"},
            "narrative": {"title": "Narrative", "description": "what the learner reads at this stage", "type": "string"},
            "findings": {"$ref": "#/$defs/findings"},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "mmn-ddx/case/1",
        "title": "mmn-ddx case file (version 1)",
        "description": "A teaching case disclosed in stages. Educational use only.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "id": {"title": "Case id", "description": "unique; lower-case words joined by hyphens", "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "title": {"title": "Title", "description": "a one-line hook that does not give the diagnosis away", "type": "string"},
            "source": {"title": "Source", "description": "'Adapted from <citation>' or 'Teaching composite — <sources>'", "type": "string"},
            "diagnosis": {"title": "Diagnosis", "enum": ["mmn", "als", *CONDITION_NAMES]},
            "difficulty": {"title": "Difficulty", "description": "1 textbook, 2 intermediate, 3 misleading", "enum": [1, 2, 3]},
            "stages": {"title": "Stages", "description": "disclosed in this order", "type": "array", "minItems": 1, "items": {"$ref": "#/$defs/stage"}},
            "findings": {"$ref": "#/$defs/findings"},
            "teaching_points": {"title": "Teaching points", "type": "array", "items": {"type": "string"}},
            "expected_criteria": {
                "title": "Expected criteria (extension)",
                "description": "the category each criterion set should reach after the last stage, where the source reports it",
                "type": "object",
                "additionalProperties": False,
                "properties": {key: {"enum": list(values)} for key, values in CRITERIA_VALUES.items()},
            },
        },
        "oneOf": [{"required": ["stages"]}, {"required": ["findings"]}],
        "$defs": {"findings": findings, "stage": stage},
    }


def assessment_schema() -> dict:
    from mmn_ddx.cases import CRITERIA_VALUES

    evidence = {
        "type": "object",
        "required": ["rule", "toward", "weight", "findings", "explanation", "sources"],
        "properties": {
            "rule": {"title": "Rule id", "type": "string"},
            "toward": {"enum": ["mmn", "als", "neither"]},
            "weight": {"title": "Natural log of the likelihood ratio, positive toward `toward`", "type": "number"},
            "findings": {"title": "Findings the rule matched", "type": "object"},
            "explanation": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "likelihood_ratio": {"title": "(extra) the ratio behind the weight", "type": "number"},
            "basis": {"title": "(extra) frequency, estimate or none", "enum": ["frequency", "estimate", "none"]},
            "capped": {"title": "(extra) the ratio was capped at 20", "type": "boolean"},
            "group": {"title": "(extra) correlated group", "type": ["string", "null"]},
            "folded": {"title": "(extra) rules of the group that also fired but count once", "type": "array", "items": {"type": "string"}},
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
                "properties": {key: {"enum": list(values)} for key, values in CRITERIA_VALUES.items()},
            },
            "consider": {
                "type": "array",
                "items": {"type": "object", "required": ["condition", "because"],
                          "properties": {"condition": {"enum": list(CONDITION_NAMES)}, "because": {"type": "array", "items": {"type": "string"}}}},
            },
            "next_best_findings": {
                "type": "array",
                "items": {"type": "object", "required": ["finding", "why"], "properties": {"finding": {"type": "string"}, "why": {"type": "string"}}},
            },
            "warnings": {"type": "array", "items": {"type": "string"}},
            "disclaimer": {"const": "Educational use only: not for clinical decisions."},
            "prior": {"title": "(extra) the prior used", "type": "object"},
            "criteria_detail": {"title": "(extra) element-by-element detail of each criterion set", "type": "object"},
            "disagreement": {"title": "(extra) where the leaning and the criteria pull apart", "type": "array", "items": {"type": "string"}},
        },
    }


SCHEMAS = {"case": case_schema, "assessment": assessment_schema}
