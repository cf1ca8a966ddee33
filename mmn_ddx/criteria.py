"""Formal diagnostic criteria as data: elements that are met, failed or unknown, and ranked categories.

Each criterion set (rules/criteria/*.yaml) is compiled into the same engine as the weighing
rules: every element and every category in its true and its false form. Judging a case reads the
engine's outcome; only the what-if question ("which one missing finding would raise the
category?") evaluates the conditions directly (criteria_whatifs.py), with the plain evaluator the
tests hold equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from mmn_ddx.conditions import ConditionParser, candidate_values, evaluate
from mmn_ddx.criteria_whatifs import Hypothesis, Probe, deciding_findings, would_raise
from mmn_ddx.engine import Target
from mmn_ddx.errors import InputError, Problem, did_you_mean
from mmn_ddx.formats import CATEGORY, CRITERIA_FILE, CRITERION_SETS, ELEMENT, INSUFFICIENT, complete, read, read_items
from mmn_ddx.vocabulary import Vocabulary
from mmn_ddx.yamlio import line_of, load_yaml_file


@dataclass(frozen=True)
class Element:
    id: str
    part: str
    title: str
    when: Any
    explanation: str


@dataclass(frozen=True)
class Category:
    value: str
    when: Any


@dataclass
class CriterionSet:
    id: str
    title: str
    source: str
    elements: list
    categories: list
    missing_means: str
    path: str
    vocabulary: Vocabulary = field(repr=False, compare=False)  # what the conditions were checked against

    def element_key(self, element: Element) -> str:
        return f"{self.id}:{element.id}"

    def category_key(self, category: Category) -> str:
        return f"{self.id}={category.value}"

    def targets(self) -> list[Target]:
        return [Target(self.element_key(e), e.when, also_false=True) for e in self.elements] + [
            Target(self.category_key(c), c.when, also_false=True) for c in self.categories
        ]

    def result(self, truths: Mapping[str, bool | None]) -> tuple[str, list[str]]:
        """The category and the categories ranked above it that are still open (unknown).

        The highest category whose condition holds is reported even while firmer categories above
        it are open: a category already established stays established, and the open ones are
        what could raise it. Only an open category that would not be a firmer diagnosis (the
        EFNS/PNS exclusion) leaves the result `insufficient_data`, and so does a case where no
        category holds while some are open.
        """
        open_above: list[str] = []
        for category in self.categories:
            truth = truths.get(category.value)
            if truth is True:
                value = category.value
                if any(self.rank(c) <= self.rank(value) for c in open_above):
                    return INSUFFICIENT, open_above
                return value, open_above
            if truth is None:
                open_above.append(category.value)
        return (INSUFFICIENT, open_above) if open_above else (self.missing_means, [])

    def evaluate_plain(self, findings: Mapping[str, Any], memo: dict | None = None) -> str:
        memo = {} if memo is None else memo
        truths: dict[str, bool | None] = {}
        for category in self.categories:  # categories below the first that holds cannot change the result
            truths[category.value] = evaluate(category.when, findings, memo)
            if truths[category.value] is True:
                break
        return self.result(truths)[0]

    def candidates(self) -> dict[str, list]:
        """Answers worth trying for each finding the categories mention (computed once)."""
        if not hasattr(self, "_candidates"):
            self._candidates = candidate_values([c.when for c in self.categories], self.vocabulary)
        return self._candidates

    def probe(self) -> Probe:
        """The set prepared for what-if questions (computed once)."""
        if not hasattr(self, "_probe"):
            self._probe = Probe(self)
        return self._probe

    def rank(self, value: str) -> int:
        """Higher is a firmer diagnosis in this set; insufficient data and exclusion rank lowest."""
        if not hasattr(self, "_ranks"):  # asked for every hypothetical answer: computed once
            order = [c.value for c in self.categories if c.value != "excluded"]
            self._ranks = {value: len(order) - index for index, value in enumerate(order)}
        return self._ranks.get(value, 0)


def judge_all(sets: list[CriterionSet], assessment, outcome) -> None:
    """Fill the assessment's `criteria`, `criteria_detail` and teaching-moment notes."""
    if not sets:
        return
    truths = dict(outcome)
    findings = assessment.findings
    for cs in sets:
        probe = cs.probe()
        cats = {value: truths.get(key) for value, key in probe.category_keys}
        value, open_categories = cs.result(cats)
        # insufficient_data: the categories left undecided; a category reached: the firmer ones still open.
        undecided = open_categories if value == INSUFFICIENT else []
        could_rise_to = [] if value == INSUFFICIENT else open_categories
        # The engine's element outcomes, for the what-if questions below (None: unknown).
        known = {key: truths.get(key) for key in probe.element_keys}
        elements = []
        for element_id, part, title, key, mentioned in probe.element_rows:
            truth = known[key]
            if truth is None:
                elements.append({"id": element_id, "part": part, "title": title, "status": "unknown",
                                 "missing": [f for f in mentioned if f not in findings]})
            else:
                elements.append({"id": element_id, "part": part, "title": title,
                                 "status": "met" if truth else "failed", "missing": []})
        hypothesis = Hypothesis(probe, findings, known, cats)
        raise_with, raising = would_raise(hypothesis)
        # Established: the findings whose answer could raise it; undecided: those that would decide it.
        # When no single answer raises it, those that would decide the open categories.
        if could_rise_to:
            missing = raising or deciding_findings(hypothesis, could_rise_to)
        else:
            missing = deciding_findings(hypothesis, undecided)
        assessment.criteria[cs.id] = value
        assessment.criteria_detail[cs.id] = {
            "title": cs.title,
            "source": cs.source,
            "category": value,
            "undecided_categories": undecided,
            "could_rise_to": could_rise_to,
            "missing_findings": missing,
            "would_raise": raise_with,
            "elements": elements,
        }
    assessment.disagreement.extend(disagreements(assessment))



