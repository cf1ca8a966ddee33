"""What the commands call: one function per job, returning plain data and never printing.

Every function that needs the rules or cases takes the `Library` it works on (`open_library`
reads one); none looks up the bundled data on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from mmn_ddx import DISCLAIMER
from mmn_ddx.errors import EngineError, InputError, Problem, did_you_mean
from mmn_ddx.library import Library, library_for
from mmn_ddx.model import Assessment, Case, Family, WeighRule


@dataclass
class Batch:
    """Assessments of the cases that could be read, and the problems of those that could not."""

    assessments: list[Assessment] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def open_library(rules: str | Path | None = None, cases: str | Path | None = None) -> Library:
    """The library a command works on: the bundled one, or one read from `--rules DIR` / `--cases DIR`."""
    return library_for(rules, cases)


def parse_finding_options(options: Sequence[str], vocab) -> dict:
    """`--finding id=value` options, checked against the vocabulary (all problems together)."""
    findings: dict = {}
    problems: list[Problem] = []
    for option in options:
        if "=" not in option:
            problems.append(Problem(None, None, f"--finding '{option}' must be written id=value.", "E.g. --finding conduction_block=definite."))
            continue
        finding, text = (part.strip() for part in option.split("=", 1))
        if not finding:
            problems.append(Problem(None, None, f"--finding '{option}' names no finding before '='; write id=value.",
                                    "E.g. --finding conduction_block=definite; 'mmn-ddx findings' lists the ids."))
            continue
        if finding in findings:
            problems.append(Problem(None, None, f"--finding {finding} is given twice.",
                                    "Give it once; a region list takes several regions: -f umn_regions=cervical,bulbar."))
            continue
        try:
            findings[finding] = vocab.parse_text(finding, text, "--finding")
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return findings


def assess(library: Library, names: Sequence[str], *, stage: str | None = None, finding_options: Sequence[str] = (),
           prior: float | None = None, engine: str = "durable") -> Batch:
    """Assess case files, folders, bundled case ids, or command-line findings alone.

    Bad input is collected in `problems`; an internal fault on a case is raised (EngineError).
    For many cases, `assess_stream` yields each as it is done instead.
    """
    batch = Batch()
    for item in assess_stream(library, names, stage=stage, finding_options=finding_options, prior=prior, engine=engine):
        if item.fault:
            raise EngineError(f"{item.path}: {item.fault}" if item.path else item.fault)
        batch.problems.extend(item.problems)
        if item.assessment is not None:
            batch.assessments.append(item.assessment)
    return batch


def assess_stream(library: Library, names: Sequence[str], *, stage: str | None = None, finding_options: Sequence[str] = (),
                  prior: float | None = None, engine: str = "durable", what_if: bool = False,
                  record: str = "assessment", jobs: int | None = 1):
    """One `batch.Item` per case, in order, as each is assessed (`jobs` processes; None: every core).

    `record` is one of `batch.RECORDS`: "assessment" (items carry the Assessment), or "json",
    "json-item" or "jsonl" (items carry the JSON text in UTF-8, made in the worker). A file that
    cannot be read gives an item with its problems, a fault of the engine an item with the fault;
    the batch goes on either way. Problems with the command itself (no such case, a bad --finding)
    are raised before any case is assessed.
    """
    from mmn_ddx.assessment import DEFAULT_PRIOR, check_prior
    from mmn_ddx.batch import RECORDS, Item, Job, assess_paths, default_jobs, record_bytes
    from mmn_ddx.cases import resolve

    if record not in RECORDS:
        raise ValueError(f"record is one of {', '.join(RECORDS)}, not {record!r}")
    prior = check_prior(DEFAULT_PRIOR if prior is None else prior)
    extra = parse_finding_options(finding_options, library.vocabulary)
    if not names and stage is not None:
        raise InputError(Problem(None, None, "--stage needs a case: findings given with --finding have no stages.",
                                 "Name a case, or leave out --stage."))
    if not names and not extra:
        raise InputError(Problem(None, None, "nothing to assess.", "Name a case file, a folder or a bundled case id, or give --finding id=value."))
    if jobs is not None and jobs < 1:
        raise InputError(Problem(None, None, f"--jobs must be 1 or more, not {jobs}.", "Leave it out to use every core."))
    job = Job(stage, extra, prior, engine, what_if, record, str(library.rules_root), str(library.cases_root))
    if not names:
        engine_ = library.assessor(engine)
        try:
            known = {k: v for k, v in extra.items() if v is not None}  # `id=unknown` is simply left out
            assessment = engine_.assess(known, case_id="command-line", title="Findings given on the command line", prior=prior)
            found = engine_.what_if(assessment.findings, assessment.prior) if what_if else None
        except InputError:
            raise
        except Exception as error:
            yield Item(None, fault=f"{type(error).__name__}: {error}")
            return
        if record == "assessment":
            yield Item(None, assessment=assessment, what_if=found)
        else:
            yield Item(None, output=record_bytes(assessment, found, record))
        return
    paths = [str(path) for path in resolve(names, library.cases())]
    yield from assess_paths(paths, job, library, default_jobs() if jobs is None else jobs)


def find_case(library: Library, name: str) -> Case:
    """A case named by path or by the id of one of the library's cases (nearest ids suggested)."""
    from mmn_ddx.cases import resolve

    paths = resolve([name], library.cases())
    if len(paths) != 1:
        raise InputError(Problem(name, None, "names a folder; name one case.", "E.g. electrician-finger-drop."))
    return library.load_case(paths[0])


