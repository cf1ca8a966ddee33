"""The command line: parse, call one library function, render. Errors become messages at one place."""

from __future__ import annotations

import sys

import click

from mmn_ddx import DISCLAIMER
from mmn_ddx.errors import InputError, Problem
from mmn_ddx.safetext import clean, shorten

# The names of mmn_ddx.schemas.SCHEMAS, repeated here so that start-up need not import it
# (a test keeps the two equal).
SCHEMA_NAMES = ("case", "assessment", "quiz", "quiz-results", "rules", "families", "criteria", "findings")
EXIT_INPUT = 2
EXIT_FAULT = 3  # an internal fault (a bug or an engine error), never the user's input


class Boundary(click.Group):
    """Turns library errors into one-paragraph messages with exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        from mmn_ddx.yamlio import command_budget

        try:
            with command_budget():  # what one command may read in all, so that it ends in seconds
                return super().invoke(ctx)
        except InputError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            from mmn_ddx.render.console import make_console, print_problems

            print_problems(make_console(stderr=True), error.problems)
            ctx.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader stopped early (`| head`): that is its choice, not a fault. Point stdout
            # at /dev/null so that Python's final flush does not complain either.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception as error:  # a bug, not the user's fault: say so briefly, keep the trace for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            say(
                f"Error: mmn-ddx failed unexpectedly ({type(error).__name__}: {shorten(str(error), 300)}). "
                "Run again with --debug for the traceback, and please report it.")
            ctx.exit(EXIT_FAULT)


def say(message: str) -> None:
    """A message for the user on stderr; file names and values in it come from options, so it is cleaned."""
    click.echo(clean(message), err=True)


def library_of(ctx: click.Context):
    """The library the command works on, read once from the global --rules / --cases options."""
    from mmn_ddx import api

    root = ctx.find_root()
    obj = root.ensure_object(dict)
    if "library" not in obj:
        obj["library"] = api.open_library(root.params.get("rules"), root.params.get("cases"))
    return obj["library"]


def complete_case(ctx, param, incomplete):
    """Shell completion: ids of the library's cases (files complete as usual)."""
    from mmn_ddx import api

    try:
        return api.case_ids(library_of(ctx), incomplete)
    except InputError:  # a broken --rules folder: nothing to offer, and no traceback mid-completion
        return []


def complete_rule(ctx, param, incomplete):
    from mmn_ddx import api

    try:
        return api.rule_ids(library_of(ctx), incomplete)
    except InputError:
        return []


def _emit_json(data) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _emit_listing_json(data) -> None:
    """The JSON of a listing of the library (cases, findings, rules): its format has no place for the
    disclaimer (a bare list, or the library's own data), so the disclaimer goes to stderr."""
    _emit_json(data)
    say(DISCLAIMER)


def _print_disclaimer(console) -> None:
    from mmn_ddx.render.console import notice

    console.print(notice(DISCLAIMER, "dim"))


