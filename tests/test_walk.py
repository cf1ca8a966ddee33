"""The case walkthrough: every branch of `walk`, scripted and live, and the case browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_cli, write
from mmn_ddx.assessment import DEFAULT_PRIOR
from bundled import library, load_case, rulebook, vocabulary
from mmn_ddx.walkthrough import Call, brier, parse_call

DIAGNOSES = vocabulary().diagnoses


@pytest.mark.parametrize(
    "text, leaning, confidence",
    [("mmn", "mmn", None), ("M", "mmn", None), ("a", "als", None), ("ALS 80", "als", 80),
     ("u", "undecided", None), ("not sure", "undecided", None), ("mmn 70%", "mmn", 70), ("als 0.6", "als", 60),
     ("cidp", "cidp", None), ("Kennedy 60", "kennedy_disease", 60), ("lewis-sumner", "lewis_sumner_syndrome", None),
     ("IBM", "inclusion_body_myositis", None), ("hirayama_disease 0.5", "hirayama_disease", 50),
     ("multifocal acquired motor axonopathy", "multifocal_acquired_motor_axonopathy", None)],
)
def test_calls_accept_any_diagnosis_in_the_usual_short_forms(text, leaning, confidence):
    call = parse_call(text, DIAGNOSES)
    assert isinstance(call, Call) and call.leaning == leaning and call.confidence == confidence
    assert sum(call.distribution.values()) == pytest.approx(1)


def test_a_differential_is_read_as_written_and_the_rest_goes_to_mmn_and_als():
    call = parse_call("mmn 0.6, als 0.3, cidp 0.1", DIAGNOSES)
    assert call.leaning == "mmn" and call.distribution == pytest.approx({"mmn": 0.6, "als": 0.3, "cidp": 0.1})
    assert parse_call("mmn 70", DIAGNOSES).distribution == pytest.approx({"mmn": 0.7, "als": 0.3})
    assert parse_call("cidp 60", DIAGNOSES).distribution == pytest.approx({"cidp": 0.6, "mmn": 0.2, "als": 0.2})
    assert parse_call("mmn 50, als 50", DIAGNOSES).leaning == "undecided"  # no single leader


def test_a_wrong_call_says_what_is_wanted():
    assert "a differential" in parse_call("maybe", DIAGNOSES) and "'list'" in parse_call("maybe", DIAGNOSES)
    assert "Did you mean 'cidp'?" in parse_call("cdip 60", DIAGNOSES)
    assert parse_call("?", DIAGNOSES) == "?"
    assert "0 to 100" in parse_call("mmn 250", DIAGNOSES)
    assert "add up to 1.20" in parse_call("mmn 80, als 40", DIAGNOSES)
    assert "named twice" in parse_call("mmn 50, m 20", DIAGNOSES)


def test_the_brier_score_runs_from_0_right_and_sure_to_2_wrong_and_sure():
    everyone = ["mmn", "als", "cidp"]
    assert brier({"mmn": 1.0}, "mmn", everyone) == 0
    assert brier({"als": 1.0}, "mmn", everyone) == 2
    assert brier({"mmn": 0.5, "als": 0.5}, "mmn", everyone) == pytest.approx(0.5)


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_no_input_plays_the_whole_case():
    out = run_cli(["walk", "electrician-finger-drop", "--no-input"]).stdout
    for stage in ("history", "examination", "electrodiagnosis", "laboratory", "treatment"):
        assert f": {stage}" in out
    assert "Diagnosis: MMN" in out
    assert "Your calls against the diagnosis and the engine's" in out
    assert "Formal criteria" in out


def test_json_events_one_per_line():
    found = events(run_cli(["walk", "thick-slow-voice", "--json"]).stdout)
    kinds = [e["event"] for e in found]
    assert kinds[0] == "stage" and kinds[-1] == "end"
    assert kinds.count("stage") == kinds.count("engine")
    engine = [e for e in found if e["event"] == "engine"]
    assert engine[-1]["assessment"]["leaning"] == "als"
    assert engine[0]["previous_p_mmn"] == DEFAULT_PRIOR


def test_answers_file_drives_calls_and_investigations(tmp_path):
    answers = write(tmp_path / "answers.yaml",
                    "history: {call: mmn, confidence: 60, investigate: conduction_block}\nexamination: als\n")
    found = events(run_cli(["walk", "electrician-finger-drop", "--answers", str(answers), "--json"]).stdout)
    calls = [e for e in found if e["event"] == "call"]
    assert [(c["stage"], c["call"], c["confidence"]) for c in calls] == [("history", "mmn", 60), ("examination", "als", None)]
    investigation = next(e for e in found if e["event"] == "investigation")
    assert investigation["chosen"] == "conduction_block"
    assert investigation["best_swing"] >= investigation["chosen_swing"] > 0
    end = found[-1]
    assert end["calls"] == 2 and end["final_call"] == "als"


@pytest.mark.parametrize(
    "body, message",
    [("examinaton: mmn\n", "Did you mean 'examination'?"),
     ("history: maybe\n", "a differential"),
     ("history: cdip\n", "Did you mean 'cidp'?"),
     ("history: {call: 'mmn 0.6, als 0.3, cidp 0.1', confidence: 60}\n", "this call is a differential"),
     ("history: {call: mmn, confidance: 3}\n", "Did you mean 'confidence'?"),
     ("history: {call: mmn, investigate: conduction_blok}\n", "Did you mean 'conduction_block'?")],
)
def test_bad_answers_files_are_explained(tmp_path, body, message):
    answers = write(tmp_path / "answers.yaml", body)
    result = run_cli(["walk", "electrician-finger-drop", "--answers", str(answers)], exit_code=2)
    assert message in " ".join(result.stderr.split())


def test_interactive_branches_wrong_answer_what_if_and_investigation():
    script = "\n".join(["perhaps", "?", "m 70", "?", "1", "als", "zzz", "", "mmn", "", "mmn", "", "mmn", "", "mmn"]) + "\n"
    out = run_cli(["walk", "electrician-finger-drop"], input=script).stdout
    assert "not a diagnosis on the list" in out  # the wrong answer is re-asked
    assert "opens after your call" in out  # '?' before the call is refused
    assert "What would change the leaning" in out  # '?' after it
    assert "most informative" in out or "already settled" in out  # graded investigation
    assert "Give a number from the list" in out  # a bad investigation is re-asked
    assert "mmn 0.70, als 0.30" in out  # the report shows the call as it was read
    assert "Score: " in out and "Brier score" in out


def test_list_names_every_diagnosis_at_the_prompt():
    out = run_cli(["walk", "electrician-finger-drop"], input="list\nmmn\n\nmmn\n\nmmn\n\nmmn\n\nmmn\n").stdout
    assert "kennedy_disease" in out and "multifocal_acquired_motor_axonopathy" in out


def test_answers_file_takes_a_differential_and_the_end_carries_the_score(tmp_path):
    answers = write(tmp_path / "answers.yaml",
                    "history: mmn 0.6, als 0.3, cidp 0.1\nexamination: {call: {mmn: 0.7, als: 0.3}}\n"
                    "electrodiagnosis: mmn 95\nlaboratory: cidp\n")
    found = events(run_cli(["walk", "electrician-finger-drop", "--answers", str(answers), "--json"]).stdout)
    calls = [e for e in found if e["event"] == "call"]
    assert calls[0]["distribution"] == {"mmn": 0.6, "als": 0.3, "cidp": 0.1}
    assert calls[0]["against_engine"]["engine_p_mmn"] > 0 and "brier" not in calls[0]  # no score against the diagnosis yet
    end = found[-1]
    assert end["final_call"] == "cidp" and end["final_correct"] is False
    assert end["score"]["rule"] == "brier" and end["score"]["final"] == 2.0
    assert end["report"][0]["brier"] == pytest.approx(0.4 ** 2 + 0.3 ** 2 + 0.1 ** 2)


@pytest.mark.parametrize("case_id", sorted(library()))
def test_every_bundled_case_can_be_answered_and_ends_with_a_score(tmp_path, case_id):
    """Mimic cases too: the true condition is an answer, graded right and scored."""
    case = load_case(library()[case_id])
    right = write(tmp_path / "right.yaml", "".join(f"{n}: {case.diagnosis}\n" for n in range(1, len(case.stages) + 1)))
    end = events(run_cli(["walk", case_id, "--answers", str(right), "--json"]).stdout)[-1]
    assert end["final_call"] == case.diagnosis and end["final_correct"] is True
    assert end["score"]["overall"] == 0 and end["score"]["stages_scored"] == len(case.stages)
    wrong = "als" if case.diagnosis != "als" else "mmn"
    hedged = write(tmp_path / "hedged.yaml", f"1: {wrong} 0.5, {case.diagnosis} 0.3\n")
    end = events(run_cli(["walk", case_id, "--answers", str(hedged), "--json"]).stdout)[-1]
    assert end["final_correct"] is False and 0 < end["score"]["overall"] < 2


def test_interrupted_walk_ends_with_a_summary():
    result = run_cli(["walk", "electrician-finger-drop"], input="mmn\n\nals\n", exit_code=130)
    assert "Walkthrough stopped at stage" in result.stderr
    assert "Traceback" not in result.stderr


def test_random_walk_is_repeatable_with_a_seed():
    first = events(run_cli(["walk", "--seed", "3", "--json"]).stdout)[0]["case"]
    second = events(run_cli(["walk", "--seed", "3", "--json"]).stdout)[0]["case"]
    assert first == second
    picked = {events(run_cli(["walk", "--seed", str(s), "--diagnosis", "als", "--json"]).stdout)[0]["case"] for s in range(6)}

    assert all(load_case(library()[case]).diagnosis == "als" for case in picked) and len(picked) > 1


def test_unknown_case_suggests_the_nearest_id():
    result = run_cli(["walk", "electrician-finger-dorp"], exit_code=2)
    assert "Did you mean 'electrician-finger-drop'?" in result.stderr


def test_what_if_lists_findings_that_would_change_the_leaning():
    data = json.loads(run_cli(["assess", "electrician-finger-drop", "--stage", "history", "--what-if", "--json"]).stdout)
    assert data["what_if"]
    for item in data["what_if"]:
        assert item["leaning"] != data["leaning"]
        assert item["rules"] and all(r["likelihood_ratio"] > 1 for r in item["rules"])
    assert "What would change the leaning" in run_cli(["assess", "electrician-finger-drop", "--stage", "history", "--what-if"]).stdout


# ----------------------------------------------------------------------------- cases and criteria
def test_cases_list_filters_and_hides_the_diagnosis():
    listed = json.loads(run_cli(["cases", "--json"]).stdout)
    assert len(listed) >= 30 and "diagnosis" not in listed[0]
    als = json.loads(run_cli(["cases", "--diagnosis", "als", "--json", "--reveal"]).stdout)
    assert als and all(c["diagnosis"] == "als" for c in als)
    easy = json.loads(run_cli(["cases", "--difficulty", "1", "--json"]).stdout)
    assert all(c["difficulty"] == 1 for c in easy)
    assert "Case library" in run_cli(["cases"]).stdout


def test_cases_show_keeps_the_diagnosis_for_reveal():
    hidden = run_cli(["cases", "show", "electrician-finger-drop"]).stdout
    assert "Diagnosis:" not in hidden and "--reveal" in hidden
    shown = run_cli(["cases", "show", "electrician-finger-drop", "--reveal"]).stdout
    assert "Diagnosis: mmn" in shown


def test_criteria_command_shows_the_panel_and_json():
    out = run_cli(["criteria", "electrician-finger-drop"]).stdout
    assert "Formal criteria" in out and "definite" in out and "✓" in out
    data = json.loads(run_cli(["criteria", "electrician-finger-drop", "--json"]).stdout)
    assert data["criteria"]["efns_pns_2010_mmn"] == "definite"
    elements = data["criteria_detail"]["efns_pns_2010_mmn"]["elements"]
    assert {e["status"] for e in elements} <= {"met", "failed", "unknown"}


def test_insufficient_data_names_what_is_missing():
    data = json.loads(run_cli(["criteria", "electrician-finger-drop", "--stage", "history", "--json"]).stdout)
    detail = data["criteria_detail"]["efns_pns_2010_mmn"]
    assert data["criteria"]["efns_pns_2010_mmn"] == "insufficient_data"
    assert detail["missing_findings"] and detail["undecided_categories"]


def test_disagreement_is_a_teaching_moment():
    # Leans MMN on strong serology and IVIg response, but the EFNS/PNS clinical core is not met.
    data = json.loads(run_cli(["assess", "-f", "age_at_onset=35", "-f", "anti_gm1_igm=high_titre", "-f", "ivig_response=improved",
                               "-f", "conduction_block=definite", "-f", "objective_sensory_loss=present",
                               "--json"]).stdout)
    assert data["leaning"] == "mmn"
    assert data["criteria"]["efns_pns_2010_mmn"] == "excluded"
    assert any("leans MMN" in line for line in data["disagreement"])


# ----------------------------------------------------------------------------- a real terminal
class Terminal:
    """A tmux session running one command, read back as the learner would see it."""
    def __init__(self, command: str, width: int = 120):
        self.session = f"mmnddx{int(time.time() * 1000) % 100000}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", str(width), "-y", "50",
                        f"cd {ROOT} && {command}; echo WALK-EXIT-$?; sleep 30"], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session, "-S", "-2000"],
                              capture_output=True, text=True).stdout

    # A guard against a hung walk, not a timing: on a loaded 2-core machine a step can take seconds.
    def wait_for(self, text: str, timeout: float = 60, count: int = 1) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            shown = self.screen()
            if shown.count(text) >= count:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared {count} time(s):\n{self.screen()}")

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


@needs_tmux
def test_walk_in_a_real_terminal():
    term = Terminal(f"{sys.executable} -m mmn_ddx walk electrician-finger-drop")
    try:
        term.wait_for("Your call")
        term.send("mmn 60", "Enter")
        term.wait_for("Ask for")
        term.send("C-c")
        shown = term.wait_for("WALK-EXIT-")
        assert "Walkthrough stopped at stage 1" in shown
        assert "WALK-EXIT-130" in shown
    finally:
        term.close()


@needs_tmux
def test_a_full_walk_in_a_real_terminal_with_a_differential_and_what_if():
    term = Terminal(f"{sys.executable} -m mmn_ddx walk electrician-finger-drop", width=80)
    try:
        term.wait_for("Your call")
        term.send("?", "Enter")  # refused before the call
        term.wait_for("opens after your call")
        term.send("mmn 0.6, als 0.3, cidp 0.1", "Enter")
        term.wait_for("Ask for")
        assert "read as: mmn 0.60, als 0.30, cidp 0.10" in term.screen()
        term.send("?", "Enter")  # allowed after it
        term.wait_for("What would change the leaning")
        term.send("1", "Enter")
        for stage in range(2, 6):
            term.wait_for(f"Stage {stage} of 5")
            term.send("mmn 0.9, als 0.1", "Enter")
            if stage < 5:
                term.wait_for("Which investigation", count=stage)
                term.send("", "Enter")
        shown = term.wait_for("WALK-EXIT-")
        assert "WALK-EXIT-0" in shown and "Diagnosis: MMN" in shown
        assert "Score:" in shown and "Your last call, mmn: right." in shown
    finally:
        term.close()


# ----------------------------------------------------------------------------- why it moved
def test_each_stage_says_why_it_moved_and_the_changes_chain_to_the_new_p():
    found = events(run_cli(["walk", "electrician-finger-drop", "--json"]).stdout)
    for engine in (e for e in found if e["event"] == "engine"):
        counted = [c for c in engine["changes"] if c["kind"] in ("counted", "no_longer_counts")]
        p = engine["previous_p_mmn"]
        for change in counted:
            assert change["p_mmn_before"] == pytest.approx(p, abs=1e-3) and change["teaching_point"]
            p = change["p_mmn_after"]
        assert p == pytest.approx(engine["assessment"]["probability"]["mmn"], abs=1e-3)
    electro = next(e for e in found if e["event"] == "engine" and e["stage"] == "electrodiagnosis")
    block = next(c for c in electro["changes"] if c["rule"] == "cb-definite")
    assert block["family"] == "conduction-block" and block["p_mmn_after"] > block["p_mmn_before"]


def test_the_walk_prints_the_teaching_point_family_and_change_in_p():
    from click.testing import CliRunner
    from mmn_ddx.cli import main

    result = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["walk", "electrician-finger-drop", "--no-input"])
    out = " ".join(result.output.split())
    assert "Why it moved" in out
    assert " ".join(rulebook().rule("cb-definite").teaching_point.split()) in out
    from mmn_ddx.assessment import show_p

    found = events(run_cli(["walk", "electrician-finger-drop", "--json"]).stdout)
    block = next(c for e in found if e["event"] == "engine" for c in e["changes"] if c["rule"] == "cb-definite")
    assert "[family: Motor conduction block" in out
    assert f"{show_p(block['p_mmn_before'])} → {show_p(block['p_mmn_after'])}" in out


@pytest.mark.parametrize("case_id", sorted(library()))
def test_assess_brief_fits_one_screen_at_80_columns(case_id):
    from click.testing import CliRunner
    from mmn_ddx.cli import main

    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["assess", case_id, "--brief"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) <= 40, result.output
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert "Why, from the prior" in result.output or "No discriminating finding" in result.output


def test_the_waterfall_runs_from_the_prior_with_mmn_on_the_left():
    from mmn_ddx.render.assessment import waterfall_bar

    toward_mmn, toward_als = waterfall_bar(0.15, 0.78, 16).plain, waterfall_bar(0.78, 0.15, 16).plain
    assert toward_mmn.index("◀") < toward_mmn.index("━") and toward_als.index("━") < toward_als.index("▶")
    assert waterfall_bar(0.15, 0.15, 16).plain.count("●") == 1
    brief = run_cli(["assess", "electrician-finger-drop", "--brief"]).stdout
    assert "waterfall" in brief and brief.count("◀") >= 3
    walk = run_cli(["walk", "electrician-finger-drop", "--no-input"]).stdout
    assert "How each stage moved P(MMN)" in walk


# ----------------------------------------------------------------------------- no spoilers
def _with_other_answer(tmp_path, case_id):
    """The same case with another diagnosis and another source: what differs before the reveal is a spoiler."""
    import yaml


    data = yaml.safe_load(library()[case_id].read_text(encoding="utf-8"))
    data["diagnosis"] = "als" if data["diagnosis"] != "als" else "mmn"
    data["source"] = "A different source altogether"
    data.pop("expected_criteria", None)
    return write(tmp_path / f"{case_id}.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("case_id", sorted(library()))
def test_nothing_before_the_reveal_depends_on_the_diagnosis(tmp_path, case_id):
    """Every event before `end` is the same whatever the case's diagnosis and source, and none
    names the diagnosis's label or the source; the text walk likewise up to 'Diagnosis:'."""

    case = load_case(library()[case_id])
    other = _with_other_answer(tmp_path, case_id)
    answers = write(tmp_path / "answers.yaml", "1: mmn 0.5, als 0.3, cidp 0.2\n2: undecided\n")
    runs = []
    for name in (case_id, str(other)):
        found = events(run_cli(["walk", name, "--answers", str(answers), "--json"]).stdout)
        assert found[-1]["event"] == "end"
        runs.append(found[:-1])
    assert runs[0] == runs[1]
    label = vocabulary().diagnosis_label(case.diagnosis).lower()
    source = " ".join(case.source.lower().split())
    for event in runs[0]:
        for text in (" ".join(s.lower().split()) for s in _strings(event)):
            assert source not in text
            # The engine's own words (its red flags, rule sources) name diagnoses whatever the case is,
            # which the comparison above proves; the case's own text must not name its answer.
            assert event["event"] == "engine" or label not in text
    shown = [run_cli(["walk", name, "--answers", str(answers)]).stdout for name in (case_id, str(other))]
    before = [" ".join(out.split("\nDiagnosis: ")[0].split()) for out in shown]
    assert before[0] == before[1] and source not in before[0].lower()


