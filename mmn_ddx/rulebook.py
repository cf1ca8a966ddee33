"""Reading and checking the rule files in rules/: validate, then build typed rules (never code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from mmn_ddx.conditions import ConditionParser
from mmn_ddx.errors import InputError, Problem, did_you_mean
from mmn_ddx.model import (
    STRENGTHS,
    DIRECTIONS,
    ESTIMATE_MAX,
    ConsiderRule,
    Estimate,
    Frequency,
    Family,
    WeighRule,
)
from mmn_ddx.vocabulary import Vocabulary
from mmn_ddx.yamlio import line_of, load_yaml_file

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CONFIDENCE = ("H", "M", "L")

WEIGH_FIELDS = {"id", "title", "family", "when", "toward", "frequency", "estimate", "explanation", "teaching_point", "sources"}
CONSIDER_FIELDS = {"id", "condition", "title", "when", "settles", "strength", "why", "sources"}


@dataclass
class RuleBook:
    """Everything in rules/, checked and typed."""

    vocabulary: Vocabulary
    weigh: list[WeighRule] = field(default_factory=list)
    consider: list[ConsiderRule] = field(default_factory=list)
    families: dict[str, Family] = field(default_factory=dict)
    criteria: list = field(default_factory=list)  # CriterionSet, from mmn_ddx.criteria

    def rule(self, rule_id: str):
        for rule in self.all_rules():
            if rule.id == rule_id:
                return rule
        return None

    def all_rules(self):
        yield from self.weigh
        yield from self.consider

    def index(self) -> dict[str, Any]:
        """Every rule-like thing by id, in the order `rules` lists them: weighing rules, red flags,
        criterion elements (as (criterion set, element) pairs), evidence families and criterion
        sets (each with its ranked categories).

        The one list behind `rules`, `rules --json`, `rules show` and shell completion. Should an
        element or a family share a rule's id, the rule is the one found.
        """
        entries: dict[str, Any] = {}
        for rule in self.all_rules():
            entries.setdefault(rule.id, rule)
        for pair in self.elements():
            entries.setdefault(pair[1].id, pair)
        for family in self.families.values():
            entries.setdefault(family.id, family)
        for criterion_set in self.criteria:
            entries.setdefault(criterion_set.id, criterion_set)
        return entries

    def ids(self) -> list[str]:
        """Everything `rules show` can explain: rules, criterion elements, evidence families and criterion sets."""
        return list(self.index())

    def elements(self):
        """(criterion set, element) for every element of every criterion set, in file order."""
        for criterion_set in self.criteria:
            for element in criterion_set.elements:
                yield criterion_set, element

    def lookup(self, item_id: str):
        """A weighing or red-flag rule, a (criterion set, element) pair, a Family or a CriterionSet; None if unknown."""
        return self.index().get(item_id)


class _FileReader:
    """Reads one rule file, collecting problems with their lines."""

    def __init__(self, path: Path, vocab: Vocabulary):
        self.path = str(path)
        self.vocab = vocab
        self.problems: list[Problem] = []

    def problem(self, line: int | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.path, line, message, hint))

    def text(self, entry: Mapping, key: str, required: bool = True) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(line_of(entry), f"rule '{entry.get('id', '?')}' lacks '{key}'.", f"Add '{key}:' with a short text.")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(line_of(entry, key), f"'{key}' must be non-empty text.")
            return ""
        return " ".join(value.split())

    def sources(self, entry: Mapping) -> tuple[str, ...]:
        value = entry.get("sources")
        if not isinstance(value, list) or not value or not all(isinstance(s, str) and s.strip() for s in value):
            self.problem(
                line_of(entry, "sources") or line_of(entry),
                f"rule '{entry.get('id', '?')}' must name its sources (a non-empty list of citations).",
            )
            return ()
        return tuple(" ".join(s.split()) for s in value)

    def unexpected(self, entry: Mapping, allowed: set[str]) -> None:
        for key in entry:
            if key not in allowed:
                self.problem(line_of(entry, key), f"field '{key}' is not part of a rule.", did_you_mean(key, allowed))

    def condition(self, entry: Mapping):
        if "when" not in entry:
            self.problem(line_of(entry), f"rule '{entry.get('id', '?')}' lacks 'when'.")
            return None
        parser = ConditionParser(self.vocab, self.path)
        cond = parser.parse(entry["when"], line_of(entry, "when"))
        self.problems.extend(parser.problems)
        return cond

    def entries(self, data: Any, key: str = "rules") -> list:
        if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
            self.problem(line_of(data) if data is not None else 1, f"the file must have a top-level '{key}:' list.")
            return []
        good = []
        for i, entry in enumerate(data[key]):
            if not isinstance(entry, Mapping):
                self.problem(line_of(data[key], i), f"each item of '{key}' must be a mapping.")
            else:
                good.append(entry)
        return good

    def rule_id(self, entry: Mapping) -> str:
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
            self.problem(
                line_of(entry, "id") or line_of(entry),
                f"rule id {rule_id!r} must be lower-case words joined by hyphens.",
                "E.g. 'cb-definite'.",
            )
            return str(rule_id)
        return rule_id


def _number(reader: _FileReader, block: Mapping, key: str, low: float, high: float, rule_id: str) -> float | None:
    value = block.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low < value < high):
        reader.problem(
            line_of(block, key) or line_of(block),
            f"rule '{rule_id}': '{key}' must be a number between {low:g} and {high:g} (exclusive), not {value!r}.",
        )
        return None
    return float(value)


FREQUENCY_FIELDS = ("of", "mmn", "als", "confidence", "applies", "estimated")


def _frequency(reader: _FileReader, block: Any, line: int | None, rule_id: str) -> Frequency | None:
    """A `frequency` block (a rule's) or a `joint` block (a family's), checked."""
    if not isinstance(block, Mapping):
        reader.problem(line, f"'{rule_id}': the frequency block must be a mapping.")
        return None
    for key in block:
        if key not in FREQUENCY_FIELDS + ("sources",):
            reader.problem(line_of(block, key), f"field '{key}' is not part of a frequency block.", did_you_mean(key, FREQUENCY_FIELDS))
    mmn = _number(reader, block, "mmn", 0, 1, rule_id)
    als = _number(reader, block, "als", 0, 1, rule_id)
    confidence = block.get("confidence")
    if confidence not in CONFIDENCE:
        reader.problem(line_of(block, "confidence") or line_of(block), f"'{rule_id}': 'confidence' must be H, M or L.")
    applies = block.get("applies", "present")
    if applies not in ("present", "absent"):
        reader.problem(line_of(block, "applies"), f"'{rule_id}': 'applies' must be present or absent.")
    of = block.get("of")
    if not isinstance(of, str) or not of.strip():
        reader.problem(line_of(block), f"'{rule_id}': a frequency needs 'of', the finding the figures describe.")
    estimated, reasoning = None, ""
    if "estimated" in block:
        marker = block["estimated"]
        which = marker.get("which") if isinstance(marker, Mapping) else None
        text = marker.get("reasoning") if isinstance(marker, Mapping) else None
        if which not in ("mmn", "als", "both") or not isinstance(text, str) or not text.strip():
            reader.problem(line_of(block, "estimated"), f"'{rule_id}': 'estimated' needs 'which' (mmn, als or both) and its 'reasoning'.",
                           "Say which figure no study gives, and why the number chosen is reasonable.")
        else:
            estimated, reasoning = which, " ".join(text.split())
    if None in (mmn, als) or confidence not in CONFIDENCE or applies not in ("present", "absent") or not isinstance(of, str):
        return None
    return Frequency(" ".join(of.split()), mmn, als, confidence, applies, estimated, reasoning)


def _weigh_rule(reader: _FileReader, entry: Mapping) -> WeighRule | None:
    rule_id = reader.rule_id(entry)
    reader.unexpected(entry, WEIGH_FIELDS)
    toward = entry.get("toward")
    if toward not in DIRECTIONS:
        reader.problem(line_of(entry, "toward") or line_of(entry), f"rule '{rule_id}': 'toward' must be mmn, als or neither.", did_you_mean(toward, DIRECTIONS))
    when = reader.condition(entry)
    frequency = estimate = None
    has_freq, has_est = "frequency" in entry, "estimate" in entry
    if toward in ("mmn", "als") and has_freq == has_est:
        reader.problem(line_of(entry), f"rule '{rule_id}' must have either 'frequency' or 'estimate' (exactly one).")
    if toward == "neither" and (has_freq or has_est):
        reader.problem(line_of(entry), f"rule '{rule_id}' is toward 'neither' and must not carry a frequency or estimate.")
    if has_freq and toward in ("mmn", "als"):
        frequency = _frequency(reader, entry["frequency"], line_of(entry, "frequency"), rule_id)
        if frequency is not None:
            raw = frequency.raw_ratio()
            if raw == 1 or (raw > 1) != (toward == "mmn"):
                points = "MMN" if raw > 1 else "ALS" if raw < 1 else "neither way"
                reader.problem(
                    line_of(entry, "toward"),
                    f"rule '{rule_id}' says toward {toward}, but its frequencies (MMN {frequency.mmn:g}, ALS {frequency.als:g}, "
                    f"{frequency.applies}) point to {points}.",
                    "Check the figures, 'applies' and 'toward'.",
                )
    if has_est and toward in ("mmn", "als"):
        block = entry["estimate"]
        if not isinstance(block, Mapping):
            reader.problem(line_of(entry, "estimate"), f"rule '{rule_id}': 'estimate' must be a mapping.")
        else:
            ratio = block.get("ratio")
            if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not (1 < ratio <= ESTIMATE_MAX):
                reader.problem(
                    line_of(block, "ratio") or line_of(block),
                    f"rule '{rule_id}': an estimated ratio must be above 1 and at most {ESTIMATE_MAX:g} (conservative), not {ratio!r}.",
                    "Use 'frequency' when a source gives figures.",
                )
            reasoning = block.get("reasoning")
            if not isinstance(reasoning, str) or not reasoning.strip():
                reader.problem(line_of(block), f"rule '{rule_id}': an estimate needs its 'reasoning'.")
            elif isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and 1 < ratio <= ESTIMATE_MAX:
                estimate = Estimate(float(ratio), " ".join(reasoning.split()))
    family = entry.get("family")
    if family is not None and not isinstance(family, str):
        reader.problem(line_of(entry, "family"), f"rule '{rule_id}': 'family' must be a family id.")
        family = None
    rule_fields = dict(
        title=reader.text(entry, "title"),
        explanation=reader.text(entry, "explanation"),
        teaching_point=reader.text(entry, "teaching_point"),
        sources=reader.sources(entry),
    )
    if when is None or toward not in DIRECTIONS:
        return None
    if toward != "neither" and frequency is None and estimate is None:
        return None
    return WeighRule(
        id=rule_id, when=when, toward=toward, path=reader.path, line=line_of(entry),
        family=family, frequency=frequency, estimate=estimate, **rule_fields,
    )


def _consider_rule(reader: _FileReader, entry: Mapping) -> ConsiderRule | None:
    rule_id = reader.rule_id(entry)
    reader.unexpected(entry, CONSIDER_FIELDS)
    condition = entry.get("condition")
    conditions = reader.vocab.conditions
    if condition not in conditions:
        reader.problem(
            line_of(entry, "condition") or line_of(entry),
            f"rule '{rule_id}': condition {condition!r} is not one of the conditions to consider.",
            did_you_mean(condition, conditions) or "'mmn-ddx findings' lists them.",
        )
    settles = entry.get("settles", False)
    if not isinstance(settles, bool):
        reader.problem(line_of(entry, "settles"), f"rule '{rule_id}': 'settles' must be true or false.")
    strength = entry.get("strength")
    if strength not in STRENGTHS:
        reader.problem(line_of(entry, "strength") or line_of(entry), f"rule '{rule_id}': 'strength' must be one of {', '.join(STRENGTHS)}, not {strength!r}.",
                       "strong: on its own it makes the condition a diagnosis to exclude first; moderate: it raises the condition; weak: a hint.")
    when = reader.condition(entry)
    title, why, sources = reader.text(entry, "title"), reader.text(entry, "why"), reader.sources(entry)
    if when is None or condition not in conditions or strength not in STRENGTHS:
        return None
    return ConsiderRule(rule_id, condition, title, when, why, sources, reader.path, line_of(entry), bool(settles), strength)


FAMILY_FIELDS = {"id", "label", "why", "joint"}


def _families(path: Path, vocab: Vocabulary) -> tuple[dict[str, Family], list[Problem]]:
    reader = _FileReader(path, vocab)
    if not path.exists():
        return {}, []
    families: dict[str, Family] = {}
    for entry in reader.entries(load_yaml_file(path), "families"):
        family_id = reader.rule_id(entry)
        for key in entry:
            if key not in FAMILY_FIELDS:
                reader.problem(line_of(entry, key), f"field '{key}' is not part of a family.", did_you_mean(key, FAMILY_FIELDS))
        label, why = reader.text(entry, "label"), reader.text(entry, "why")
        joint, joint_sources = None, ()
        if "joint" in entry:
            joint = _frequency(reader, entry["joint"], line_of(entry, "joint"), family_id)
            if isinstance(entry["joint"], Mapping):
                joint_sources = reader.sources(entry["joint"])
            if joint is not None and joint.raw_ratio() == 1:
                reader.problem(line_of(entry, "joint"), f"family '{family_id}': a joint figure of equal frequencies weighs nothing.")
                joint = None
        if family_id in families:
            reader.problem(line_of(entry), f"family '{family_id}' is defined twice.")
        families[family_id] = Family(family_id, label, why, joint, joint_sources)
    return families, reader.problems


def rule_files(root: Path) -> dict[str, list[Path]]:
    return {kind: sorted((root / kind).glob("*.yaml")) for kind in ("weigh", "consider")}


def load_rulebook(root: Path, vocab: Vocabulary) -> RuleBook:
    """Read, check and type every rule file under `root` against `vocab`; all problems are raised together.

    Which vocabulary a folder is read with is `library.load_library`'s decision (its own findings.yaml).
    """
    from mmn_ddx.criteria import load_criteria

    book = RuleBook(vocab)
    problems: list[Problem] = []
    families, family_problems = _families(root / "families.yaml", vocab)
    book.families = families
    problems.extend(family_problems)
    files = rule_files(root)
    for kind, builder, target in (("weigh", _weigh_rule, book.weigh), ("consider", _consider_rule, book.consider)):
        for path in files[kind]:
            reader = _FileReader(path, vocab)
            try:
                data = load_yaml_file(path)
            except InputError as error:
                problems.extend(error.problems)
                continue
            for entry in reader.entries(data):
                rule = builder(reader, entry)
                if rule is not None:
                    target.append(rule)
            problems.extend(reader.problems)
    criteria, criteria_problems = load_criteria(root / "criteria", vocab)
    book.criteria = criteria
    problems.extend(criteria_problems)
    problems.extend(_cross_checks(book))
    if problems:
        raise InputError(problems)
    return book


def _cross_checks(book: RuleBook) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, WeighRule | ConsiderRule] = {}
    for rule in book.all_rules():
        if rule.id in seen:
            first = seen[rule.id]
            problems.append(Problem(rule.path, rule.line, f"rule id '{rule.id}' is used twice (first in {first.path}, line {first.line}).", "Give each rule its own id."))
        seen[rule.id] = rule
    for rule in book.weigh:
        if rule.family is not None and rule.family not in book.families:
            problems.append(Problem(rule.path, rule.line, f"rule '{rule.id}' names family '{rule.family}', which families.yaml does not define.", did_you_mean(rule.family, book.families)))
    return problems