def case_list(library: Library, diagnosis: str | None = None, difficulty: int | None = None) -> list[Case]:
    """The library's cases, filtered; a broken case file is reported, not skipped."""
    from mmn_ddx.cases import case_matches

    cases = [library.load_case(path) for path in library.cases().values()]
    return sorted((c for c in cases if case_matches(c, diagnosis, difficulty)), key=lambda c: c.id)


def start_walk(library: Library, name: str | None, *, seed: int | None = None, difficulty: int | None = None,
               diagnosis: str | None = None, answers_path: str | None = None, prior: float | None = None):
    """A walkthrough of a named case (or one picked at random), with the learner's answers file."""
    from mmn_ddx.assessment import DEFAULT_PRIOR, check_prior
    from mmn_ddx.walkthrough import Walkthrough, load_answers, pick_case

    prior = check_prior(DEFAULT_PRIOR if prior is None else prior)
    if name and (seed is not None or difficulty is not None or diagnosis is not None):
        raise InputError(Problem(None, None, "--seed, --difficulty and --diagnosis choose a random case; they do not apply to a named case.",
                                 f"Run 'mmn-ddx walk {name}' alone, or leave out the case name."))
    case = find_case(library, name) if name else pick_case(library, seed, difficulty, diagnosis)
    answers = load_answers(answers_path, case, library.vocabulary) if answers_path else None
    return Walkthrough(case, library.assessor("durable"), prior), answers


def explain(library: Library, assessment: Assessment, previous: Assessment | None = None):
    """What the evidence did, family by family, from `previous` (default: the prior alone)."""
    from mmn_ddx.explain import changes

    return changes(assessment, previous, library.rulebook.families)


def criteria(library: Library, name: str, *, stage: str | None = None, finding_options: Sequence[str] = ()) -> Assessment:
    """One case judged against the formal criteria (its whole assessment, whose criteria fields matter)."""
    batch = assess(library, [name], stage=stage, finding_options=finding_options)
    if batch.problems:
        raise InputError(batch.problems)
    if len(batch.assessments) != 1:
        raise InputError(Problem(name, None, "names a folder of cases; 'criteria' shows one case.",
                                 "Name one case file or id, or use 'mmn-ddx assess FOLDER --json' for many."))
    return batch.assessments[0]


def criteria_json(a: Assessment) -> dict:
    """`criteria --json`: the criteria and their element-by-element detail."""
    return {"case": a.case_id, "through_stage": a.through_stage, "criteria": a.criteria,
            "criteria_detail": a.criteria_detail, "disagreement": a.disagreement, "disclaimer": DISCLAIMER}


def cases_json(cases: Sequence[Case], reveal: bool = False) -> list[dict]:
    """`cases --json`: id, title, difficulty and stages of each case (the diagnosis only with `reveal`)."""
    return [{"id": c.id, "title": c.title, "difficulty": c.difficulty, "stages": [s.name for s in c.stages],
             **({"diagnosis": c.diagnosis} if reveal else {})} for c in cases]


def vocabulary_json(library: Library) -> dict:
    """`findings --json`: the vocabulary's findings, regions and conditions to consider."""
    vocab = library.vocabulary
    return {"version": vocab.version, "regions": list(vocab.regions), "findings": [asdict(spec) for spec in vocab],
            "conditions": [{"id": k, "label": v} for k, v in vocab.conditions.items()]}


def find_rule(library: Library, rule_id: str):
    """A rule, a (criterion set, element) pair, an evidence family or a criterion set, by id (nearest ids suggested)."""
    book = library.rulebook
    item = book.lookup(rule_id)
    if item is None:
        raise InputError(Problem(None, None, f"there is no rule, criterion element, evidence family or criterion set '{rule_id}'.",
                                 did_you_mean(rule_id, book.ids()) or "Run 'mmn-ddx rules' to list them."))
    return item


