"""What the commands call: one function per job, returning plain data and never printing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.model import Assessment, Case


@dataclass
class Batch:
    """Assessments of the cases that could be read, and the problems of those that could not."""

    assessments: list[Assessment] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_finding_options(options: Sequence[str]) -> dict:
    """`--finding id=value` options, checked against the vocabulary (all problems together)."""
    from mmn_ddx.vocabulary import vocabulary

    vocab = vocabulary()
    findings: dict = {}
    problems: list[Problem] = []
    for option in options:
        if "=" not in option:
            problems.append(Problem(None, None, f"--finding '{option}' must be written id=value.", "E.g. --finding conduction_block=definite."))
            continue
        finding, text = (part.strip() for part in option.split("=", 1))
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


def assess(names: Sequence[str], *, stage: str | None = None, finding_options: Sequence[str] = (),
           prior: float | None = None, engine: str = "durable") -> Batch:
    """Assess case files, folders, bundled case ids, or command-line findings alone.

    Bad input is collected in `problems`; an internal fault on a case is raised (EngineError).
    For many cases, `assess_stream` yields each as it is done instead.
    """
    from mmn_ddx.errors import EngineError

    batch = Batch()
    for item in assess_stream(names, stage=stage, finding_options=finding_options, prior=prior, engine=engine):
        if item.fault:
            raise EngineError(f"{item.path}: {item.fault}" if item.path else item.fault)
        batch.problems.extend(item.problems)
        if item.assessment is not None:
            batch.assessments.append(item.assessment)
    return batch


def assess_stream(names: Sequence[str], *, stage: str | None = None, finding_options: Sequence[str] = (),
                  prior: float | None = None, engine: str = "durable", what_if: bool = False,
                  record: str = "assessment", jobs: int | None = 1):
    """One `batch.Item` per case, in order, as each is assessed (`jobs` processes; None: every core).

    `record` is "assessment" (items carry the Assessment) or "json" / "jsonl" (items carry the
    JSON text, made in the worker). A file that cannot be read gives an item with its problems, a
    fault of the engine an item with the fault; the batch goes on either way. Problems with the
    command itself (no such case, a bad --finding) are raised before any case is assessed.
    """
    from mmn_ddx.assessment import DEFAULT_PRIOR, assessor, check_prior
    from mmn_ddx.batch import Item, Job, assess_paths, default_jobs, record_text
    from mmn_ddx.cases import resolve

    prior = check_prior(DEFAULT_PRIOR if prior is None else prior)
    extra = parse_finding_options(finding_options)
    if not names and stage is not None:
        raise InputError(Problem(None, None, "--stage needs a case: findings given with --finding have no stages.",
                                 "Name a case, or leave out --stage."))
    if not names and not extra:
        raise InputError(Problem(None, None, "nothing to assess.", "Name a case file, a folder or a bundled case id, or give --finding id=value."))
    if jobs is not None and jobs < 1:
        raise InputError(Problem(None, None, f"--jobs must be 1 or more, not {jobs}.", "Leave it out to use every core."))
    job = Job(stage, extra, prior, engine, what_if, record)
    if not names:
        engine_ = assessor(engine)
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
            yield Item(None, text=record_text(assessment, found, record))
        return
    paths = [str(path) for path in resolve(names)]
    yield from assess_paths(paths, job, default_jobs() if jobs is None else jobs)


def find_case(name: str):
    """A case named by path or by the id of a bundled case (nearest ids suggested)."""
    from mmn_ddx.cases import load_case, resolve

    paths = resolve([name])
    if len(paths) != 1:
        raise InputError(Problem(name, None, "names a folder; name one case.", "E.g. electrician-finger-drop."))
    return load_case(paths[0])


def case_list(diagnosis: str | None = None, difficulty: int | None = None) -> list[Case]:
    """The bundled case library, filtered; a broken bundled file is reported, not skipped."""
    from mmn_ddx.cases import library, load_case

    cases = [load_case(path) for path in library().values()]
    if diagnosis == "mimic":
        cases = [c for c in cases if c.diagnosis not in ("mmn", "als")]
    elif diagnosis:
        cases = [c for c in cases if c.diagnosis == diagnosis]
    if difficulty:
        cases = [c for c in cases if c.difficulty == difficulty]
    return sorted(cases, key=lambda c: c.id)


def start_walk(name: str | None, *, seed: int | None = None, difficulty: int | None = None,
               diagnosis: str | None = None, answers_path: str | None = None, prior: float | None = None):
    """A walkthrough of a named case (or one picked at random), with the learner's answers file."""
    from mmn_ddx.assessment import DEFAULT_PRIOR, assessor, check_prior
    from mmn_ddx.cases import library, load_case
    from mmn_ddx.walkthrough import Walkthrough, load_answers, pick_case

    prior = check_prior(DEFAULT_PRIOR if prior is None else prior)
    if name and (seed is not None or difficulty is not None or diagnosis is not None):
        raise InputError(Problem(None, None, "--seed, --difficulty and --diagnosis choose a random case; they do not apply to a named case.",
                                 f"Run 'mmn-ddx walk {name}' alone, or leave out the case name."))
    case = find_case(name) if name else load_case(pick_case(library(), seed, difficulty, diagnosis))
    answers = load_answers(answers_path, case) if answers_path else None
    return Walkthrough(case, assessor("durable"), prior), answers


def explain(assessment, previous=None):
    """What the evidence did, family by family, from `previous` (default: the prior alone)."""
    from mmn_ddx.explain import changes
    from mmn_ddx.rulebook import rulebook

    return changes(assessment, previous, rulebook().families)


# The quiz and class commands' functions live with the quiz package and the classroom; they are part of this façade.
from mmn_ddx.classroom import class_report  # noqa: E402,F401
from mmn_ddx.quiz.api import generated_quiz, paper_for, quiz_key, regrade_results, start_quiz  # noqa: E402,F401

# The document commands (handouts, keys, papers, exports) live with the documents.
from mmn_ddx.documents.commands import (  # noqa: E402,F401
    class_report_page, copy_templates, export_all, export_anki, export_case, quiz_export, quiz_papers,
)
