"""The public vocabulary of findings (rules/findings.yaml): what a case may state and how a value is checked and shown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from mmn_ddx.errors import InputError, Problem, did_you_mean
from mmn_ddx.formats import FINDING, LABELLED, VOCABULARY_FILE, complete, read, read_items
from mmn_ddx.yamlio import line_of, load_yaml_file

TIER_LABELS = {
    "bedside": "history or examination", "nerve_studies": "nerve conduction and EMG", "blood": "blood test",
    "genetic": "genetic test", "imaging": "imaging", "csf": "lumbar puncture", "biopsy": "biopsy",
    "treatment": "treatment trial",
}


@dataclass(frozen=True)
class FindingSpec:
    id: str
    label: str
    type: str
    stage: str
    description: str
    values: tuple[str, ...] = ()
    unit: str = ""
    min: float | None = None
    max: float | None = None
    integer: bool = False
    tier: str = "bedside"
    ask_first: str = ""  # why this test is offered before any other while it is unknown
    since: int = 1  # the vocabulary version that added the finding

    def allowed(self) -> str:
        """Words a user may write for this finding, for help and error messages."""
        if self.type == "bool":
            return "true or false"
        if self.type == "enum":
            return " | ".join(self.values)
        if self.type == "regions":
            return "a list of regions: " + ", ".join(REGIONS) + " ([] or none = examined, none found)"
        bounds = f" from {self.min:g} to {self.max:g}" if self.min is not None and self.max is not None else ""
        kind = "a whole number" if self.integer else "a number"
        return f"{kind}{bounds}" + (f" ({self.unit})" if self.unit else "")


REGIONS = ("bulbar", "cervical", "thoracic", "lumbosacral")
UNKNOWN_WORD = "unknown"  # `--finding id=unknown`: back to unknown, as if the case never said
# A numeric anti-GM1 titre stands for the category through the laboratory's cut-offs (README,
# "Vocabulary version 2"): below the cut-off negative, from it low titre, from the high cut-off high.
TITRE, CUTOFF, HIGH_CUTOFF, TITRE_CATEGORY = "anti_gm1_igm_titre", "anti_gm1_igm_cutoff", "anti_gm1_igm_high_cutoff", "anti_gm1_igm"


def titre_category(findings: Mapping[str, Any]) -> str | None:
    """The anti_gm1_igm category a numeric titre maps to, or None when the cut-offs needed are not given."""
    titre, cutoff, high = findings.get(TITRE), findings.get(CUTOFF), findings.get(HIGH_CUTOFF)
    if titre is None or cutoff is None:
        return None
    if titre < cutoff:
        return "negative"
    if high is None:
        return None
    return "high_titre" if titre >= high else "low_titre"


def with_derived(findings: Mapping[str, Any]) -> dict:
    """The findings with the category a numeric titre stands for, unless the category is given."""
    out = dict(findings)
    if TITRE_CATEGORY not in out:
        category = titre_category(out)
        if category is not None:
            out[TITRE_CATEGORY] = category
    return out


def show_value(value: Any, presence: bool = False) -> str:
    """A value as a learner reads it: yes / no (present / absent with `presence`, for a sign
    named in a sentence: 'if present, …'), 'none' for an empty region list, words not ids."""
    if isinstance(value, bool):
        return ("present" if value else "absent") if presence else ("yes" if value else "no")
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")


class Vocabulary:
    """All finding specs by id, with value checking that explains itself, and the diagnoses."""

    def __init__(self, specs: list[FindingSpec], regions: tuple[str, ...] = REGIONS,
                 conditions: dict[str, str] | None = None, diagnoses: dict[str, str] | None = None,
                 version: int = 1):
        self.specs = {spec.id: spec for spec in specs}
        self.version = version
        self.regions = regions
        self.conditions = dict(conditions or {})  # condition to consider -> label
        self.diagnoses = {**(diagnoses or {}), **self.conditions}  # every diagnosis a case may have -> label

    def diagnosis_label(self, diagnosis: str | None) -> str:
        """'kennedy_disease' -> 'Kennedy disease (spinal and bulbar muscular atrophy)'."""
        if not diagnosis:
            return "not given"
        return self.diagnoses.get(diagnosis, diagnosis.replace("_", " "))

    def show(self, finding: str, value: Any, presence: bool = False) -> str:
        """A finding's value as a learner reads it, with its unit ('24 months', 'low titre')."""
        text = show_value(value, presence)
        spec = self.specs.get(finding)
        if spec is not None and spec.type == "number" and spec.unit:
            text += f" {spec.unit}"
        return text

    def show_change(self, change) -> str:
        """A follow-up's change as a learner reads it: 'Babinski sign: absent → present, 14 months after onset'."""
        when = (f"{change.months:g} months after onset" if change.months is not None
                else f"{change.months_since_previous:g} months later" if change.months_since_previous is not None else "")
        before, after = (self.show(change.finding, value, presence=True) for value in (change.before, change.after))
        return f"{self.label(change.finding)}: {before} → {after}" + (f", {when}" if when else "")

    def __contains__(self, finding_id: object) -> bool:
        return finding_id in self.specs

    def __getitem__(self, finding_id: str) -> FindingSpec:
        return self.specs[finding_id]

    def __iter__(self):
        return iter(self.specs.values())

    def label(self, finding_id: str) -> str:
        spec = self.specs.get(finding_id)
        return spec.label if spec else finding_id

    def unknown_id_problem(self, finding_id: object, path: str | None, line: int | None) -> Problem:
        return Problem(path, line, f"finding '{finding_id}' is unknown.", did_you_mean(finding_id, self.specs))

    def check(self, finding_id: Any, value: Any, path: str | None = None, line: int | None = None) -> Any:
        """Return the value in canonical form, or raise InputError saying what is allowed."""
        if finding_id not in self.specs:
            raise InputError(self.unknown_id_problem(finding_id, path, line))
        spec = self.specs[finding_id]

        def bad(message: str, hint: str = "") -> InputError:
            return InputError(
                Problem(path, line, f"finding '{finding_id}': {message}", hint or f"Allowed: {spec.allowed()}.")
            )

        if spec.type == "bool":
            if isinstance(value, bool):
                return value
            raise bad(f"{value!r} is not true or false.")
        if spec.type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad(f"{value!r} is not a number.")
            if value != value:  # NaN
                raise bad("NaN is not a number.")
            if spec.integer and float(value) != int(value):
                raise bad(f"{value!r} is not a whole number.")
            if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
                raise bad(f"{value!r} is outside the plausible range.")
            return int(value) if spec.integer else value
        if spec.type == "enum":
            if isinstance(value, str) and value in spec.values:
                return value
            word = value if isinstance(value, str) else repr(value)
            hint = did_you_mean(word, spec.values) or f"Allowed: {spec.allowed()}."
            if "Allowed" not in hint:
                hint = f"{hint} Allowed: {spec.allowed()}."
            raise bad(f"'{word}' is not one of its values.", hint)
        # regions
        if not isinstance(value, list):
            raise bad(f"{value!r} is not a list of regions.", "Write it as a list, e.g. [cervical, bulbar], or [] for none.")
        seen: list[str] = []
        for item in value:
            if item not in self.regions:
                raise bad(f"'{item}' is not a body region.", did_you_mean(item, self.regions) or f"Allowed: {', '.join(self.regions)}.")
            if item not in seen:
                seen.append(item)
        return tuple(r for r in self.regions if r in seen)

    def parse_text(self, finding_id: str, text: str, path: str | None = None) -> Any:
        """Parse a value typed on the command line (`--finding id=value`) by the finding's type.

        Whatever `show` prints is read back as the same value ('yes', 'none' for no region,
        'low titre', '24 months'); 'unknown' gives None, which sets the finding back to unknown
        (as a blank value does in a case file)."""
        if finding_id not in self.specs:
            raise InputError(self.unknown_id_problem(finding_id, path, None))
        spec = self.specs[finding_id]
        raw = " ".join(text.strip().split())
        if raw.lower() == UNKNOWN_WORD:
            return None
        value: Any = raw
        if spec.type == "bool":
            lowered = raw.lower()
            truthy, falsy = ("true", "yes", "y", "1"), ("false", "no", "n", "0")
            value = True if lowered in truthy else False if lowered in falsy else raw
        elif spec.type == "number":
            number = raw[: -len(spec.unit)].strip() if spec.unit and raw.endswith(spec.unit) else raw
            try:
                value = float(number)
                if value.is_integer():
                    value = int(value)
            except ValueError:
                value = raw
        elif spec.type == "enum":
            word = raw.lower().replace(" ", "_")
            value = word if word in spec.values else raw
        elif spec.type == "regions":
            inner = raw.strip("[]")
            value = [] if inner.strip().lower() == "none" else [
                part.strip().lower() for part in inner.replace(";", ",").split(",") if part.strip()]
        return self.check(finding_id, value, path)


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and check a findings vocabulary (rules/findings.yaml); every problem is raised together."""
    where = str(path)
    data = load_yaml_file(path, cache=True)
    if not isinstance(data, Mapping):
        raise InputError(Problem(where, line_of(data) or 1, "a vocabulary file must be a mapping (version:, regions:, findings: ...)."))
    problems: list[Problem] = []
    fields = read(VOCABULARY_FILE, data, where, problems)

    def entries(key: str, form, kind: str) -> list[dict]:
        found, seen = [], set()
        for line, entry, _ in read_items(form, fields.get(key), key, where, problems, kind):
            if entry.get("id") in seen:
                problems.append(Problem(where, line, f"{kind} '{entry['id']}' is listed twice.", "Keep one of them."))
            elif entry.get("type") == "enum" and not entry.get("values"):
                problems.append(Problem(where, line, f"{kind} '{entry['id']}' is an enum with no 'values'.", "List the words it may take."))
            elif complete(form, entry):
                found.append(entry)
            seen.add(entry.get("id"))
        return found

    specs = [FindingSpec(
        id=entry["id"], label=entry["label"], type=entry["type"], stage=entry["stage"], description=entry["description"],
        values=tuple(entry.get("values", ())), unit=entry.get("unit", ""), min=entry.get("min"), max=entry.get("max"),
        integer=entry["integer"], tier=entry["tier"], ask_first=" ".join(entry.get("ask_first", "").split()), since=entry["since"],
    ) for entry in entries("findings", FINDING, "finding")]
    conditions = {entry["id"]: entry["label"] for entry in entries("conditions", LABELLED, "condition")}
    diagnoses = {entry["id"]: entry["label"] for entry in entries("diagnoses", LABELLED, "diagnosis")}
    if problems:
        raise InputError(problems)
    return Vocabulary(specs, tuple(fields.get("regions", REGIONS)), conditions, diagnoses, fields["version"])
