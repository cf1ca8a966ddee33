"""`mmn-ddx quiz VERB` and `mmn-ddx class report`: parse, call one mmn_ddx.api function, render."""

from __future__ import annotations

import time

import click

from mmn_ddx.cli import _emit_json, main, say
from mmn_ddx.errors import InputError

EXIT_INTERRUPTED = 130  # as `walk`: the conventional code for a run stopped by Ctrl-C


def _library(ctx: click.Context | None = None):
    """The library every quiz command reads: the one the global --rules / --cases options name."""
    from mmn_ddx.cli import library_of

    return library_of(ctx or click.get_current_context())


def complete_quiz(ctx, param, incomplete):
    """Shell completion: names of the library's quizzes (files complete as usual)."""
    try:
        return [name for name in _library(ctx).quizzes() if name.startswith(incomplete)]
    except InputError:  # a broken --rules folder: nothing to offer
        return []


def _usage(message: str) -> click.UsageError:
    return click.UsageError(message)


class QuizGroup(click.Group):
    """`quiz VERB ...`; without a verb (`quiz NAME ...`, `quiz --generate N ...`, bare `quiz`) it is `quiz take ...`,
    as the command was before it had verbs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["take", *args]
        return super().parse_args(ctx, args)


@main.group(cls=QuizGroup)
def quiz():
    """Quizzes graded by the engine: take one, print its answer key, generate one, regrade results.

    `mmn-ddx quiz QUIZ ...` without a verb is `mmn-ddx quiz take QUIZ ...`.

    \b
      mmn-ddx quiz take introductory --seed 7 --student Ada --results ada.json
      mmn-ddx quiz key introductory --seed 7 --format html --out key.html
      mmn-ddx quiz generate 10 --seed 3 --out week3.yaml
      mmn-ddx quiz regrade ada.json
    """


SEED_HELP = "Fix the order of questions and options: the same seed gives the same quiz on any machine."
CASES_HELP = "A folder the quiz may also read case files from (besides its own folder); repeatable."


@quiz.command("take")
@click.argument("quiz_name", metavar="[QUIZ]", required=False, shell_complete=complete_quiz)
@click.option("--seed", type=int, help=SEED_HELP)
@click.option("--generate", "generate_count", type=click.IntRange(1, 200), metavar="N",
              help="Take a quiz of N engine-graded questions drawn from the case library (repeatable with --seed).")
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False),
              help="Take the answers from a YAML or JSON file (question id: letter, number or text); no prompts.")
@click.option("--student", help="The student's name, kept in the results.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="Write the results (JSON) to this file, atomically, after every answer.")
@click.option("--resume", is_flag=True, help="Carry on from the --results file of an interrupted run.")
@click.option("--feedback", type=click.Choice(["immediate", "end"]), default="immediate", show_default=True,
              help="Explain each answer at once, or only at the end (exam mode).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the results as JSON on stdout at the end (questions and prompts go to stderr).")
@click.option("--cases", "case_dirs", multiple=True, type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help=CASES_HELP)
# The flags of the command before it had verbs, kept for scripts: `quiz key` and `quiz generate` do this now.
@click.option("--key", is_flag=True, hidden=True)
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]), hidden=True)
@click.option("--out", type=click.Path(dir_okay=False), hidden=True)
@click.option("--force", is_flag=True, hidden=True)
def take(quiz_name, seed, generate_count, answers_path, student, results_path, resume, feedback, as_json, case_dirs,
         key, fmt, out, force):
    """Take a quiz graded by the engine.

    QUIZ is a quiz file or the name of a bundled quiz (introductory, criteria, hard-mimics).
    Answer with the option's letter, its number or its text; 'skip' leaves a question
    unanswered. Ctrl-C stops at once: with --results every answer given is already saved,
    and --resume carries on. Without --seed the questions keep the file's order. An answers
    file maps question ids (listed by `quiz key`) to answers, e.g. 'finger-drop-discriminator: b'.

    \b
      mmn-ddx quiz take introductory --seed 7 --student Ada --results ada.json
      mmn-ddx quiz take introductory --seed 7 --student Ada --results ada.json --resume
      mmn-ddx quiz take criteria --seed 7 --answers ada.yaml --student Ada --results results/ada.json
      mmn-ddx quiz take hard-mimics --seed 7 --feedback end
    """
    from mmn_ddx import api

    if generate_count is not None and quiz_name:
        raise _usage("give either QUIZ or --generate N, not both.")
    if fmt and not key:
        raise _usage("--format applies to --key.")
    if out and not (key or generate_count is not None):
        raise _usage("--out applies to --generate (the quiz) or to --key (the key).")
    if key and (answers_path or results_path or resume or student or as_json):
        raise _usage("--key prints the answer key; it does not run the quiz (drop --answers, --results, --resume, --student and --json).")

    library = _library()
    if generate_count is not None and out and not key:
        _write_generated(api.generated_quiz(generate_count, library, seed), generate_count, seed, out, force)
        return
    if key:
        key_data = api.quiz_key(quiz_name, library, generate_count=generate_count, seed=seed, case_dirs=case_dirs)
        _print_key(key_data, fmt or "text", out, force)
        return
    session, sheet = api.start_quiz(quiz_name, library, generate_count=generate_count, seed=seed, answers=answers_path,
                                    student=student, results=results_path, resume=resume, feedback=feedback,
                                    case_dirs=case_dirs)
    with session:  # the results file stays locked against a second run until this one ends
        if session.feedback != feedback:
            say(f"Note: {results_path} was started in exam mode (--feedback end), so the answers are explained "
                "at the end.")
        _take(session, sheet, as_json, library.vocabulary)


@quiz.command("key")
@click.argument("quiz_name", metavar="QUIZ", shell_complete=complete_quiz)
@click.option("--seed", type=int, help=SEED_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]), default="text", show_default=True,
              help="text for the terminal, md or html for print, or json.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the key to this file instead of stdout.")
@click.option("--force", is_flag=True, help="With --out: replace the file if it exists.")
@click.option("--cases", "case_dirs", multiple=True, type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help=CASES_HELP)
@click.option("--templates", type=click.Path(file_okay=False), metavar="DIR",
              help="With --format md or html: write with the templates in DIR (see 'mmn-ddx export --copy-templates').")
def key_command(quiz_name, seed, fmt, out, force, case_dirs, templates):
    """Print the answer key of QUIZ with the engine's explanation of each answer.

    The same quiz, seed and rule book give the same key, byte for byte.

    \b
      mmn-ddx quiz key introductory --seed 7
      mmn-ddx quiz key introductory --seed 7 --format html --out key.html
      mmn-ddx quiz key criteria --format json | jq '.questions[].answer'
    """
    from mmn_ddx import api

    _print_key(api.quiz_key(quiz_name, _library(), seed=seed, case_dirs=case_dirs), fmt, out, force, templates)


@quiz.command("generate")
@click.argument("count", metavar="N", type=click.IntRange(1, 200))
@click.option("--seed", type=int, help="The same N and seed give the same quiz (default 0).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the quiz (YAML) to this file instead of stdout.")
@click.option("--force", is_flag=True, help="With --out: replace the file if it exists.")
def generate_command(count, seed, out, force):
    """Draw a quiz of N engine-graded questions from the case library, as a quiz file (YAML).

    Without --out the quiz goes to stdout; nothing is asked, so it runs without a terminal.

    \b
      mmn-ddx quiz generate 10 --seed 3 --out week3.yaml
      mmn-ddx quiz generate 5 --seed 3 > week3.yaml
    """
    from mmn_ddx import api

    text = api.generated_quiz(count, _library(), seed)
    if out:
        _write_generated(text, count, seed, out, force)
    else:
        click.echo(text, nl=False)


@quiz.command("regrade")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the regraded results here (default: NAME.regraded.json beside RESULTS).")
@click.option("--force", is_flag=True, help="Replace --out if it exists (RESULTS itself is never replaced).")
@click.option("--quiz", "quiz_name", metavar="QUIZ", shell_complete=complete_quiz,
              help="The quiz file the answers were given to (default: the bundled or generated quiz RESULTS names).")
@click.option("--cases", "case_dirs", multiple=True, type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help=CASES_HELP)
def regrade_command(results, out, force, quiz_name, case_dirs):
    """Grade the answers stored in RESULTS again under the current rules, into a new file.

    After the rule book (or a case) changed, old results keep the grades of the rules that made
    them; this grades the same answers again, matched by what was chosen (not its letter), and
    writes a new results file, keeping the old one.

    \b
      mmn-ddx quiz regrade results/ada.json
      mmn-ddx quiz regrade results/ada.json --out regraded/ada.json
      mmn-ddx quiz regrade week3-ada.json --quiz week3.yaml
    """
    from mmn_ddx import api
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render import quiz as views

    regraded = api.regrade_results(results, _library(), out=out, force=force, quiz=quiz_name, case_dirs=case_dirs)
    make_console(stderr=True).print(views.regrade_view(regraded))


def _write_generated(text: str, count: int, seed: int | None, out: str, force: bool) -> None:
    from mmn_ddx import api

    api.save_output(out, text, force)
    again = f" --seed {seed}" if seed is not None else ""
    say(f"Wrote a quiz of {count} questions to {out}. Check it with 'mmn-ddx validate {out}'; "
        f"run it with 'mmn-ddx quiz take {out}{again}'.")


def _print_key(key: dict, fmt: str, out: str | None, force: bool = False, templates: str | None = None) -> None:
    from mmn_ddx import api
    from mmn_ddx.render.console import make_console
    from mmn_ddx.render import quiz as views

    if fmt == "text" and not out:
        make_console().print(views.key_view(key))
        return
    if fmt == "text":
        console = make_console(width=100)
        with console.capture() as captured:
            console.print(views.key_view(key))
        text = captured.get()
    elif fmt == "json":
        import json

        text = json.dumps(key, indent=2, ensure_ascii=False) + "\n"
    else:
        text = api.quiz_key_document(key, fmt, templates)
    if out:
        api.save_output(out, text, force)
        say(f"Wrote the answer key ({fmt}) to {out}.")
    else:
        click.echo(text, nl=False)


def _take(session, sheet, as_json: bool, vocab) -> None:
    """The question loop: items from the library, answers from the student or the file, views out."""
    from mmn_ddx import api as lib
    from mmn_ddx.render.console import make_console, notice
    from mmn_ddx.render import quiz as views

    console = make_console(stderr=as_json)
    feedback = session.feedback  # as the results file records it: exam mode survives a resume without the flag
    paper = session.paper
    total = len(paper.items)
    scripted = sheet is not None
    if not (scripted and as_json):
        console.print(views.quiz_header(paper, session.summary()))
    if not scripted and session.path is None:
        click.echo("Note: answers are not being saved; add --results FILE to keep them.", err=True)
    shown: tuple | None = None  # (case id, last stage shown)
    missing: list[str] = []
    if scripted:
        pending = {item.id for item in session.pending()}
        kept = [qid for qid in sheet.answers if qid not in pending]
        if kept:
            say(f"Note: {len(kept)} question(s) in {sheet.path} were already answered in the results file and keep "
                f"their first answer: {', '.join(kept)}.")
    try:
        for item in session.pending():
            if scripted:
                if item.id not in sheet.answers:
                    missing.append(item.id)
                    continue
                option, typed = sheet.answers[item.id]
                graded = session.record(item, option, typed, None)
                if not as_json:
                    console.print(views.scripted_line(graded))
                    if feedback == "immediate" and not graded.correct:
                        console.print(notice("   " + graded.feedback, "dim"))
                continue
            from_stage = None  # None: the case as needed was just shown
            if item.case is not None:
                stage = item.question.stage
                if shown is None or shown[0] != item.case.id:
                    from_stage, shown = 0, (item.case.id, stage)
                elif stage > shown[1]:
                    from_stage, shown = shown[1] + 1, (item.case.id, stage)
            console.print(views.question_view(item, total, vocab, from_stage))
            started = time.monotonic()
            letters = f"a–{lib.LETTERS[len(item.options) - 1]}"
            while True:
                typed = click.prompt(f"Your answer ({letters}, or skip)", default="", show_default=False, err=as_json)
                if lib.is_skip(typed):
                    option = None
                    break
                if not typed.strip():
                    console.print(notice(lib.answer_help(item)))
                    continue
                option = lib.match_answer(item, typed)
                if option is not None:
                    break
                console.print(notice(lib.answer_problem(item, typed)))
            graded = session.record(item, option, typed, time.monotonic() - started)
            if feedback == "immediate":
                console.print(views.feedback_view(graded))
    except (click.Abort, KeyboardInterrupt, EOFError):
        summary = session.summary()
        saved = (f"Results saved in {summary['path']}; run the same command with --resume to carry on."
                 if summary["path"] else "No --results file was given, so the answers were not saved.")
        skipped = summary["done"] - summary["answered"]
        skipped_text = f" ({skipped} skipped)" if skipped else ""
        say(f"\nQuiz stopped after {summary['done']} of {summary['total']} questions: "
            f"{summary['answered']} answered{skipped_text}, {summary['correct']} right. {saved}")
        raise SystemExit(EXIT_INTERRUPTED)
    if missing:
        say(f"Note: {len(missing)} question(s) have no answer in {sheet.path} and were left unanswered: "
            f"{', '.join(missing)}." + (" Run again with --resume (without --answers) to answer them."
                                         if session.path else ""))
    if feedback == "end" and not as_json:
        console.print(views.review_view(session.graded_records()))
    console.print(views.summary_view(session.summary()))
    if as_json:
        _emit_json(session.data)


@main.group("class")
def class_group():
    """Sum up a class's quiz results: `mmn-ddx class report RESULTS...`."""


