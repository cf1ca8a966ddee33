"""Generating a quiz from the case library: engine-graded questions, the same for the same count and seed."""

from __future__ import annotations

import json
import random
import re
from typing import TYPE_CHECKING, Any

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.formats import CRITERION_SETS
from mmn_ddx.model import Case
from mmn_ddx.quiz.kinds import BUILDERS, CLEAR_MARGIN, ItemContext, option_rng
from mmn_ddx.quiz.loading import Question, Quiz, quiz_from_text

if TYPE_CHECKING:
    from mmn_ddx.library import Library

GENERATED_KINDS = ("leaning", "discriminator", "criteria", "next_investigation", "consider")
CRITERIA_FOR_GENERATION = tuple(CRITERION_SETS)


def generated_id(count: int, seed: int | None) -> str:
    """How results name a generated quiz, enough to generate it again."""
    return f"generated-{count}-seed-{0 if seed is None else seed}"


def parse_generated_id(quiz_id: str) -> tuple[int, int] | None:
    """(count, seed) of a generated quiz's id; None for any other id."""
    match = re.fullmatch(r"generated-(\d+)-seed-(-?\d+)", quiz_id)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _yaml_scalar(value: Any) -> str:
    """A scalar for the generated YAML: a plain word when safe, else a JSON string (valid YAML)."""
    text = str(value)
    if re.fullmatch(r"[a-z][a-z0-9_-]*", text) and text not in ("yes", "no", "on", "off", "true", "false", "null", "y", "n"):
        return text
    return json.dumps(text, ensure_ascii=False)


def generate(count: int, library: Library, seed: int | None = None, engine: str = "durable") -> tuple[Quiz, str]:
    """A quiz of `count` engine-graded questions drawn from the library's cases, and its YAML text.

    The same count, seed and library give the same text on any machine; the kinds take turns,
    each on a different case where possible, and every question is one the engine can grade.
    """
    from mmn_ddx.cases import load_case

    if count < 1:
        raise InputError(Problem(None, None, f"--generate needs at least one question, not {count}."))
    seed_ = 0 if seed is None else seed
    rng = random.Random(f"mmn-ddx/generate/{seed_}")
    cases = [load_case(path, library.vocabulary) for _, path in sorted(library.cases().items())]
    pools = _question_pools(cases, rng)
    kinds = list(GENERATED_KINDS)
    rng.shuffle(kinds)
    chosen = _draw(pools, kinds, count, ItemContext(library, engine))
    if len(chosen) < count:
        raise InputError(Problem(None, None, f"the case library yields only {len(chosen)} distinct questions the engine can grade, not {count}.",
                                 f"Ask for at most {len(chosen)}."))
    text = _generated_text(chosen, count, seed_)
    return quiz_from_text(text, f"<generated: --generate {count} --seed {seed_}>", library), text


def _question_pools(cases: list[Case], rng: random.Random) -> dict[str, list[tuple[Case, int, str | None]]]:
    """For each kind, every (case, stage, criterion set) it could ask about, in a seeded order."""
    pools: dict[str, list] = {}
    for kind in GENERATED_KINDS:
        pool = []
        for case in cases:
            last = len(case.stages) - 1
            names = [s.name for s in case.stages]
            first_electro = names.index("electrodiagnosis") if "electrodiagnosis" in names else last
            if kind == "criteria":
                pool += [(case, i, s) for i in range(first_electro, last + 1) for s in CRITERIA_FOR_GENERATION]
            elif kind == "next_investigation":
                pool += [(case, i, None) for i in range(last)]
            else:
                pool += [(case, i, None) for i in range(last + 1)]
        rng.shuffle(pool)
        pools[kind] = pool
    return pools


def _draw(pools: dict[str, list], kinds: list[str], count: int, ctx: ItemContext) -> list[tuple[str, Case, int, str | None]]:
    """Up to `count` questions, the kinds taking turns, until every kind has run out."""
    chosen: list[tuple[str, Case, int, str | None]] = []
    used: dict[str, set] = {kind: set() for kind in GENERATED_KINDS}
    turn = 0
    stalled = 0
    while len(chosen) < count and stalled < len(kinds):
        kind = kinds[turn % len(kinds)]
        turn += 1
        pool = pools[kind]
        found = _next_gradable(kind, pool, used[kind], ctx)
        if found is None:
            stalled += 1
            continue
        stalled = 0
        used[kind].add(found[0].id)
        chosen.append((kind, *found))
        for candidate in list(pool):  # one question per case, stage and kind
            if candidate[0].id == found[0].id and candidate[1] == found[1]:
                pool.remove(candidate)
    return chosen


_PROBE_QUIZ = Quiz("generated", "", (), (), "<generated>", "")


def _next_gradable(kind: str, pool: list, used_cases: set, ctx: ItemContext) -> tuple | None:
    """The first entry of the pool the engine can grade, taken out of it: a case not yet used for this kind first."""
    for fresh_only in (True, False):
        for index, (case, stage, criteria) in enumerate(pool):
            if fresh_only and case.id in used_cases:
                continue
            question = Question(id="probe", kind=kind, case=case, stage=stage, criteria=criteria)
            try:
                _check_generated(question, ctx, _PROBE_QUIZ)
            except InputError:
                continue
            return pool.pop(index)
    return None


def _check_generated(question: Question, ctx: ItemContext, quiz: Quiz) -> None:
    a = ctx.assess(question.case, question.stage)
    if question.kind == "next_investigation" and (not a.next_best or a.next_best[0].swing < CLEAR_MARGIN):
        raise InputError(Problem(None, None, "too little to gain"))
    if question.kind == "discriminator" and len(a.findings) < 3:
        raise InputError(Problem(None, None, "too few findings"))
    BUILDERS[question.kind](question, a, option_rng(0, "probe"), ctx, quiz)


def _generated_text(chosen: list, count: int, seed: int) -> str:
    lines = [
        f"# Generated by: mmn-ddx quiz generate {count} --seed {seed}",
        "# Every question is graded by the engine when the quiz runs; edit freely, then 'mmn-ddx validate' it.",
        "version: 1",
        f"title: {_yaml_scalar(f'Generated quiz: {count} questions from the case library (seed {seed})')}",
        f"description: {_yaml_scalar('Drawn at random from the bundled cases; the engine computes every answer.')}",
        "cases:",
    ]
    for case_id in sorted({case.id for _, case, _, _ in chosen}):
        lines.append(f"  - {_yaml_scalar(case_id)}")
    lines.append("questions:")
    for number, (kind, case, stage, criteria) in enumerate(chosen, 1):
        lines.append(f"  - id: q{number}")
        lines.append(f"    kind: {kind}")
        lines.append(f"    case: {_yaml_scalar(case.id)}")
        lines.append(f"    stage: {_yaml_scalar(case.stages[stage].name)}")
        if criteria:
            lines.append(f"    criteria: {criteria}")
    return "\n".join(lines) + "\n"