@click.group(cls=Boundary, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="mmn-ddx", prog_name="mmn-ddx")
@click.option("--debug", is_flag=True, help="Show a full traceback when something goes wrong.")
@click.option("--rules", "rules", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Read the rules and vocabulary from DIR instead of the bundled ones.")
@click.option("--cases", "cases", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Name cases (and quizzes, in DIR/quizzes) by id from DIR instead of the bundled library.")
@click.pass_context
def main(ctx: click.Context, debug: bool, rules: str | None, cases: str | None) -> None:
    """Teaches the differential diagnosis of multifocal motor neuropathy (MMN) versus ALS.

    A rules engine weighs a case's findings and explains why it leans toward MMN or ALS.
    Educational use only: not for clinical decisions.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@main.command()
@click.argument("cases", nargs=-1, shell_complete=complete_case)
@click.option("--stage", "-s", help="Assess only what is disclosed up to this stage (name or number).")
@click.option("--finding", "-f", "findings", multiple=True, metavar="ID=VALUE",
              help="Add or replace a finding (repeatable). Alone, assesses these findings.")
@click.option("--prior", type=float, help="Prior probability of MMN (default 0.05, see README).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON assessment (docs/schemas/assessment.schema.json) on stdout (an array for several cases, written case by case).")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print one JSON assessment per line (JSON Lines), case by case.")
@click.option("--jobs", "-j", type=int, metavar="N", help="Assess a folder in N processes (default: every core); the order is kept.")
@click.option("--engine", type=click.Choice(["durable", "plain"]), default="durable", show_default=True,
              help="Which evaluator fires the rules (plain is the test oracle).")
@click.option("--what-if", "what_if", is_flag=True,
              help="Also list the smallest sets of unknown findings that would change the leaning.")
@click.option("--brief", is_flag=True,
              help="A compact view: the verdict, one line per counted family (ratio, teaching point, change in P), "
                   "what to consider and ask next.")
@click.pass_context
def assess(ctx, cases, stage, findings, prior, as_json, as_jsonl, jobs, engine, what_if, brief):
    """Weigh a case and explain where it leans.

    CASES are case files, folders of case files, or ids of bundled cases
    (see `mmn-ddx validate cases/`). Examples:

    \b
      mmn-ddx assess cases/electrician-finger-drop.yaml
      mmn-ddx assess electrician-finger-drop --stage examination
      mmn-ddx assess electrician-finger-drop --brief
      mmn-ddx assess -f babinski=true -f conduction_block=none --json
      mmn-ddx assess my-cases/ --jsonl --jobs 2 > all.jsonl
    """
    from mmn_ddx import api

    if as_json and as_jsonl:
        raise InputError(Problem(None, None, "--json and --jsonl are two formats; choose one."))
    many = len(cases) > 1 or any(_is_dir(c) for c in cases)
    record = "jsonl" if as_jsonl else ("json-item" if many else "json") if as_json else "assessment"
    library = library_of(ctx)
    items = api.assess_stream(library, cases, stage=stage, finding_options=findings, prior=prior, engine=engine,
                              what_if=what_if, record=record, jobs=jobs if jobs is not None else (None if many else 1))
    problems: list = []
    faults = 0
    written = 0
    console = None
    for item in items:
        if item.problems:
            problems.extend(item.problems)
            continue
        if item.fault:
            faults += 1
            where = f"{item.path}: " if item.path else ""
            say(f"Error: {where}internal fault while assessing this case ({shorten(item.fault, 300)}); "
                "the other cases are assessed. Please report it.")
            continue
        if record == "jsonl" or record == "json":
            _echo_utf8(item.output)
        elif record == "json-item":
            _echo_utf8((b",\n  " if written else b"[\n  ") + item.output, nl=False)
        else:
            from mmn_ddx.render.assessment import assessment_view, brief_view, criteria_panel, what_if_view
            from mmn_ddx.render.console import make_console

            console = console or make_console()
            if written:
                console.rule()
            a, vocab = item.assessment, library.vocabulary
            if brief:
                console.print(brief_view(a, vocab, api.explain(library, a)))
            else:
                console.print(assessment_view(a, vocab, criteria_panel(a, vocab)))
            if what_if:
                console.print(what_if_view(item.what_if, vocab, a.leaning))
        written += 1
    if as_json and (many or not written):
        click.echo("\n]" if written else "[]")
    if faults:
        if problems:
            from mmn_ddx.render.console import make_console, print_problems

            print_problems(make_console(stderr=True), problems)
        ctx.exit(EXIT_FAULT)
    if problems:
        raise InputError(problems)


def _echo_utf8(text: bytes, nl: bool = True) -> None:
    """Write text that a worker encoded as UTF-8: as it is when stdout is UTF-8 (the usual case,
    and the writing process's only work per case), else decoded, for click to encode as it would
    have encoded the text."""
    import codecs

    encoding = getattr(sys.stdout, "encoding", None)
    if encoding and codecs.lookup(encoding).name == "utf-8":
        click.echo(text, nl=nl)
    else:
        click.echo(text.decode("utf-8"), nl=nl)


def _is_dir(name: str) -> bool:
    from pathlib import Path

    return Path(name).is_dir()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the vocabulary as JSON.")
@click.pass_context
def findings(ctx, as_json):
    """List every finding a case may state (the public vocabulary)."""
    from mmn_ddx import api

    library = library_of(ctx)
    if as_json:
        _emit_listing_json(api.vocabulary_json(library))
        return
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render.library import conditions_table, findings_table

    vocab = library.vocabulary
    console = make_console()
    console.print(findings_table(vocab))
    console.print(conditions_table(vocab))
    _print_disclaimer(console)


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def rules(ctx, as_json):
    """List the rules; `rules show ID` explains one with its sources."""
    if ctx.invoked_subcommand is not None:
        return
    from mmn_ddx import api

    library = library_of(ctx)
    if as_json:
        _emit_listing_json(api.rules_json(library))
        return
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render.library import rules_table

    console = make_console()
    console.print(rules_table(library.rulebook))
    _print_disclaimer(console)


@rules.command("show")
@click.argument("rule_id", shell_complete=complete_rule)
@click.option("--json", "as_json", is_flag=True, help="Print the rule as JSON.")
@click.pass_context
def rules_show(ctx, rule_id, as_json):
    """Explain one rule: what it weighs, why, and its sources."""
    from mmn_ddx import api

    library = library_of(ctx)
    rule = api.find_rule(library, rule_id)
    if as_json:
        _emit_listing_json(api.rule_json(library, rule))
        return
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render.library import rule_view

    console = make_console()
    console.print(rule_view(rule, library.rulebook))
    _print_disclaimer(console)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--cases", "case_dirs", multiple=True, type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="A folder quizzes may also read case files from (besides their own folder); repeatable.")
@click.pass_context
def validate(ctx, paths, case_dirs):
    """Check rule folders, rule files and case files; report every problem at once.

    \b
      mmn-ddx validate rules/ cases/
      mmn-ddx validate my-new-case.yaml
    """
    from mmn_ddx import api

    report = api.validate(library_of(ctx), paths, case_dirs)
    if report.problems:
        raise InputError(report.problems)
    click.echo(f"OK: {len(report.checked)} checked, no problems.")


@main.command()
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
@click.pass_context
def schema(ctx, name):
    """Print the JSON Schema of a public format (case files, assess --json output, quiz files, quiz results, rule files, evidence families, criterion sets, the findings vocabulary)."""
    from mmn_ddx import api

    _emit_json(api.schema(library_of(ctx), name))


@main.command()
@click.argument("case", shell_complete=complete_case)
@click.option("--stage", "-s", help="Judge only what is disclosed up to this stage (name or number).")
@click.option("--finding", "-f", "findings", multiple=True, metavar="ID=VALUE", help="Add or replace a finding.")
@click.option("--json", "as_json", is_flag=True, help="Print the criteria and their element-by-element detail as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Also list region elements that are unknown.")
@click.pass_context
def criteria(ctx, case, stage, findings, as_json, show_all):
    """Show which formal criteria a case meets: EFNS/PNS 2010, Gold Coast, El Escorial, Awaji.

    \b
      mmn-ddx criteria electrician-finger-drop
      mmn-ddx criteria carpenter-cannot-pinch --stage examination --json
    """
    from mmn_ddx import api

    library = library_of(ctx)
    a = api.criteria(library, case, stage=stage, finding_options=findings)
    if as_json:
        _emit_json(api.criteria_json(a))
        return
    from mmn_ddx.render.assessment import criteria_panel
    from mmn_ddx.render.console import make_console, teaching_moment

    console = make_console()
    console.print(criteria_panel(a, library.vocabulary, full=show_all))
    for note in a.disagreement:
        console.print(teaching_moment(note))
    _print_disclaimer(console)


@main.group(invoke_without_command=True)
@click.option("--diagnosis", type=click.Choice(["mmn", "als", "mimic"]), help="Only cases of this kind.")
@click.option("--difficulty", type=click.IntRange(1, 3), help="Only cases of this difficulty (1-3).")
@click.option("--reveal", is_flag=True, help="Show each case's diagnosis too.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def cases(ctx, diagnosis, difficulty, reveal, as_json):
    """List the bundled cases; `cases show ID` prints one without its diagnosis."""
    if ctx.invoked_subcommand is not None:
        return
    from mmn_ddx import api

    found = api.case_list(library_of(ctx), diagnosis, difficulty)
    if as_json:
        _emit_listing_json(api.cases_json(found, reveal))
        return
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render.library import cases_table

    console = make_console()
    console.print(cases_table(found, reveal))
    _print_disclaimer(console)


@cases.command("show")
@click.argument("case", shell_complete=complete_case)
@click.option("--reveal", is_flag=True, help="Show the diagnosis and teaching points.")
@click.pass_context
def cases_show(ctx, case, reveal):
    """Print a case stage by stage (the diagnosis stays hidden unless --reveal)."""
    from mmn_ddx import api
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render.library import case_view

    library = library_of(ctx)
    console = make_console()
    console.print(case_view(api.find_case(library, case), library.vocabulary, reveal))
    _print_disclaimer(console)


@main.command()
@click.argument("case", required=False, shell_complete=complete_case)
@click.option("--seed", type=int, help="With no CASE: pick the random case repeatably.")
@click.option("--difficulty", type=click.IntRange(1, 3), help="With no CASE: pick among this difficulty.")
@click.option("--diagnosis", type=click.Choice(["mmn", "als", "mimic"]), help="With no CASE: pick among these.")
@click.option("--no-input", is_flag=True, help="Play the whole case without prompts (for class projection or piping).")
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False), help="Take the learner's calls from a YAML/JSON file.")
@click.option("--json", "as_json", is_flag=True, help="Emit the walkthrough as JSON events, one per line (implies --no-input unless --answers).")
@click.option("--prior", type=float, help="Prior probability of MMN (default 0.05).")
@click.pass_context
def walk(ctx, case, seed, difficulty, diagnosis, no_input, answers_path, as_json, prior):
    """Walk through a case stage by stage: make your call before the engine shows its reasoning.

    At each stage commit a differential: a diagnosis id (mmn, als, or a condition to consider
    such as cidp), optionally with a probability ('mmn 70'), several with probabilities
    ('mmn 0.6, als 0.3, cidp 0.1'), or undecided; 'list' names them all. After your call,
    '?' shows what would change the engine's leaning; then pick the finding you would ask
    for next. At the end each call is scored (Brier score) against the diagnosis and against
    the engine. Ctrl-C stops with a summary.

    \b
      mmn-ddx walk electrician-finger-drop
      mmn-ddx walk --seed 7 --difficulty 2
      mmn-ddx walk thick-slow-voice --no-input
      mmn-ddx walk nurse-wrist-drop --answers my-calls.yaml --json
    """
    from mmn_ddx import api

    walkthrough, answers = api.start_walk(library_of(ctx), case, seed=seed, difficulty=difficulty, diagnosis=diagnosis,
                                          answers_path=answers_path, prior=prior)
    interactive = not no_input and answers is None and not as_json
    try:
        _walk(walkthrough, answers or {}, interactive, as_json, show_id=case is not None)
    except (click.Abort, KeyboardInterrupt, EOFError):
        summary = walkthrough.summary()
        if as_json:
            import json

            click.echo(json.dumps(api.end_event(walkthrough, interrupted=True), ensure_ascii=False))
        if case is not None:
            name, again = f" of '{summary['case']}'", f"mmn-ddx walk {case}"
        else:  # a random case: its id would give the diagnosis away
            name = ""
            again = "mmn-ddx walk" + "".join(f" --{flag} {value}" for flag, value in
                                             (("seed", seed), ("difficulty", difficulty), ("diagnosis", diagnosis)) if value is not None)
        say(
            f"\nWalkthrough stopped at stage {summary['stages_seen']} of {summary['stages']}{name}: "
            f"{summary['calls']} call(s) made, {summary['agreed_with_engine']} agreeing with the engine. "
            f"Run '{again}' to start again.")
        raise SystemExit(130)


def _walk(walkthrough, answers: dict, interactive: bool, as_json: bool, show_id: bool = True) -> None:
    """The prompting loop: library steps in, learner's answers to the library, views out."""
    import json

    from mmn_ddx import api
    from mmn_ddx.render import walk as views
    from mmn_ddx.render.assessment import what_if_view
    from mmn_ddx.render.console import make_console, notice

    book = walkthrough.assessor.book
    vocab = book.vocabulary
    console = make_console()
    total = len(walkthrough.case.stages)
    emit = (lambda event: click.echo(json.dumps(event, ensure_ascii=False))) if as_json else None
    if interactive:
        _complete_diagnoses(walkthrough.diagnoses)
    if not as_json:
        console.print(notice(walkthrough.case.title, style="bold"))
        # A case picked at random keeps its id (which names the diagnosis) for the end.
        shown = f"{walkthrough.case.id} · " if show_id else ""
        difficulty = f"difficulty {walkthrough.case.difficulty} · " if walkthrough.case.difficulty else ""
        plural = "stage" if total == 1 else "stages"
        console.print(notice(f"{shown}{difficulty}{total} {plural}", style="dim"))
    for step in walkthrough.steps():
        if as_json:
            emit(api.step_event(step))
        else:
            console.print(views.stage_view(step, total, vocab))
        answer = answers.get(step.index, {})
        call = answer.get("call")
        while interactive and call is None:
            text = click.prompt("Your call — a diagnosis ('mmn', 'als', 'cidp' …, 'mmn 70'), a differential "
                                "('mmn 0.6, als 0.3, cidp 0.1') or 'undecided'; 'list' names them all",
                                default="", show_default=False)
            parsed = api.parse_call(text, walkthrough.diagnoses)
            if parsed == "?":
                console.print(notice("'?' (what would change the leaning) opens after your call for this stage: "
                                 "commit first, so that the engine's view cannot steer it.", style="yellow"))
            elif parsed == "list":
                console.print(views.diagnoses_list(walkthrough.diagnoses))
            elif isinstance(parsed, api.Call):
                call = parsed
            else:
                console.print(notice(parsed))
        comparison = None
        if call is not None:
            comparison = walkthrough.record_call(step, call)
            if as_json:
                emit(api.call_event(step, call, comparison))
        if as_json:
            emit(api.engine_event(step))
        else:
            console.print(views.engine_step_view(step, vocab, book))
            if call is not None:
                console.print(views.call_feedback(call, comparison, step.assessment))
        if step.last:
            break
        chosen = answer.get("investigate")
        if interactive:
            options = walkthrough.investigations(step)[:8]
            console.print(views.investigation_menu(options, vocab))
            while chosen is None:
                text = click.prompt("Ask for", default="", show_default=False)
                if text.strip() in ("", "-", "skip"):
                    break
                if text.strip() == "?":
                    console.print(what_if_view(walkthrough.what_if(step),
                                                      vocab, step.assessment.leaning))
                    continue
                chosen = walkthrough.resolve_investigation(step, text, options)
                if chosen is None:
                    console.print(notice("Give a number from the list, a finding identifier (see 'mmn-ddx findings'), or Enter to skip."))
        if chosen is not None:
            feedback = walkthrough.grade_investigation(step, chosen)
            if as_json:
                emit(api.investigation_event(step, feedback))
            else:
                console.print(views.investigation_feedback(feedback, vocab))
    if as_json:
        emit(api.end_event(walkthrough))
        return
    console.print(views.walk_report(walkthrough, vocab, walkthrough.final_assessment()))


def _complete_diagnoses(diagnoses) -> None:
    """Tab completes diagnosis ids at the walk's prompt, in a real terminal with readline."""
    if not sys.stdin.isatty():
        return
    try:
        import readline
    except ImportError:  # Windows without pyreadline: typing works, completion does not
        return
    words = sorted(list(diagnoses) + ["undecided", "list"])

    def complete(text: str, state: int):
        options = [w for w in words if w.startswith(text.lower())]
        return options[state] if state < len(options) else None

    readline.set_completer_delims(" ,;")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


# Commands that live in their own modules of this package register themselves on `main`.
from mmn_ddx.cli import documents, export, quiz  # noqa: E402,F401

