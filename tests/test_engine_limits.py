"""durable_rules' native limits: no valid case can overflow the engine, and a rule book that could is refused.

Dense cases overflowed durable_rules' 64-entry alpha stack (error 303, then aborts). The engine
now packs each round's rules into parts whose worst case is bounded when they are compiled
(mmn_ddx.alpha); these tests drive the densest cases the vocabulary allows through it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings

from conftest import run_cli, write
from mmn_ddx import alpha
from mmn_ddx.assessment import to_json
from bundled import assessor, vocabulary
from mmn_ddx.conditions import All, Any_, AtLeast, Compare
from mmn_ddx.engine import DurableEngine, PlainEngine, Target
from mmn_ddx.errors import InputError
from strategies import fired_count, full_findings, maximal_case, maximal_variants, near_maximal

DENSE = settings()  # examples per the profile loaded in conftest.py (default or long)


def test_the_bundled_rules_fit_durable_rules_stack_with_the_margin():
    engine = assessor("durable").engine
    assert engine.stack_bound <= alpha.STACK_BUDGET < alpha.STACK_SIZE


def test_the_maximal_case_fires_many_rules_and_both_engines_agree():
    case = maximal_case()
    assert len(case) == len(list(vocabulary()))  # every finding stated
    assert fired_count(case) >= 80  # the crashes began at 80 true conditions
    assert assessor("durable").engine.run(case) == assessor("plain").engine.run(case)
    assert to_json(assessor("durable").assess(case)) == to_json(assessor("plain").assess(case))


def test_every_value_of_every_finding_in_the_maximal_case():
    """The maximal case with each finding turned to each value the rules tell apart (every enum
    value, both truths, each side of each threshold, every region list)."""
    durable, plain = assessor("durable").engine, assessor("plain").engine
    for name, case in maximal_variants():
        assert durable.run(case) == plain.run(case), name


@DENSE
@given(full_findings())
def test_random_full_cases_agree_between_engines(case):
    assert assessor("durable").engine.run(case) == assessor("plain").engine.run(case)


@DENSE
@given(near_maximal())
def test_near_maximal_cases_assess_the_same_in_both_engines(case):
    assert to_json(assessor("durable").assess(case)) == to_json(assessor("plain").assess(case))


def test_a_wide_any_is_regrouped_not_refused():
    """any/all of many items is split into groups the engine can hold, with the same truth."""
    vocab = vocabulary()
    wide = Any_(tuple(Compare("age_at_onset", "ge", age) for age in range(1, 100)))
    both = All((wide, Compare("duration_months", "lt", 24)))
    targets = [Target("wide-any", wide, also_false=True), Target("wide-both", both, also_false=True)]
    durable, plain = DurableEngine(targets, vocab), PlainEngine(targets, vocab)
    assert durable.stack_bound <= alpha.STACK_BUDGET
    for case in ({}, {"age_at_onset": 0}, {"age_at_onset": 50}, {"age_at_onset": 110, "duration_months": 3},
                 {"age_at_onset": 0, "duration_months": 30}):
        assert durable.run(case) == plain.run(case), case


def test_a_rule_that_could_overflow_is_refused_when_compiled_naming_it():
    vocab = vocabulary()
    thresholds = tuple(Compare("age_at_onset", "ge", age) for age in range(1, 40))
    with pytest.raises(InputError) as refused:
        DurableEngine([Target("fine", thresholds[0]), Target("too-many-thresholds", AtLeast(2, thresholds))], vocab)
    message = str(refused.value)
    assert "rule 'too-many-thresholds'" in message and "durable_rules" in message and "fine" not in message


def test_validate_refuses_a_rule_file_that_could_overflow_the_engine(rules_copy):
    items = "\n".join(f"          - age_at_onset: {{ge: {age}}}" for age in range(1, 40))
    write(rules_copy / "weigh" / "zz-wide.yaml", textwrap.dedent("""\
        rules:
          - id: age-counted-twice
            title: Two of many age thresholds
            toward: als
            estimate: {ratio: 1.5, reasoning: A test rule.}
            explanation: A rule too wide for the engine.
            teaching_point: None.
            sources: [test]
            when:
              at_least:
                n: 2
                of:
        """) + items + "\n")
    result = run_cli(["validate", str(rules_copy)], exit_code=2)
    assert "age-counted-twice" in result.stderr and "Traceback" not in result.stderr


def test_the_model_limit_is_durable_rules_limit():
    """In a separate process (an overflow may abort it): a fact passing 64 first-level tests is
    matched, one passing 65 gets error 303 — the stack size the model assumes."""
    script = textwrap.dedent("""\
        import json, sys
        from mmn_ddx.engine import _c_module
        from mmn_ddx.alpha import STACK_SIZE, bound_of
        engine = _c_module()
        for n in (STACK_SIZE, STACK_SIZE + 1):
            rules = {f"r{i}": {"all": [{"m": {f"f{i}": True}}]} for i in range(n)}
            assert bound_of({k: r["all"][0]["m"] for k, r in rules.items()}, {}) == n
            handle = engine.create_ruleset(f"limit{n}", json.dumps(rules))
            try:
                engine.assert_fact(handle, json.dumps({"sid": "1", **{f"f{i}": True for i in range(n)}}))
                print(n, "ok")
            except Exception as error:
                print(n, error)
            sys.stdout.flush()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert lines[0] == f"{alpha.STACK_SIZE} ok"
    assert lines[1].startswith(f"{alpha.STACK_SIZE + 1} ") and "303" in lines[1]


def test_a_checked_packing_is_reused_and_a_damaged_one_ignored(tmp_path, monkeypatch):
    """The slow stack bound is computed once per rule book and kept on disk; a second process (here a
    second engine) reads it back, and a damaged file only means packing again."""
    from mmn_ddx.assessment import Assessor
    from bundled import rulebook

    from mmn_ddx import alpha

    monkeypatch.setenv("MMN_DDX_CACHE", str(tmp_path))
    packed = []  # rounds packed afresh, engine by engine
    real_pack = alpha.pack
    monkeypatch.setattr(alpha, "pack", lambda *args, **kwargs: packed.append(1) or real_pack(*args, **kwargs))
    first = Assessor(rulebook(), "durable").engine
    assert packed, "the first engine packs its rules"
    files = list(tmp_path.glob("packing-*.json"))
    assert len(files) == 1
    packed.clear()
    second = Assessor(rulebook(), "durable").engine
    assert not packed, "the second engine reads the packing back instead of packing again"
    assert second.parts == first.parts and second.stack_bound == first.stack_bound
    files[0].write_text("{not json")
    third = Assessor(rulebook(), "durable").engine
    assert packed, "a damaged packing is packed afresh"
    assert third.parts == first.parts
    case = {"conduction_block": "definite", "distal_cmap_too_low": False, "babinski": True}
    assert first.run(case) == second.run(case) == third.run(case)


def test_a_fact_orjson_refuses_is_written_by_the_json_module():
    """Facts go to durable_rules as orjson's text; an integer beyond 64 bits (which only a caller of
    the library, never a case file's bounded numbers, could give) is written by json instead."""
    import json

    from mmn_ddx.engine import _DUMPS

    fact = {"f1": 2 ** 70, "f2": True, "__p": 3, "sid": "s1"}
    assert json.loads(_DUMPS(fact)) == fact
    assert json.loads(_DUMPS({"f1": 1.5, "f2": "x"})) == {"f1": 1.5, "f2": "x"}
