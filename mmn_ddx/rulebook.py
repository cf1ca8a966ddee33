"""Reading and checking the rule files in rules/: validate, then build typed rules (never code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from mmn_ddx.conditions import ConditionParser
from mmn_ddx.errors import InputError, Problem, did_you_mean
from mmn_ddx.formats import FAMILY, FREQUENCY, JOINT, Form, complete, consider_form, read, weigh_form
from mmn_ddx.model import ConsiderRule, Estimate, Family, Frequency, WeighRule
from mmn_ddx.safetext import shorten
from mmn_ddx.vocabulary import Vocabulary
from mmn_ddx.yamlio import line_of, load_yaml_file



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

    def criterion_set(self, set_id: str):
        """The criterion set with id `set_id` (e.g. 'gold_coast_als'), or None."""
        return next((criterion_set for criterion_set in self.criteria if criterion_set.id == set_id), None)

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

    def read(self, form: Form, entry: Mapping, subject: str) -> dict:
        """The entry's fields that fit `form`, texts (and lists of texts) with their white space collapsed."""
        fields = read(form, entry, self.path, self.problems, subject)
        return {k: _collapsed(v) for k, v in fields.items()}

    def condition(self, entry: Mapping):
        if entry.get("when") is None:
            return None  # the form has said it lacks one
        parser = ConditionParser(self.vocab, self.path)
        cond = parser.parse(entry["when"], line_of(entry, "when"))
        self.problems.extend(parser.problems)
        return cond

    def entries(self, data: Any, key: str) -> list:
        if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
            self.problem(line_of(data) if data is not None else 1, f"the file must have a top-level '{key}:' list.")
            return []
        good = []
        for i, entry in enumerate(data[key]):
            if not isinstance(entry, Mapping):
                self.problem(line_of(data[key], i), f"each item of '{key}' must be a mapping.")
            else:
                good.append(entry)
        for extra in data:
            if extra != key:
                self.problem(line_of(data, extra), f"field '{shorten(extra)}' is not part of the file.", f"The file holds only '{key}:'.")
        return good


def _collapsed(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(" ".join(item.split()) for item in value)
    return value


def _subject(kind: str, entry: Mapping) -> str:
    return f"{kind} '{shorten(entry.get('id', '?'))}'"


def _frequency(reader: _FileReader, form: Form, block: Mapping, subject: str) -> Frequency | None:
    """A `frequency` block (a rule's) or a `joint` block (a family's), checked."""
    fields = reader.read(form, block, subject)
    estimated = fields.get("estimated")
    which = reasoning = None
    if estimated is not None:
        marker = reader.read(form["estimated"].form, estimated, subject)
        which, reasoning = marker.get("which"), marker.get("reasoning")
        if which is None or reasoning is None:
            return None
    if any(fields.get(k) is None for k in ("of", "mmn", "als", "confidence")):
        return None
    return Frequency(fields["of"], float(fields["mmn"]), float(fields["als"]), fields["confidence"], fields["applies"], which, reasoning or "")


def _weigh_rule(reader: _FileReader, entry: Mapping) -> WeighRule | None:
    subject = _subject("rule", entry)
    form = weigh_form()
    fields = reader.read(form, entry, subject)
    rule_id, toward = fields.get("id", str(entry.get("id"))), fields.get("toward")
    when = reader.condition(entry)
    frequency = estimate = None
    has_freq, has_est = "frequency" in entry, "estimate" in entry
    if toward in ("mmn", "als") and has_freq == has_est:
        reader.problem(line_of(entry), f"rule '{rule_id}' must have either 'frequency' or 'estimate' (exactly one).")
    if toward == "neither" and (has_freq or has_est):
        reader.problem(line_of(entry), f"rule '{rule_id}' is toward 'neither' and must not carry a frequency or estimate.")
    if "frequency" in fields:
        frequency = _frequency(reader, FREQUENCY, fields["frequency"], subject)
        if frequency is not None and toward in ("mmn", "als"):
            raw = frequency.raw_ratio()
            if raw == 1 or (raw > 1) != (toward == "mmn"):
                points = "MMN" if raw > 1 else "ALS" if raw < 1 else "neither way"
                reader.problem(
                    line_of(entry, "toward"),
                    f"rule '{rule_id}' says toward {toward}, but its frequencies (MMN {frequency.mmn:g}, ALS {frequency.als:g}, "
                    f"{frequency.applies}) point to {points}.",
                    "Check the figures, 'applies' and 'toward'.",
                )
    if "estimate" in fields:
        block = reader.read(form["estimate"].form, fields["estimate"], subject)
        if "ratio" in block and "reasoning" in block:
            estimate = Estimate(float(block["ratio"]), block["reasoning"])
    if when is None or not complete(form, fields):
        return None
    if toward == "neither":
        frequency = estimate = None
    elif frequency is None and estimate is None:
        return None
    return WeighRule(
        id=rule_id, when=when, toward=toward, path=reader.path, line=line_of(entry),
        family=fields.get("family"), frequency=frequency, estimate=estimate, title=fields["title"],
        explanation=fields["explanation"], teaching_point=fields["teaching_point"], sources=fields["sources"],
    )


def _consider_rule(reader: _FileReader, entry: Mapping) -> ConsiderRule | None:
    form = consider_form(reader.vocab)
    fields = reader.read(form, entry, _subject("rule", entry))
    when = reader.condition(entry)
    if when is None or not complete(form, fields):
        return None
    return ConsiderRule(fields["id"], fields["condition"], fields["title"], when, fields["why"], fields["sources"],
                        reader.path, line_of(entry), fields["settles"], fields["strength"])


def _families(path: Path, vocab: Vocabulary) -> tuple[dict[str, Family], list[Problem]]:
    reader = _FileReader(path, vocab)
    if not path.exists():
        return {}, []
    families: dict[str, Family] = {}
    for entry in reader.entries(load_yaml_file(path, cache=True), "families"):
        subject = _subject("family", entry)
        fields = reader.read(FAMILY, entry, subject)
        family_id = fields.get("id", str(entry.get("id")))
        joint, joint_sources = None, ()
        if "joint" in fields:
            joint = _frequency(reader, JOINT, fields["joint"], subject)
            joint_sources = _collapsed(fields["joint"].get("sources") or [])
            if joint is not None and joint.raw_ratio() == 1:
                reader.problem(line_of(entry, "joint"), f"family '{family_id}': a joint figure of equal frequencies weighs nothing.")
                joint = None
        if family_id in families:
            reader.problem(line_of(entry), f"family '{family_id}' is defined twice.")
        families[family_id] = Family(family_id, fields.get("label", ""), fields.get("why", ""), joint, joint_sources)
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
                data = load_yaml_file(path, cache=True)
            except InputError as error:
                problems.extend(error.problems)
                continue
            for entry in reader.entries(data, "rules"):
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
