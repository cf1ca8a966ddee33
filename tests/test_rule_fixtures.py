"""Every rule tested by its clinical intent, on both engines.

`tests/rules/` mirrors `rules/`: `tests/rules/weigh/examination.yaml` holds the cases for
`rules/weigh/examination.yaml`. Each rule id (or criterion element id) maps to `fires:` and
`does_not_fire:`, lists of cases written by someone who knows why the rule exists: a `why:`
sentence and the `findings:` (vocabulary ids and values; a finding left out is unknown). The format
is in docs/rule-format.md, "Testing a rule by its clinical intent". The synthesised witnesses in
test_rulebook.py prove a rule can fire; these prove it fires on the picture it was written for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, write
from mmn_ddx.errors import InputError
from mmn_ddx.library import Library, load_library
from mmn_ddx.vocabulary import with_derived
from mmn_ddx.yamlio import line_of, load_yaml_file

FIXTURES = ROOT / "tests" / "rules"
RULE_FOLDERS = ("weigh", "consider", "criteria")
KINDS = ("fires", "does_not_fire")
ENGINES = ("durable", "plain")


@dataclass(frozen=True)
class FixtureCase:
    file: str  # relative to tests/rules/, the same as the rule file's path relative to rules/
    rule: str
    kind: str  # fires | does_not_fire
    index: int
    why: str
    findings: dict
    line: int | None

    @property
    def id(self) -> str:
        return f"{self.file}::{self.rule}::{self.kind}[{self.index}]"

    @property
    def where(self) -> str:
        return f"tests/rules/{self.file}, line {self.line}"


def fixture_files(root: Path) -> list[Path]:
    return sorted(p for folder in RULE_FOLDERS for p in (root / folder).glob("*.yaml"))


def read_fixtures(root: Path) -> tuple[list[FixtureCase], list[str]]:
    """Every case in the fixture files under `root`, and the problems of their shape."""
    cases: list[FixtureCase] = []
    problems: list[str] = []
    for path in fixture_files(root):
        name = path.relative_to(root).as_posix()
        data = load_yaml_file(path)
        if not isinstance(data, dict):
            problems.append(f"tests/rules/{name}: expected a mapping of rule ids to fires / does_not_fire")
            continue
        for rule_id, entry in data.items():
            where = f"tests/rules/{name}, line {line_of(data, rule_id)}"
            if not isinstance(entry, dict) or set(entry) - set(KINDS):
                problems.append(f"{where}: '{rule_id}' must hold only {' and '.join(KINDS)}")
                continue
            for kind in KINDS:
                for index, item in enumerate(entry.get(kind) or []):
                    line = line_of(entry[kind], index)
                    if not isinstance(item, dict) or set(item) != {"why", "findings"}:
                        problems.append(f"tests/rules/{name}, line {line}: {rule_id} {kind}[{index}] needs exactly why: and findings:")
                        continue
                    if not isinstance(item["why"], str) or len(item["why"].split()) < 6:
                        problems.append(f"tests/rules/{name}, line {line}: {rule_id} {kind}[{index}]: say why in a sentence")
                    if not isinstance(item["findings"], dict):
                        problems.append(f"tests/rules/{name}, line {line}: {rule_id} {kind}[{index}]: findings must be a mapping of finding ids to values")
                        continue
                    cases.append(FixtureCase(name, rule_id, kind, index, str(item["why"]), dict(item["findings"]), line))
    return cases, problems


def rules_by_file(library: Library) -> dict[str, list[tuple[str, str]]]:
    """Rule file (relative to the rules folder) -> [(rule or element id, the key the engines report)]."""
    files: dict[str, list[tuple[str, str]]] = {}

    def add(path: str, rule_id: str, key: str) -> None:
        files.setdefault(Path(path).relative_to(library.rules_root).as_posix(), []).append((rule_id, key))

    for rule in library.rulebook.all_rules():
        add(rule.path, rule.id, rule.id)
    for criterion_set, element in library.rulebook.elements():
        add(criterion_set.path, element.id, criterion_set.element_key(element))
    return files


def canonical_findings(library: Library, case: FixtureCase) -> dict:
    """The case's findings as the engines take them; InputError names the fixture file and line."""
    return {finding: library.vocabulary.check(finding, value, f"tests/rules/{case.file}", case.line)
            for finding, value in case.findings.items()}