def test_cases_show_hides_the_source_until_reveal():
    case = load_case(library()["electrician-finger-drop"])
    hidden = " ".join(run_cli(["cases", "show", "electrician-finger-drop"]).stdout.split())
    assert "EFNS/PNS guideline on multifocal motor neuropathy" not in hidden
    shown = " ".join(run_cli(["cases", "show", "electrician-finger-drop", "--reveal"]).stdout.split())
    assert " ".join(case.source.split())[:60] in shown


# ----------------------------------------------------------------------------- any width
@pytest.mark.parametrize("width", [60, 80, 120])
def test_narratives_wrap_evenly_at_any_width(width):
    """A narrative stored with hard line breaks is re-wrapped by rich, not broken raggedly."""
    from click.testing import CliRunner
    from mmn_ddx.cli import main

    for case_id in sorted(library()):
        case = load_case(library()[case_id])
        out = CliRunner(env={"COLUMNS": str(width)}).invoke(main, ["cases", "show", case_id]).output
        for number, stage in enumerate(case.stages, 1):
            words = stage.narrative.split()
            if not words:
                continue
            heading = f"{number}. {stage.name.capitalize()}"
            first = next(i for i, line in enumerate(out.splitlines()) if line.rstrip() == heading) + 1
            lines = out.splitlines()[first:]
            body = []
            for line in lines:
                if not line.strip() or line.startswith("  •"):
                    break
                body.append(line.rstrip())
            longest = max(len(w) for w in words)
            for line in body[:-1]:  # every line of a paragraph but its last is filled
                assert len(line) >= width - longest - 1, (case_id, stage.name, line)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_ids_in_tables_are_never_folded(width):
    from click.testing import CliRunner
    from mmn_ddx.cli import main

    runner = CliRunner(env={"COLUMNS": str(width)})
    for command, ids in ((["cases"], list(library())), (["rules"], list(rulebook().ids())),
                         (["findings"], [s.id for s in vocabulary()] + list(vocabulary().conditions))):
        out = runner.invoke(main, command).output
        words = {w.strip("│┃ ") for line in out.splitlines() for w in line.split()}
        missing = [i for i in ids if i not in words]
        assert not missing, (command, width, missing[:5])
        assert all(len(line) <= width for line in out.splitlines())


def test_the_walk_ends_with_the_disclaimer_after_the_criteria():
    done = run_cli(["walk", "electrician-finger-drop", "--no-input"])
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert "Formal criteria" in done.stdout
    assert lines[-1].strip() == "Educational use only: not for clinical decisions."
