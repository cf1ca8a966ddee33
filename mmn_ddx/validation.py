"""`validate`: check rule files, rule folders and case files, reporting every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mmn_ddx.cases import case_files, load_case
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.resources import rules_dir


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _is_rule_root(path: Path) -> bool:
    return (path / "findings.yaml").is_file() or (path / "weigh").is_dir()


def _rule_root_of(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if _is_rule_root(parent):
            return parent
    return None


def validate(paths: list[str]) -> Report:
    """Check each path: a rules folder (or a file inside one) as rules, anything else as cases."""
    from mmn_ddx.rulebook import load_rulebook

    report = Report()
    rule_roots: dict[Path, None] = {}
    case_paths: list[Path] = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            report.problems.append(Problem(name, None, "no such file or folder.", "Check the path."))
        elif path.is_dir() and _is_rule_root(path):
            rule_roots[path] = None
        elif path.is_dir() and _rule_root_of(path) is not None:
            rule_roots[_rule_root_of(path)] = None
        elif path.is_dir():
            found = case_files(path)
            if not found:
                report.problems.append(Problem(name, None, "this folder holds no case files (*.yaml)."))
            case_paths.extend(found)
        elif _rule_root_of(path) is not None:
            rule_roots[_rule_root_of(path)] = None
        else:
            case_paths.append(path)
    for root in rule_roots:
        report.checked.append(str(root))
        try:
            load_rulebook(root)
        except InputError as error:
            report.problems.extend(error.problems)
    seen_ids: dict[str, str] = {}
    for path in case_paths:
        report.checked.append(str(path))
        try:
            case = load_case(path)
        except InputError as error:
            report.problems.extend(error.problems)
            continue
        if case.id in seen_ids:
            report.problems.append(Problem(str(path), 1, f"case id '{case.id}' is also used by {seen_ids[case.id]}.", "Give each case its own id."))
        seen_ids.setdefault(case.id, str(path))
    return report


__all__ = ["Report", "validate", "rules_dir"]
