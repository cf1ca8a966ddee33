"""Batches: streamed output, a fault kept to its case (exit 3), order kept across workers, the same
bytes under every PYTHONHASHSEED."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, run_cli, write
from mmn_ddx import engine as engine_module
from mmn_ddx.engine import fired_keys
from bundled import LIBRARY, assessor
from mmn_ddx.batch import json_bytes, pretty_json, record_bytes
from strategies import maximal_case, rule_values

CASES = ["electrician-finger-drop", "carpenter-cannot-pinch", "tongue-pushes-aside"]


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "batch"
    target.mkdir()
    for name in CASES:
        shutil.copy(ROOT / "cases" / f"{name}.yaml", target / f"{name}.yaml")
    return target


class _FailingOn:
    """durable_rules' C module, but assert_fact fails as it did on dense cases for one case."""

    def __init__(self, real, marker: str):
        self.real, self.marker = real, marker

    def __getattr__(self, name):
        return getattr(self.real, name)

    def assert_fact(self, handle, text):
        if self.marker in text:
            raise RuntimeError("Could not assert fact, error code: 303")
        return self.real.assert_fact(handle, text)


def _tongue_sign(durable) -> str:
    """How a fact handed to durable_rules says the tongue is wasted (fields go by short names)."""
    return f'"{durable._wire.names["tongue_wasting_or_fasciculation"]}":true'


def test_an_engine_fault_is_reported_for_its_case_and_the_batch_goes_on(folder, monkeypatch):
    real = engine_module._c_module()
    durable = assessor("durable").engine
    # tongue-pushes-aside is the only one of the three with a tongue sign
    monkeypatch.setattr(engine_module, "_c_module", lambda: _FailingOn(real, _tongue_sign(durable)))
    before = durable.ruleset
    result = run_cli(["assess", str(folder), "--json"], exit_code=3)
    done = [item["case"] for item in json.loads(result.stdout)]
    assert done == ["carpenter-cannot-pinch", "electrician-finger-drop"]
    message = result.stderr.strip().splitlines()
    assert len(message) == 1 and "tongue-pushes-aside.yaml" in message[0] and "303" in message[0]
    assert "Traceback" not in result.stderr
    # the state that raised is never used again: a fresh ruleset, which still answers correctly
    assert durable.ruleset != before
    monkeypatch.undo()
    case = maximal_case()
    assert durable.run(case) == assessor("plain").engine.run(case)


def test_a_fault_and_bad_input_in_one_batch_exit_3_and_name_both(folder, monkeypatch):
    write(folder / "zz-bad.yaml", "id: zz-bad\nfindings:\n  babinksi: true\n")
    real = engine_module._c_module()
    marker = _tongue_sign(assessor("durable").engine)
    monkeypatch.setattr(engine_module, "_c_module", lambda: _FailingOn(real, marker))
    result = run_cli(["assess", str(folder), "--jsonl"], exit_code=3)
    assert len(result.stdout.splitlines()) == 2
    assert "tongue-pushes-aside.yaml" in result.stderr and "babinksi" in result.stderr


def test_an_unexpected_error_is_one_line_and_exit_3(monkeypatch):
    from mmn_ddx import api

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(api, "case_list", broken)
    result = run_cli(["cases"], exit_code=3)
    assert result.stderr.count("\n") == 1 and "something inside broke" in result.stderr


def test_jsonl_is_one_object_a_line_equal_to_the_array(folder):
    lines = run_cli(["assess", str(folder), "--jsonl"]).stdout.splitlines()
    array = json.loads(run_cli(["assess", str(folder), "--json"]).stdout)
    assert [json.loads(line) for line in lines] == array
    assert len(lines) == len(CASES)


def test_json_and_jsonl_together_are_refused(folder):
    result = run_cli(["assess", str(folder), "--json", "--jsonl"], exit_code=2)
    assert "choose one" in result.stderr


def test_workers_keep_the_order_and_the_output(tmp_path):
    target = tmp_path / "many"
    target.mkdir()
    names = sorted(p.stem for p in (ROOT / "cases").glob("*.yaml"))
    for i in range(40):  # more than one chunk per worker
        name = names[i % len(names)]
        shutil.copy(ROOT / "cases" / f"{name}.yaml", target / f"{i:03d}-{name}.yaml")
    one = run_cli(["assess", str(target), "--jsonl", "--jobs", "1"]).stdout
    two = run_cli(["assess", str(target), "--jsonl", "--jobs", "2"]).stdout
    assert one == two and len(one.splitlines()) == 40


def test_jobs_must_be_positive(folder):
    result = run_cli(["assess", str(folder), "--jobs", "0"], exit_code=2)
    assert "--jobs" in result.stderr


def test_the_same_bytes_under_every_hash_seed(tmp_path):
    """A real process per PYTHONHASHSEED: the bundled cases and the maximal case, byte for byte."""
    dense = tmp_path / "dense.yaml"
    findings = {k: list(v) if isinstance(v, tuple) else v for k, v in maximal_case().items()}
    dense.write_text(json.dumps({"id": "dense", "findings": findings}), encoding="utf-8")  # JSON is YAML
    # and random cases over the values the rules tell apart: near-equal next-best findings, whose
    # order once followed set iteration (found by the soak run, not by the bundled cases)
    generated = tmp_path / "generated"
    generated.mkdir()
    rnd = random.Random(551)
    values = rule_values()
    for i in range(60):
        case = {f: rnd.choice(v) for f, v in values.items() if rnd.random() < 0.6}
        case = {k: list(v) if isinstance(v, tuple) else v for k, v in case.items()}
        (generated / f"g{i:02d}.yaml").write_text(json.dumps({"id": f"g{i:02d}", "findings": case}), encoding="utf-8")
    outputs = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "mmn_ddx", "assess", str(ROOT / "cases"), str(dense), str(generated),
                               "--json", "--what-if", "--jobs", "1"], capture_output=True, env=env, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert [item["case"] for item in json.loads(outputs[0])][-61] == "dense"