def disagreements(a) -> list[str]:
    """One line per way the weighed leaning and the formal criteria pull apart."""
    notes: list[str] = []
    efns = a.criteria.get("efns_pns_2010_mmn")
    gold = a.criteria.get("gold_coast_als")
    eec = a.criteria.get("revised_el_escorial_als")

    def strongest(side: str) -> str:
        titles = [e.rule.title.lower() for e in a.evidence if e.rule.toward == side][:3]
        return ", ".join(titles) or "no finding"

    if a.leaning == "mmn" and efns == "excluded":
        met = [e["title"] for e in a.criteria_detail.get("efns_pns_2010_mmn", {}).get("elements", [])
               if e["part"] == "exclusion" and e["status"] == "met"]
        named = ", ".join(c.label for c in a.consider)
        notes.append(
            f"The case leans MMN on {strongest('mmn')}, but the EFNS/PNS 2010 criteria exclude MMN: "
            f"{'; '.join(met) or 'an exclusion criterion holds'}. An exclusion is not a matter of the criteria's "
            "modest sensitivity: weigh the alternative it points to"
            + (f" (the red flags name {named})." if named else " before accepting MMN.")
        )
    elif a.leaning == "mmn" and efns == "not_met":
        notes.append(
            f"The case leans MMN, yet meets no EFNS/PNS 2010 category: the weighing rests on "
            f"{strongest('mmn')}, while the criteria ask for the clinical core, no exclusion and a block. Failing the "
            "criteria does not exclude MMN: they reach about 57 % sensitivity for probable or definite MMN (Doneddu 2024)."
        )
    if a.leaning == "mmn" and gold == "met":
        notes.append(
            f"The case meets Gold Coast yet leans MMN: LMN signs in two regions satisfy Gold Coast, but "
            f"{strongest('mmn')} point to a treatable neuropathy — Gold Coast requirement 3 (other disease excluded) is where this is decided."
        )
    if a.leaning == "als" and efns in ("definite", "probable"):
        notes.append(
            f"The case meets EFNS/PNS 2010 '{efns}' MMN yet leans ALS, pulled by {strongest('als')}: look again at "
            "the block (pseudo-block over a small distal CMAP?) and at the signs weighing toward ALS."
        )
    if a.leaning == "mmn" and eec in ("definite", "probable", "probable_laboratory_supported"):
        notes.append(
            f"The case meets revised El Escorial '{eec.replace('_', ' ')}' ALS yet leans MMN: check whether the UMN "
            "evidence is real (brisk reflexes alone are reported in MMN) and whether the block is genuine."
        )
    return notes


