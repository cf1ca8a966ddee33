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
    """Assess case files, folders, bundled case ids, or command-line findings alone."""
    from mmn_ddx.assessment import DEFAULT_PRIOR, assessor, check_prior
    from mmn_ddx.cases import load_case, resolve

    from mmn_ddx.vocabulary import vocabulary

    prior = check_prior(DEFAULT_PRIOR if prior is None else prior)
    vocab = vocabulary()
    extra = parse_finding_options(finding_options)
    if not names and stage is not None:
        raise InputError(Problem(None, None, "--stage needs a case: findings given with --finding have no stages.",
                                 "Name a case, or leave out --stage."))
    if not names and not extra:
        raise InputError(Problem(None, None, "nothing to assess.", "Name a case file, a folder or a bundled case id, or give --finding id=value."))
    engine_ = assessor(engine)
    batch = Batch()
    if not names:
        known = {k: v for k, v in extra.items() if v is not None}  # `id=unknown` is simply left out
        batch.assessments.append(engine_.assess(known, case_id="command-line", title="Findings given on the command line", prior=prior))
        return batch
    for path in resolve(names):
        try:
            case = load_case(path)
            assessment = engine_.assess_case(case, stage, prior, extra)
        except InputError as error:
            batch.problems.extend(error.problems)
            continue
        disclosed = case.findings_through(stage)
        for finding, value in extra.items():
            if finding in disclosed and value is None:
                assessment.warnings.append(f"--finding {finding}=unknown set it back to unknown (the case gives "
                                           f"'{vocab.show(finding, disclosed[finding])}') for this assessment.")
            elif finding in disclosed and disclosed[finding] != value:
                assessment.warnings.append(f"--finding {finding} replaced the case's value "
                                           f"('{vocab.show(finding, disclosed[finding])}') for this assessment.")
        batch.cases.append(case)
        batch.assessments.append(assessment)
    return batch


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


def what_if(assessment, engine: str = "durable"):
    """The smallest sets of unknown findings that would change this assessment's leaning."""
    from mmn_ddx.assessment import assessor

    return assessor(engine).what_if(assessment.findings, assessment.prior)


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