def rules_json(library: Library) -> list[dict]:
    """`rules --json`: every entry of the rule book's index, in its order."""
    return [rule_json(library, item) for item in library.rulebook.index().values()]


def rule_json(library: Library, item) -> dict:
    """One entry of the rule book's index as `rules --json` and `rules show ID --json` print it."""
    from mmn_ddx.criteria import CriterionSet

    book = library.rulebook
    if isinstance(item, CriterionSet):
        return {"id": item.id, "kind": "criteria", "title": item.title,
                "categories": [c.value for c in item.categories], "missing_means": item.missing_means,
                "elements": [e.id for e in item.elements], "sources": [item.source]}
    if isinstance(item, WeighRule):
        family = book.families.get(item.family) if item.family else None
        return {
            "id": item.id, "kind": "weigh", "title": item.title, "toward": item.toward,
            "likelihood_ratio": round(item.likelihood_ratio, 3), "weight": round(item.weight, 3),
            "basis": item.basis, "family": item.family, "group": item.family,
            "family_joint_ratio": round(family.joint_ratio, 3) if family and family.joint else None,
            "explanation": item.explanation, "teaching_point": item.teaching_point, "sources": list(item.sources),
        }
    if isinstance(item, Family):
        return {"id": item.id, "kind": "family", "title": item.label, "why": item.why,
                "members": [r.id for r in book.weigh if r.family == item.id],
                "joint_ratio": round(item.joint_ratio, 3) if item.joint else None, "sources": list(item.joint_sources)}
    if isinstance(item, tuple):
        criterion_set, element = item
        return {"id": element.id, "kind": "criterion", "title": element.title, "criterion_set": criterion_set.id,
                "part": element.part, "explanation": element.explanation, "sources": [criterion_set.source]}
    return {"id": item.id, "kind": "consider", "title": item.title, "condition": item.condition,
            "settles": item.settles, "strength": item.strength, "why": item.why, "sources": list(item.sources)}


def validate(library: Library, paths: Sequence[str], case_dirs: Sequence[str] = ()):
    """`validate`: every problem of the named rule folders, rule, case and quiz files (a `validation.Report`)."""
    from mmn_ddx.validation import validate as check

    return check(list(paths), library, tuple(case_dirs))


def schema(library: Library, name: str) -> dict:
    """The JSON Schema of a public format, for the library's vocabulary."""
    from mmn_ddx.schemas import schema as build

    return build(name, library.vocabulary)


def case_ids(library: Library, prefix: str = "") -> list[str]:
    """Ids of the library's cases starting with `prefix` (shell completion)."""
    return [case_id for case_id in library.cases() if case_id.startswith(prefix)]


def rule_ids(library: Library, prefix: str = "") -> list[str]:
    """Ids `rules show` can explain, starting with `prefix` (shell completion)."""
    return [rule_id for rule_id in library.rulebook.ids() if rule_id.startswith(prefix)]


# The rest of the façade lives with its modules: the walk's pieces (the learner's call, the JSON
# events), the quiz and class-report commands, the documents, and writing a command's output.
# They are imported when first used (PEP 562), so `assess` does not pay for the quiz, the
# documents and Jinja2 at every start (about 40 ms of each process).
_ELSEWHERE = {
    "mmn_ddx.classroom": {"class_report": "class_report", "class_report_json": "report_json",
                          "class_report_csv": "report_csv", "report_items_csv": "report_items_csv",
                          "check_class_outputs": "check_outputs"},
    "mmn_ddx.walkthrough": {name: name for name in ("Call", "call_event", "end_event", "engine_event",
                                                     "investigation_event", "parse_call", "step_event")},
    "mmn_ddx.quiz.api": {name: name for name in ("generated_quiz", "paper_for", "quiz_key", "regrade_results",
                                                  "start_quiz")},
    "mmn_ddx.documents.commands": {name: name for name in ("class_report_page", "copy_templates", "export_all",
                                                            "export_anki", "export_case", "quiz_export",
                                                            "quiz_papers")},
    "mmn_ddx.documents": {"quiz_key_document": "quiz_key"},
    "mmn_ddx.files": {"save_output": "write_new_file"},
    # what the quiz's question loop asks of a typed answer
    "mmn_ddx.quiz": {name: name for name in ("LETTERS", "answer_help", "answer_problem", "is_skip", "match_answer")},
}
_WHERE = {name: (module, original) for module, names in _ELSEWHERE.items() for name, original in names.items()}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'mmn_ddx.api' has no attribute '{name}'")
    import importlib

    module, original = _WHERE[name]
    value = getattr(importlib.import_module(module), original)
    globals()[name] = value  # found once; later look-ups are plain attribute reads
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