# ----------------------------------------------------------------------------- loading
def _load_set(path: Path, vocab: Vocabulary) -> tuple[CriterionSet | None, list[Problem]]:
    problems: list[Problem] = []
    spath = str(path)
    try:
        data = load_yaml_file(path, cache=True)
    except InputError as error:
        return None, error.problems
    if not isinstance(data, Mapping):
        return None, [Problem(spath, 1, "a criteria file must be a mapping with id, title, source, elements and categories.")]
    fields = read(CRITERIA_FILE, data, spath, problems)
    set_id = fields.get("id")
    if set_id is None:
        return None, problems
    allowed = CRITERION_SETS[set_id]
    elements: dict[str, Element] = {}

    def lookup(name):
        element = elements.get(name)
        return (f"{set_id}:{name}", element.when) if element else None

    def condition(raw: Mapping, line: int | None):
        if raw.get("when") is None:
            return None  # the form has said it lacks one
        parser = ConditionParser(vocab, spath, lookup)
        cond = parser.parse(raw["when"], line_of(raw, "when") or line)
        problems.extend(parser.problems)
        return cond

    for line, element, raw in read_items(ELEMENT, fields.get("elements"), "elements", spath, problems, "element"):
        if "id" not in element:
            continue
        if element["id"] in elements:
            problems.append(Problem(spath, line, f"element id '{element['id']}' is used twice."))
        cond = condition(raw, line)
        if cond is not None and complete(ELEMENT, element):
            elements[element["id"]] = Element(element["id"], element["part"], " ".join(element["title"].split()), cond,
                                              " ".join(element["explanation"].split()))
    categories: list[Category] = []
    missing_means = fields.get("missing_means", "not_met")
    for line, category, raw in read_items(CATEGORY, fields.get("categories"), "categories", spath, problems, "category"):
        value = category.get("value")
        if value is not None and (value not in allowed or value == missing_means):
            problems.append(Problem(spath, line_of(raw, "value") or line, f"'{value}' is not a category of {set_id} here.",
                                    did_you_mean(value, allowed) or f"Allowed: {', '.join(allowed)}."))
            continue
        cond = condition(raw, line)
        if cond is not None and value is not None:
            categories.append(Category(value, cond))
    if missing_means not in allowed:
        problems.append(Problem(spath, line_of(data, "missing_means"), f"missing_means '{missing_means}' is not a category of {set_id}.",
                                f"Allowed: {', '.join(allowed)}."))
    if problems:
        return None, problems
    return CriterionSet(set_id, " ".join(fields["title"].split()), " ".join(fields["source"].split()),
                        list(elements.values()), categories, missing_means, spath, vocab), []


def load_criteria(root: Path, vocab: Vocabulary) -> tuple[list[CriterionSet], list[Problem]]:
    sets: list[CriterionSet] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")) if root.is_dir() else []:
        cs, found = _load_set(path, vocab)
        problems.extend(found)
        if cs is None:
            continue
        if cs.id in seen:
            problems.append(Problem(str(path), 1, f"criterion set '{cs.id}' is also defined in {seen[cs.id]}."))
            continue
        seen[cs.id] = str(path)
        sets.append(cs)
    order = list(CRITERION_SETS)
    sets.sort(key=lambda cs: order.index(cs.id))
    return sets, problems
