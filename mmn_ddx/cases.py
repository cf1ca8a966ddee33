"""Reading and checking case files (docs/schemas/case.schema.json), and finding cases by name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.model import Case, Stage
from mmn_ddx.resources import cases_dir
from mmn_ddx.safetext import shorten
from mmn_ddx.vocabulary import Vocabulary, vocabulary
from mmn_ddx.yamlio import line_of, load_yaml_file, load_yaml_text

CASE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CRITERIA_VALUES = {
    "efns_pns_2010_mmn": ("definite", "probable", "possible", "not_met", "excluded", "insufficient_data"),
    "gold_coast_als": ("met", "not_met", "insufficient_data"),
    "revised_el_escorial_als": ("definite", "probable", "probable_laboratory_supported", "possible", "not_met", "insufficient_data"),
    "awaji_als": ("definite", "probable", "possible", "not_met", "insufficient_data"),
}
MAX_STAGES = 20
CASE_FIELDS = ("id", "title", "source", "diagnosis", "difficulty", "stages", "findings", "teaching_points", "expected_criteria")


def _findings(block: Any, where: str, path: str, vocab: Vocabulary, problems: list[Problem], line: int | None) -> dict:
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        problems.append(Problem(path, line_of(block) or line, f"{where}: 'findings' must be a mapping of finding: value."))
        return {}
    found = {}
    for finding, value in block.items():
        if value is None:  # an explicit "unknown" (e.g. `conduction_block:` left blank) is the same as omitting it
            continue
        try:
            found[finding] = vocab.check(finding, value, path, line_of(block, finding))
        except InputError as error:
            problems.extend(error.problems)
    return found


@hint_budget
def case_from_data(data: Any, path: str, vocab: Vocabulary | None = None) -> Case:
    """Check a parsed case file and build the Case; every problem is raised together."""
    vocab = vocab or vocabulary()
    problems: list[Problem] = []

    def problem(line, message, hint=""):
        problems.append(Problem(path, line, message, hint))

    if not isinstance(data, Mapping):
        raise InputError(Problem(path, line_of(data) or 1, "a case file must be a mapping (id:, title:, stages: ...).", "See the case-file format in the README."))
    for key in data:
        if key not in CASE_FIELDS:
            problem(line_of(data, key), f"field '{shorten(key)}' is not part of a case file.", did_you_mean(key, CASE_FIELDS))
    stem = Path(path).stem
    case_id = data.get("id", stem)
    if not isinstance(case_id, str) or not CASE_ID.match(case_id):
        problem(line_of(data, "id"), f"case id '{shorten(case_id)}' must be lower-case words joined by hyphens.", "E.g. 'electrician-finger-drop'.")
    title = data.get("title", case_id)
    if not isinstance(title, str):
        problem(line_of(data, "title"), "'title' must be text.")
    diagnosis = data.get("diagnosis")
    if diagnosis is not None and (not isinstance(diagnosis, str) or diagnosis not in vocab.diagnoses):
        problem(line_of(data, "diagnosis"), f"diagnosis '{shorten(diagnosis)}' is unknown.", did_you_mean(shorten(diagnosis), vocab.diagnoses) or "Use mmn, als or a condition to consider.")
    difficulty = data.get("difficulty")
    if difficulty is not None and (isinstance(difficulty, bool) or difficulty not in (1, 2, 3)):
        problem(line_of(data, "difficulty"), f"difficulty {shorten(difficulty)} must be 1, 2 or 3.")
    points = data.get("teaching_points", [])
    if not isinstance(points, list):
        problem(line_of(data, "teaching_points"), "'teaching_points' must be a list of texts.", "Write each point on its own line starting with '- '.")
        points = []
    for i, point in enumerate(points):
        if not isinstance(point, str):
            hint = "Put the text in quotes: YAML reads 'words: more words' as a key and a value." if isinstance(point, Mapping) else "Write it as text."
            problem(line_of(points, i), f"teaching point {i + 1} is not plain text.", hint)
    points = [p for p in points if isinstance(p, str)]
    expected = data.get("expected_criteria", {}) or {}
    if not isinstance(expected, Mapping):
        problem(line_of(data, "expected_criteria"), "'expected_criteria' must be a mapping of criterion set: category.")
        expected = {}
    for key, value in expected.items():
        if key not in CRITERIA_VALUES:
            problem(line_of(expected, key), f"criterion set '{shorten(key)}' is unknown.", did_you_mean(key, CRITERIA_VALUES))
        elif value not in CRITERIA_VALUES[key]:
            problem(line_of(expected, key), f"'{shorten(value)}' is not a category of {key}.", did_you_mean(shorten(value), CRITERIA_VALUES[key]) or "Allowed: " + ", ".join(CRITERIA_VALUES[key]) + ".")

    stages: list[Stage] = []
    if "stages" in data and "findings" in data:
        problem(line_of(data, "findings"), "a case has either 'stages' or top-level 'findings', not both.", "Move these findings into a stage.")
    if "stages" in data:
        raw_stages = data["stages"]
        if isinstance(raw_stages, list) and len(raw_stages) > MAX_STAGES:  # each stage costs an assessment in a walk
            raise InputError(Problem(path, line_of(data, "stages"), f"a case has at most {MAX_STAGES} stages; this one has "
                                                                    f"{len(raw_stages):,}.", "The usual five are history, examination, "
                                                                    "electrodiagnosis, laboratory and treatment."))
        if not isinstance(raw_stages, list) or not raw_stages:
            problem(line_of(data, "stages"), "'stages' must be a non-empty list.")
            raw_stages = []
        seen_names: set[str] = set()
        first_seen: dict[str, tuple[str, Any]] = {}
        for i, raw in enumerate(raw_stages):
            line = line_of(raw_stages, i)
            if not isinstance(raw, Mapping):
                problem(line, f"stage {i + 1} must be a mapping with name, narrative and findings.")
                continue
            for key in raw:
                if key not in ("name", "narrative", "findings"):
                    problem(line_of(raw, key), f"field '{shorten(key)}' is not part of a stage.", did_you_mean(key, ("name", "narrative", "findings")))
            name = raw.get("name", f"stage-{i + 1}")
            if not isinstance(name, str) or not name.strip() or name.isdigit():
                problem(line_of(raw, "name") or line, f"stage {i + 1} needs a short word as its name.")
                name = f"stage-{i + 1}"
            if name in seen_names:
                problem(line_of(raw, "name") or line, f"stage name '{shorten(name)}' is used twice.")
            seen_names.add(name)
            narrative = raw.get("narrative", "") or ""
            if not isinstance(narrative, str):
                problem(line_of(raw, "narrative"), f"stage '{name}': 'narrative' must be text.")
                narrative = ""
            findings = _findings(raw.get("findings"), f"stage '{name}'", path, vocab, problems, line)
            for finding, value in findings.items():
                if finding in first_seen and first_seen[finding][1] != value:
                    earlier, old = first_seen[finding]
                    problem(
                        line_of(raw.get("findings"), finding),
                        f"finding '{finding}' is {_show(value)} in stage '{name}' but {_show(old)} in stage '{earlier}'.",
                        "A later stage may add findings, not change them: keep one value.",
                    )
                first_seen.setdefault(finding, (name, value))
            stages.append(Stage(name, narrative.strip(), findings, line))
    elif "findings" in data:
        findings = _findings(data["findings"], "findings", path, vocab, problems, line_of(data, "findings"))
        stages.append(Stage("findings", "", findings, line_of(data, "findings")))
    else:
        problem(line_of(data) or 1, "a case needs 'stages' (or, for a single assessment, top-level 'findings').")
    if problems:
        raise InputError(problems)
    source = data.get("source", "")
    return Case(
        id=case_id, title=title, source=source if isinstance(source, str) else "",
        diagnosis=diagnosis, difficulty=difficulty, stages=tuple(stages),
        teaching_points=tuple(" ".join(p.split()) for p in points), path=path,
        expected_criteria=dict(expected),
    )


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_case(path: Path | str, vocab: Vocabulary | None = None) -> Case:
    return case_from_data(load_yaml_file(path), str(path), vocab)


def load_case_text(text: str, path: str, vocab: Vocabulary | None = None) -> Case:
    return case_from_data(load_yaml_text(text, path), path, vocab)


def case_files(directory: Path) -> list[Path]:
    """The case files in a directory (not its quiz or schema subfolders), in name order."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) + sorted(p for p in directory.glob("*.yml") if p.is_file())


def library() -> dict[str, Path]:
    """The bundled case library: case id (the file's stem) to path."""
    return {p.stem: p for p in case_files(cases_dir())}


def resolve(names: Iterable[str]) -> list[Path]:
    """Turn case arguments (files, directories, or ids of bundled cases) into case files."""
    paths: list[Path] = []
    problems: list[Problem] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = case_files(path)
            if not found:
                problems.append(Problem(name, None, "this directory holds no case files (*.yaml).", "Name a case file or a folder of them."))
            paths.extend(found)
        elif path.exists():  # a file; a FIFO or device is refused by the loader, unread
            paths.append(path)
        elif path.is_symlink():
            problems.append(Problem(name, None, "is a link to a file that does not exist.", "Fix or remove the link."))
        elif name in library():
            paths.append(library()[name])
        else:
            hint = did_you_mean(name, library(), list_few=False) or "Run 'mmn-ddx cases' to list the bundled cases."
            problems.append(Problem(name, None, "is neither a file, a folder, nor the id of a bundled case.", hint))
    if problems:
        raise InputError(problems)
    return paths
