"""`validate`: check rule files, rule folders, case files and quiz files, reporting every problem at once.

A quiz file is a YAML file in a folder named `quizzes/` or one with a top-level `questions:` key;
a folder of cases is checked together with its `quizzes/` subfolder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mmn_ddx.cases import case_files, case_from_data
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.library import VOCABULARY_FILE_NAME, load_library
from mmn_ddx.yamlio import command_budget, load_yaml_file


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _is_rule_root(path: Path) -> bool:
    return (path / VOCABULARY_FILE_NAME).is_file() or (path / "weigh").is_dir()


def _rule_root_of(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if _is_rule_root(parent):
            return parent
    return None


def _classify(path: Path) -> tuple[str, object]:
    """('quiz', None), or ('case', its parsed data or the InputError of reading it): each file is read once."""
    if path.parent.name == "quizzes":
        return "quiz", None
    try:
        with command_budget():  # each file checked as bounded as one command, not the folder together
            data = load_yaml_file(path)
    except InputError as error:
        return "case", error  # reported when the case is checked
    if isinstance(data, Mapping) and "questions" in data:
        return "quiz", data
    return "case", data


def validate(paths: list[str], library, case_dirs: tuple = ()) -> Report:
    """Check each path: a rules folder (or a file inside one) as rules, quizzes as quizzes, anything else as cases.

    A rules folder is read as a library of its own (with its own findings.yaml); case files are
    checked against `library`'s vocabulary.
    """
    report = Report()
    rule_roots: dict[Path, None] = {}
    case_paths: list[tuple[Path, object]] = []
    quiz_paths: list[tuple[Path, object]] = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            report.problems.append(Problem(name, None, "no such file or folder.", "Check the path."))
        elif path.is_dir() and _is_rule_root(path):
            rule_roots[path] = None
        elif path.is_dir() and _rule_root_of(path) is not None:
            rule_roots[_rule_root_of(path)] = None
        elif path.is_dir() and path.name == "quizzes":
            found = case_files(path)
            if not found:
                report.problems.append(Problem(name, None, "this folder holds no quiz files (*.yaml)."))
            quiz_paths.extend((file, None) for file in found)
        elif path.is_dir():
            found = case_files(path)
            quizzes = case_files(path / "quizzes") if (path / "quizzes").is_dir() else []
            if not found and not quizzes:
                report.problems.append(Problem(name, None, "this folder holds no case files (*.yaml)."))
            for file in found:
                kind, data = _classify(file)
                if kind == "quiz":
                    quiz_paths.append((file, data))
                else:
                    case_paths.append((file, data))
            quiz_paths.extend((file, None) for file in quizzes)
        elif _rule_root_of(path) is not None:
            rule_roots[_rule_root_of(path)] = None
        else:
            kind, data = _classify(path)
            if kind == "quiz":
                quiz_paths.append((path, data))
            else:
                case_paths.append((path, data))
    for root in rule_roots:
        report.checked.append(str(root))
        try:
            # compiled as assess compiles it: a rule durable_rules could not hold is refused here
            load_library(root, library.cases_root).assessor("durable")
        except InputError as error:
            report.problems.extend(error.problems)
    seen_ids: dict[str, str] = {}
    for path, data in case_paths:
        report.checked.append(str(path))
        try:
            if isinstance(data, InputError):
                raise data
            case = case_from_data(data, str(path), library.vocabulary)
        except InputError as error:
            report.problems.extend(error.problems)
            continue
        if case.id in seen_ids:
            report.problems.append(Problem(str(path), 1, f"case id '{case.id}' is also used by {seen_ids[case.id]}.", "Give each case its own id."))
        seen_ids.setdefault(case.id, str(path))
    if quiz_paths:
        from mmn_ddx.quiz import check_quiz_file

        # quizzes name the library's case ids and are graded by its rule book, as `quiz take` grades them
        for path, data in quiz_paths:
            report.checked.append(str(path))
            with command_budget():  # a quiz with the cases it names, as `quiz take` reads it
                report.problems.extend(check_quiz_file(path, library, case_dirs, data))
    return report

