"""Reading and checking case files (docs/schemas/case.schema.json), and finding cases by name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.model import Case, FindingChange, Stage
from mmn_ddx.safetext import shorten
from mmn_ddx.vocabulary import CUTOFF, HIGH_CUTOFF, TITRE, TITRE_CATEGORY, Vocabulary, titre_category
from mmn_ddx.yamlio import line_of, load_yaml_file, load_yaml_text

CASE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CRITERIA_VALUES = {
    "efns_pns_2010_mmn": ("definite", "probable", "possible", "not_met", "excluded", "insufficient_data"),
    "gold_coast_als": ("met", "not_met", "insufficient_data"),
    "revised_el_escorial_als": ("definite", "probable", "probable_laboratory_supported", "possible", "not_met", "insufficient_data"),
    "awaji_als": ("definite", "probable", "possible", "not_met", "insufficient_data"),
}
MAX_STAGES = 20
STAGE_FIELDS = ("name", "narrative", "findings", "follow_up", "months_since_onset", "months_since_previous", "teaching_point")
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
def case_from_data(data: Any, path: str, vocab: Vocabulary) -> Case:
    """Check a parsed case file against `vocab` and build the Case; every problem is raised together."""
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
        latest: dict[str, tuple[str, Any]] = {}  # finding -> (stage that set its current value, value)
        clock: float | None = None  # months since onset at the stage just read, when known
        for i, raw in enumerate(raw_stages):
            line = line_of(raw_stages, i)
            if not isinstance(raw, Mapping):
                problem(line, f"stage {i + 1} must be a mapping with name, narrative and findings.")
                continue
            for key in raw:
                if key not in STAGE_FIELDS:
                    problem(line_of(raw, key), f"field '{shorten(key)}' is not part of a stage.", did_you_mean(key, STAGE_FIELDS))
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
            timing = _follow_up(raw, name, i, clock, findings, path, problems, line)
            if timing["follow_up"] and timing["months_since_onset"] is not None:
                clock = timing["months_since_onset"]
            elif clock is None and "duration_months" in findings:
                clock = findings["duration_months"]  # the first visit's time since onset
            changes = []
            for finding, value in findings.items():
                if finding in latest and latest[finding][1] != value:
                    earlier, old = latest[finding]
                    if not timing["follow_up"]:
                        problem(
                            line_of(raw.get("findings"), finding),
                            f"finding '{finding}' is {_show(value)} in stage '{name}' but {_show(old)} in stage '{earlier}'.",
                            "A later stage may add findings, not change them. If the patient changed between visits, "
                            "make this stage a follow-up: add 'follow_up: true' and 'months_since_onset: N' "
                            "(or 'months_since_previous: N') to the stage.",
                        )
                    elif finding != "duration_months":  # the clock, shown as the follow-up's time
                        changes.append(FindingChange(finding, old, value, name, earlier, timing["months_since_onset"],
                                              timing["months_since_previous"]))
                latest[finding] = (name, value)
            _check_titre({k: v for k, (_, v) in latest.items()}, findings, raw.get("findings"), name, path, problems)
            stages.append(Stage(name, narrative.strip(), findings, line, changes=tuple(changes), **timing))
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


def _months(raw: Mapping, key: str, where: str, path: str, problems: list[Problem]) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or not 0 <= value <= 1200:
        problems.append(Problem(path, line_of(raw, key), f"{where}: '{key}' must be a number of months from 0 to 1200, not {shorten(value)}.",
                                f"E.g. '{key}: 14'."))
        return None
    return value


def _follow_up(raw: Mapping, name: str, index: int, clock: float | None, findings: dict, path: str,
               problems: list[Problem], line: int | None) -> dict:
    """The follow-up fields of a stage, checked: a follow-up says when it happened, and only a
    follow-up may say so (README, "Follow-up stages")."""
    where = f"stage '{name}'"
    follow_up = raw.get("follow_up", False)
    if not isinstance(follow_up, bool):
        problems.append(Problem(path, line_of(raw, "follow_up"), f"{where}: 'follow_up' must be true or false, not {shorten(follow_up)}."))
        follow_up = False
    onset = _months(raw, "months_since_onset", where, path, problems)
    previous = _months(raw, "months_since_previous", where, path, problems)
    point = raw.get("teaching_point", "") or ""
    if not isinstance(point, str):
        problems.append(Problem(path, line_of(raw, "teaching_point"), f"{where}: 'teaching_point' must be text.",
                                "Put the text in quotes: YAML reads 'words: more words' as a key and a value."))
        point = ""
    if not follow_up:
        for key in ("months_since_onset", "months_since_previous", "teaching_point"):
            if raw.get(key) is not None:
                problems.append(Problem(path, line_of(raw, key), f"{where}: '{key}' belongs to a follow-up stage.",
                                        "Add 'follow_up: true' to the stage, or remove the field."))
        return {"follow_up": False, "months_since_onset": None, "months_since_previous": None, "teaching_point": ""}
    if index == 0:
        problems.append(Problem(path, line_of(raw, "follow_up") or line, f"{where}: the first stage cannot be a follow-up.",
                                "A follow-up comes after an earlier visit: put the first visit's stages before it."))
    if onset is None and previous is None and not any(raw.get(k) is not None for k in ("months_since_onset", "months_since_previous")):
        problems.append(Problem(path, line_of(raw, "follow_up") or line, f"{where}: a follow-up must say when it happened.",
                                "Add 'months_since_onset: N' (time from first symptom) or 'months_since_previous: N' (time since the stage before)."))
    if previous is not None and clock is not None:
        if onset is None:
            onset = clock + previous
        elif abs(onset - (clock + previous)) > 0.5:
            problems.append(Problem(path, line_of(raw, "months_since_previous"),
                                    f"{where}: {previous:g} months after the stage before (at {clock:g} months) is {clock + previous:g} months since onset, not {onset:g}.",
                                    "Give one of months_since_onset and months_since_previous, or make them agree."))
    if onset is not None and clock is not None and onset < clock:
        problems.append(Problem(path, line_of(raw, "months_since_onset"),
                                f"{where}: the follow-up at {onset:g} months since onset comes before the stage before it ({clock:g} months).",
                                "A follow-up comes later: check months_since_onset, or the duration_months of the first visit."))
    if onset is not None and "duration_months" in findings and findings["duration_months"] != onset:
        problems.append(Problem(path, line_of(raw.get("findings"), "duration_months"),
                                f"{where}: duration_months {findings['duration_months']:g} disagrees with the follow-up's {onset:g} months since onset.",
                                "Leave duration_months out of a follow-up: its time since onset is the duration."))
    return {"follow_up": True, "months_since_onset": onset, "months_since_previous": previous, "teaching_point": " ".join(point.split())}


def _check_titre(known: dict, new: dict, block: Any, name: str, path: str, problems: list[Problem]) -> None:
    """A numeric anti-GM1 titre needs the laboratory's cut-offs to stand for a category, and must agree
    with the category when both are given (README, "Vocabulary version 2")."""
    if not any(k in new for k in (TITRE, CUTOFF, HIGH_CUTOFF, TITRE_CATEGORY)) or TITRE not in known:
        return
    where = f"stage '{name}'"

    def line(key):
        return line_of(block, key) if isinstance(block, Mapping) and key in block else line_of(block)

    if CUTOFF not in known:
        problems.append(Problem(path, line(TITRE), f"{where}: the anti-GM1 titre {known[TITRE]:g} has no cut-off to be read against.",
                                f"Add '{CUTOFF}: N', the laboratory's cut-off for a positive result, in its units."))
        return
    if HIGH_CUTOFF in known and known[HIGH_CUTOFF] < known[CUTOFF]:
        problems.append(Problem(path, line(HIGH_CUTOFF), f"{where}: the high-titre cut-off {known[HIGH_CUTOFF]:g} is below the positive cut-off {known[CUTOFF]:g}.",
                                "Give the laboratory's two levels: positive from anti_gm1_igm_cutoff, high from anti_gm1_igm_high_cutoff."))
        return
    category = titre_category(known)
    if category is None:
        problems.append(Problem(path, line(TITRE), f"{where}: the anti-GM1 titre {known[TITRE]:g} is at or above the cut-off {known[CUTOFF]:g}, "
                                "but the case does not say where a high titre begins.",
                                f"Add '{HIGH_CUTOFF}: N' (the laboratory's high-titre level), or give '{TITRE_CATEGORY}: low_titre' or 'high_titre' instead of the titre."))
        return
    if TITRE_CATEGORY in known and known[TITRE_CATEGORY] != category:
        problems.append(Problem(path, line(TITRE_CATEGORY), f"{where}: anti_gm1_igm is {known[TITRE_CATEGORY]} but the titre {known[TITRE]:g} "
                                f"against the laboratory's cut-offs is {category}.", "Give the titre or the category, or make them agree."))


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_case(path: Path | str, vocab: Vocabulary) -> Case:
    return case_from_data(load_yaml_file(path), str(path), vocab)


def load_case_text(text: str, path: str, vocab: Vocabulary) -> Case:
    return case_from_data(load_yaml_text(text, path), path, vocab)


def case_files(directory: Path) -> list[Path]:
    """The case files in a directory (not its quiz or schema subfolders), in name order."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) + sorted(p for p in directory.glob("*.yml") if p.is_file())


def resolve(names: Iterable[str], library: Mapping[str, Path]) -> list[Path]:
    """Turn case arguments (files, directories, or ids of the library's cases) into case files."""
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
        elif name in library:
            paths.append(library[name])
        else:
            hint = did_you_mean(name, library, list_few=False) or "Run 'mmn-ddx cases' to list the bundled cases."
            problems.append(Problem(name, None, "is neither a file, a folder, nor the id of a bundled case.", hint))
    if problems:
        raise InputError(problems)
    return paths