def fixture_problems(library: Library, root: Path) -> list[str]:
    """What keeps the fixtures under `root` from covering every rule of `library` exactly."""
    cases, problems = read_fixtures(root)
    files = rules_by_file(library)
    covered = {(c.file, c.rule, c.kind) for c in cases}
    for name, rules in files.items():
        for rule_id, _ in rules:
            missing = [kind for kind in KINDS if (name, rule_id, kind) not in covered]
            if missing:
                problems.append(f"rule '{rule_id}' ({name}) has no {' and no '.join(missing)} case in tests/rules/{name}")
    for case in cases:
        known = {rule_id for rule_id, _ in files.get(case.file, [])}
        if case.file not in files:
            problems.append(f"{case.where}: there is no rule file rules/{case.file}")
        elif case.rule not in known:
            problems.append(f"{case.where}: '{case.rule}' is not a rule in rules/{case.file}")
        try:
            canonical_findings(library, case)
        except InputError as error:
            problems.extend(f"{case.id}: {problem}" for problem in error.problems)
    return problems


CASES, _ = read_fixtures(FIXTURES)  # their shape problems fail the coverage test below


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(ROOT / "rules")


@pytest.fixture(scope="session")
def engine_keys(library) -> dict[tuple[str, str], str]:
    return {(name, rule_id): key for name, rules in rules_by_file(library).items() for rule_id, key in rules}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_meets_its_clinical_picture(case, engine, library, engine_keys):
    key = engine_keys.get((case.file, case.rule))
    assert key is not None, f"{case.where}: '{case.rule}' is not a rule in rules/{case.file}"
    outcome = dict(library.assessor(engine).engine.run(with_derived(canonical_findings(library, case))))
    fired = outcome.get(key) is True
    if case.kind == "fires":
        assert fired, f"{case.rule} did not fire ({engine}) on the case it was written for: {case.why} ({case.where})"
    else:
        assert not fired, f"{case.rule} fired ({engine}) on a case it must not: {case.why} ({case.where})"


def test_every_rule_has_a_case_that_fires_and_one_that_does_not(library):
    problems = fixture_problems(library, FIXTURES)
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- the check itself
def test_the_check_names_a_rule_without_cases_an_unknown_rule_and_a_bad_value(rules_copy, tmp_path):
    write(rules_copy / "weigh" / "zz-new.yaml", """rules:
  - id: zz-new-rule
    title: A rule added without fixtures
    when: {babinski: true}
    toward: als
    frequency: {of: something, mmn: 0.02, als: 0.75, confidence: M}
    explanation: Because.
    teaching_point: Remember.
    sources: [Somebody et al., Journal 2020.]
""")
    fixtures = tmp_path / "fixtures"
    for path in fixture_files(FIXTURES):
        write(fixtures / path.relative_to(FIXTURES), path.read_text(encoding="utf-8"))
    write(fixtures / "weigh" / "zz-new.yaml", """zz-new-rule:
  fires:
    - why: A man with an extensor plantar response on the left side.
      findings: {babinski: yes-ish}
zz-retired-rule:
  does_not_fire:
    - why: This rule was renamed and its fixture was left behind.
      findings: {babinski: false}
""")
    problems = "\n".join(fixture_problems(load_library(rules_copy), fixtures))
    assert "rule 'zz-new-rule' (weigh/zz-new.yaml) has no does_not_fire case" in problems
    assert "'zz-retired-rule' is not a rule in rules/weigh/zz-new.yaml" in problems
    assert "weigh/zz-new.yaml::zz-new-rule::fires[0]" in problems and "babinski" in problems


def test_the_check_names_a_fixture_without_a_reason_or_with_findings_that_are_not_a_mapping(tmp_path):
    write(tmp_path / "weigh" / "x.yaml", """umn-babinski:
  fires:
    - findings: {babinski: true}
  does_not_fire:
    - why: The plantar responses are flexor on both sides of a man with wasted hands.
      findings: [babinski]
""")
    _, problems = read_fixtures(tmp_path)
    assert problems == [
        "tests/rules/weigh/x.yaml, line 3: umn-babinski fires[0] needs exactly why: and findings:",
        "tests/rules/weigh/x.yaml, line 5: umn-babinski does_not_fire[0]: findings must be a mapping of finding ids to values",
    ]
