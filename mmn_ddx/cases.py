"""Reading and checking case files (docs/schemas/case.schema.json), and finding cases by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from mmn_ddx.errors import InputError, Problem, did_you_mean, hint_budget
from mmn_ddx.formats import case_form, read
from mmn_ddx.model import Case, FindingChange, Stage
from mmn_ddx.safetext import shorten
from mmn_ddx.vocabulary import CUTOFF, HIGH_CUTOFF, TITRE, TITRE_CATEGORY, Vocabulary, titre_category
from mmn_ddx.yamlio import line_of, load_yaml_file, load_yaml_text

MAX_STAGES = 20


def _findings(block: Any, path: str, vocab: Vocabulary, problems: list[Problem]) -> dict:
    if not isinstance(block, Mapping):  # absent, or refused by the case form already
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
    if "questions" in data and "stages" not in data and "findings" not in data:
        raise InputError(Problem(path, 1, "is a quiz file, not a case file (it has 'questions:' and no 'stages:').",
                                 f"'mmn-ddx quiz take {path}' runs a quiz; a case file has 'stages:'."))
    form = case_form(vocab)
    if isinstance(data.get("stages"), list) and len(data["stages"]) > MAX_STAGES:  # each stage costs an assessment in a walk
        raise InputError(Problem(path, line_of(data, "stages"), f"a case has at most {MAX_STAGES} stages; this one has "
                                                                f"{len(data['stages']):,}.", "The usual five are history, examination, "
                                                                "electrodiagnosis, laboratory and treatment."))
    fields = read(form, data, path, problems)
    case_id = fields.get("id", Path(path).stem)
    title = fields.get("title", case_id)
    points = fields.get("teaching_points", [])
    expected = {}
    if isinstance(fields.get("expected_criteria"), Mapping):
        expected = read(form["expected_criteria"].form, fields["expected_criteria"], path, problems)

    stages: list[Stage] = []
    if "stages" in data and "findings" in data:
        problem(line_of(data, "findings"), "a case has either 'stages' or top-level 'findings', not both.", "Move these findings into a stage.")
    if "stages" in data:
        stage_form = form["stages"].items
        seen_names: set[str] = set()
        latest: dict[str, tuple[str, Any]] = {}  # finding -> (stage that set its current value, value)
        clock: float | None = None  # months since onset at the stage just read, when known
        raw_stages = fields.get("stages", [])
        for i, raw in enumerate(raw_stages):
            line = line_of(raw_stages, i)
            if not isinstance(raw, Mapping):
                problem(line, f"stage {i + 1} must be a mapping with name, narrative and findings.")
                continue
            name = raw.get("name", f"stage-{i + 1}")
            stage = read(stage_form, raw, path, problems, f"stage '{name}'" if isinstance(name, str) and name.strip() else f"stage {i + 1}")
            if isinstance(name, str) and (not name.strip() or name.isdigit()):
                problem(line_of(raw, "name") or line, f"stage {i + 1} needs a short word as its name.")
            if not isinstance(name, str) or not name.strip() or name.isdigit():
                name = f"stage-{i + 1}"
            if name in seen_names:
                problem(line_of(raw, "name") or line, f"stage name '{shorten(name)}' is used twice.")
            seen_names.add(name)
            narrative = stage.get("narrative", "")
            findings = _findings(stage.get("findings"), path, vocab, problems)
            timing = _follow_up(raw, stage, name, i, clock, findings, path, problems, line)
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
        findings = _findings(fields.get("findings"), path, vocab, problems)
        stages.append(Stage("findings", "", findings, line_of(data, "findings")))
    else:
        problem(line_of(data) or 1, "a case needs 'stages' (or, for a single assessment, top-level 'findings').")
    if problems:
        raise InputError(problems)
    return Case(
        id=case_id, title=title, source=fields.get("source", ""),
        diagnosis=fields.get("diagnosis"), difficulty=fields.get("difficulty"), stages=tuple(stages),
        teaching_points=tuple(" ".join(p.split()) for p in points), path=path,
        expected_criteria=dict(expected),
    )


def _follow_up(raw: Mapping, stage: Mapping, name: str, index: int, clock: float | None, findings: dict, path: str,
               problems: list[Problem], line: int | None) -> dict:
    """The follow-up fields of a stage (`stage`: those the stage form let through), checked across
    each other: a follow-up says when it happened, and only a follow-up may say so (README,
    "Follow-up stages")."""
    where = f"stage '{name}'"
    follow_up = stage["follow_up"] if "follow_up" in stage else False
    onset, previous = stage.get("months_since_onset"), stage.get("months_since_previous")
    point = stage.get("teaching_point", "")
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


def case_matches(case: Case, diagnosis: str | None, difficulty: int | None) -> bool:
    """Whether a case passes the `--diagnosis` (mmn, als, or 'mimic' for any other) and `--difficulty`
    filters of `cases` and `walk`; an empty filter lets every case through."""
    if diagnosis == "mimic":
        if case.diagnosis in ("mmn", "als"):
            return False
    elif diagnosis and case.diagnosis != diagnosis:
        return False
    return not difficulty or case.difficulty == difficulty


def case_files(directory: Path, not_regular: bool = False) -> list[Path]:
    """The case files in a directory (not its quiz or schema subfolders), in name order.

    With `not_regular`, also the entries named like case files that are no regular file (a FIFO,
    a device, a dangling link), so that the loader names each as skipped instead of no one seeing it."""
    def wanted(p: Path) -> bool:
        return p.is_file() or (not_regular and not p.is_dir())

    return sorted(p for p in directory.glob("*.yaml") if wanted(p)) + sorted(p for p in directory.glob("*.yml") if wanted(p))


def resolve(names: Iterable[str], known: Mapping[str, Path]) -> list[Path]:
    """Turn case arguments (files, directories, or ids of the `known` cases: id to file) into case files."""
    paths: list[Path] = []
    problems: list[Problem] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = case_files(path, not_regular=True)
            if not found:
                problems.append(Problem(name, None, "this directory holds no case files (*.yaml).", "Name a case file or a folder of them."))
            paths.extend(found)
        elif path.exists():  # a file; a FIFO or device is refused by the loader, unread
            paths.append(path)
        elif path.is_symlink():
            problems.append(Problem(name, None, "is a link to a file that does not exist.", "Fix or remove the link."))
        elif name in known:
            paths.append(known[name])
        else:
            hint = did_you_mean(name, known, list_few=False) or "Run 'mmn-ddx cases' to list the bundled cases."
            problems.append(Problem(name, None, "is neither a file, a folder, nor the id of a bundled case.", hint))
    if problems:
        raise InputError(problems)
    return paths