def test_the_weighing_of_fired_rules_does_not_depend_on_their_order():
    """What-if weighings sum rules taken from sets, whose order follows PYTHONHASHSEED: every
    order must give the same float, or near-equal next-best findings swap places between runs."""
    engine = assessor("plain")
    fired = [engine._weigh[key] for key in fired_keys(engine.engine.run(maximal_case())) if key in engine._weigh]
    assert len(fired) >= 10
    rnd = random.Random(7)
    sums = set()
    for _ in range(200):
        rnd.shuffle(fired)
        sums.add(engine._log_odds(fired))
    assert len(sums) == 1


def test_a_folder_larger_than_one_commands_reading_budget_is_assessed_file_by_file(tmp_path, monkeypatch):
    """The budget bounds what one piece of work reads (a hostile quiz and its cases), not how many
    independent files a batch may hold: every case of a big folder is assessed, one or two workers."""
    import mmn_ddx.yamlio

    rnd = random.Random(7)
    values = rule_values()
    for i in range(40):
        case = {f: rnd.choice(v) for f, v in values.items() if rnd.random() < 0.3}
        case = {k: list(v) if isinstance(v, tuple) else v for k, v in case.items()}
        write(tmp_path / f"g{i:02d}.yaml", json.dumps({"id": f"g{i:02d}", "findings": case}))
    monkeypatch.setattr(mmn_ddx.yamlio, "MAX_COMMAND_VALUES", 600)  # about ten of these cases together
    for jobs in ("1", "2"):
        result = run_cli(["assess", str(tmp_path), "--jsonl", "--jobs", jobs])
        assert [json.loads(line)["case"] for line in result.stdout.splitlines()] == [f"g{i:02d}" for i in range(40)]
    big = write(tmp_path / "quizzes" / "q.yaml", "a: [" + ", ".join(["1"] * 700) + "]\n")
    assert "would read more than" in run_cli(["validate", str(big)], exit_code=2).stderr  # one file still bounded


def _as_array_item(text: str) -> str:
    return text.replace("\n", "\n  ")


def test_the_json_writer_writes_what_json_dumps_writes_for_every_bundled_case():
    engine = assessor("durable")
    for path in LIBRARY.cases().values():
        case = LIBRARY.load_case(path)
        assessment = engine.assess_case(case, None, 0.05, {})
        found = engine.what_if(assessment.findings, assessment.prior)
        text = record_bytes(assessment, found, "json").decode("utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, indent=2, ensure_ascii=False)
        assert pretty_json(data, "\n  ") == _as_array_item(text)
        assert record_bytes(assessment, found, "json-item").decode("utf-8") == _as_array_item(text)
        assert record_bytes(assessment, found, "jsonl").decode("utf-8") == json.dumps(data, ensure_ascii=False,
                                                                                      separators=(",", ":"))


_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6),
                          st.sampled_from(["é", "\x1b[1m", "\u202e", '"', "\\", "\n"]))
_json_values = st.recursive(_json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
                    inner, max_size=4)), max_leaves=16)


@given(_json_values)
def test_the_json_writer_writes_what_json_dumps_writes_for_any_value(value):
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert pretty_json(value) == expected
    assert pretty_json(value, "\n  ") == _as_array_item(expected)


_extreme_floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                            st.sampled_from([1e-05, 1.5e-07, 9.99e-05, 1e-4, 1e16, 1.5e22, -2e-9, 5e-324]))
_record_values = st.recursive(st.one_of(_json_scalars.filter(lambda v: not (isinstance(v, float) and v != v)
                                                              and v not in (float("inf"), float("-inf"))),
                                        _extreme_floats, st.integers(min_value=-2**70, max_value=2**70)),
                              lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner, max_size=4)), max_leaves=16)


@given(_record_values)
def test_every_record_is_the_bytes_json_dumps_writes_whichever_writer_writes_it(value):
    """orjson writes most records; the floats it writes otherwise (1e-05 as 0.00001), the keys and
    integers it refuses, go through pretty_json: the bytes are json.dumps's either way."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    assert json_bytes(value, "json") == text.encode("utf-8")
    assert json_bytes(value, "json-item") == _as_array_item(text).encode("utf-8")
    assert json_bytes(value, "jsonl") == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_the_json_array_of_a_folder_is_json_dumps_of_its_items_byte_for_byte(folder):
    out = run_cli(["assess", str(folder), "--json"]).stdout
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"
    one = run_cli(["assess", str(folder / "electrician-finger-drop.yaml"), "--json"]).stdout
    assert json.loads(one) == json.loads(out)[1]
    assert one == json.dumps(json.loads(one), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_the_json_array_is_the_same_text_whatever_the_encoding_of_stdout(folder, encoding):
    """Workers hand the writer UTF-8 bytes; on another stdout encoding the text is what click writes."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "assess", str(folder), "--json", "--jobs", "2"],
                          capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode(encoding)
    assert "é" in text  # a source with an accent: the two encodings give different bytes
    assert text == run_cli(["assess", str(folder), "--json"]).stdout