@class_group.command("report")
@click.argument("results", nargs=-1, required=True, type=click.Path())
@click.option("--force", is_flag=True, help="With --csv, --items-csv or --out: replace the file if it exists.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Also write one row per student (score, then 1/0 per question, then the rule book) to this CSV file "
                   "('-': to stdout, in place of the report).")
@click.option("--items-csv", "items_csv_path", type=click.Path(dir_okay=False),
              help="Also write one row per question (difficulty, discrimination, most chosen wrong answer) to this CSV file "
                   "('-': to stdout, in place of the report).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many wrong answers and teaching points to list in the terminal.")
@click.option("--format", "fmt", type=click.Choice(["text", "html"]), default="text", show_default=True,
              help="text for the terminal; html a page (score histogram, item analysis) for --out FILE or stdout.")
@click.option("--out", type=click.Path(dir_okay=False), help="With --format html: write the page to this file.")
@click.option("--templates", type=click.Path(file_okay=False), metavar="DIR",
              help="With --format html: write with the templates in DIR (see 'mmn-ddx export --copy-templates').")
def class_report(results, csv_path, items_csv_path, as_json, top, force, fmt, out, templates):
    """Per-student scores, item analysis, common wrong answers and missed teaching points.

    RESULTS are files written by 'mmn-ddx quiz take --results', or folders of them (read
    recursively). A student who submitted twice counts once (the latest file); a file that cannot
    be read is named and skipped, and the command then ends with exit code 2 after the report.
    Per question: difficulty (share right) and discrimination (point-biserial correlation with the
    rest-score; a negative one is flagged). Results graded by different rule books are grouped.

    \b
      mmn-ddx class report results/
      mmn-ddx class report results/ --csv grades.csv --items-csv items.csv
      mmn-ddx class report results/*.json --json | jq .questions
      mmn-ddx class report results/ --format html --out report.html
    """
    from mmn_ddx import api

    if (out or templates) and fmt != "html":
        raise _usage("--out and --templates apply to --format html.")
    if fmt == "html" and as_json:
        raise _usage("--json and --format html are two outputs; choose one.")
    if out == "-":
        out = None  # the usual spelling of stdout, as for quiz key and export
    # '-' sends a CSV to stdout in place of the terminal report; stdout carries one output only.
    piped = [option for option, path in (("--csv", csv_path), ("--items-csv", items_csv_path)) if path == "-"]
    if piped and (len(piped) > 1 or as_json or fmt == "html" and not out):
        others = [f"{option} -" for option in piped[1:]] + (["--json"] if as_json else []) + (["--format html"] if fmt == "html" and not out else [])
        raise _usage(f"{piped[0]} - and {others[0]} would both write to stdout; give one of them a file name.")
    api.check_class_outputs(results, {"--csv": None if csv_path == "-" else csv_path,
                                      "--items-csv": None if items_csv_path == "-" else items_csv_path, "--out": out})
    report = api.class_report(results, _library())
    for path, text, what in ((csv_path, api.class_report_csv, f"{len(report.students)} student rows"),
                             (items_csv_path, api.report_items_csv, f"{len(report.questions)} question rows")):
        if path == "-":
            click.echo(text(report), nl=False)
        elif path:
            api.save_output(path, text(report), force)
            say(f"Wrote {what} to {path}.")
    if as_json:
        _emit_json(api.class_report_json(report))
        for d in report.dropped:
            say(f"Note: {d.path} ({d.student}) is an older duplicate of {d.kept} and was not counted.")
    elif fmt == "html":
        page = api.class_report_page(report, "html", templates, top)
        if out:
            api.save_output(out, page, force)
            say(f"Wrote the class report (html) to {out}.")
        else:
            click.echo(page, nl=False)
    elif not piped:
        from mmn_ddx.render.console import make_console
        from mmn_ddx.render import quiz as views

        make_console().print(views.class_report_view(report, top))
    if report.problems:
        raise InputError(report.problems)
