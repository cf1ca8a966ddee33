"""The command line: parse, call one library function, render. Errors become messages at one place."""

from __future__ import annotations

import json
import sys

import click

from mmn_ddx import DISCLAIMER
from mmn_ddx.errors import InputError

EXIT_INPUT = 2
EXIT_ASSESS = 1


class Boundary(click.Group):
    """Turns library errors into one-paragraph messages with exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            from mmn_ddx.render import make_console, print_problems

            print_problems(make_console(stderr=True), error.problems)
            ctx.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # a bug, not the user's fault: say so briefly, keep the trace for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(
                f"Error: mmn-ddx failed unexpectedly ({type(error).__name__}: {error}). "
                "Run again with --debug for the traceback, and please report it.",
                err=True,
            )
            ctx.exit(EXIT_ASSESS)


def _emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=Boundary, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="mmn-ddx", prog_name="mmn-ddx")
@click.option("--debug", is_flag=True, help="Show a full traceback when something goes wrong.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Teaches the differential diagnosis of multifocal motor neuropathy (MMN) versus ALS.

    A rules engine weighs a case's findings and explains why it leans toward MMN or ALS.
    Educational use only: not for clinical decisions.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@main.command()
@click.argument("cases", nargs=-1)
@click.option("--stage", "-s", help="Assess only what is disclosed up to this stage (name or number).")
@click.option("--finding", "-f", "findings", multiple=True, metavar="ID=VALUE",
              help="Add or replace a finding (repeatable). Alone, assesses these findings.")
@click.option("--prior", type=float, help="Prior probability of MMN (default 0.15, see README).")
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON assessment on stdout.")
@click.option("--engine", type=click.Choice(["durable", "plain"]), default="durable", show_default=True,
              help="Which evaluator fires the rules (plain is the test oracle).")
def assess(cases, stage, findings, prior, as_json, engine):
    """Weigh a case and explain where it leans.

    CASES are case files, folders of case files, or ids of bundled cases
    (see `mmn-ddx validate cases/`). Examples:

    \b
      mmn-ddx assess cases/mmn-finger-drop.yaml
      mmn-ddx assess mmn-finger-drop --stage examination
      mmn-ddx assess -f babinski=true -f conduction_block=none --json
    """
    from mmn_ddx import api

    batch = api.assess(cases, stage=stage, finding_options=findings, prior=prior, engine=engine)
    if as_json:
        from mmn_ddx.assessment import to_json

        items = [to_json(a) for a in batch.assessments]
        many = len(cases) > 1 or any(_is_dir(c) for c in cases)
        _emit_json(items if many else (items[0] if items else []))
    else:
        from mmn_ddx.render import assessment_view, criteria_panel, make_console
        from mmn_ddx.vocabulary import vocabulary

        console = make_console()
        for i, a in enumerate(batch.assessments):
            if i:
                console.rule()
            console.print(assessment_view(a, vocabulary(), criteria_panel(a)))
    if batch.problems:
        raise InputError(batch.problems)


def _is_dir(name: str) -> bool:
    from pathlib import Path

    return Path(name).is_dir()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the vocabulary as JSON.")
def findings(as_json):
    """List every finding a case may state (the public vocabulary)."""
    from mmn_ddx.vocabulary import vocabulary

    vocab = vocabulary()
    if as_json:
        from dataclasses import asdict

        _emit_json({"regions": list(vocab.regions), "findings": [asdict(spec) for spec in vocab]})
        return
    from mmn_ddx.render import findings_table, make_console

    make_console().print(findings_table(vocab))


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def rules(ctx, as_json):
    """List the rules; `rules show ID` explains one with its sources."""
    if ctx.invoked_subcommand is not None:
        return
    from mmn_ddx.rulebook import rulebook

    book = rulebook()
    if as_json:
        _emit_json([_rule_json(rule) for rule in book.all_rules()])
        return
    from mmn_ddx.render import make_console, rules_table

    make_console().print(rules_table(book))


def _rule_json(rule) -> dict:
    from mmn_ddx.model import WeighRule

    if isinstance(rule, WeighRule):
        return {
            "id": rule.id, "kind": "weigh", "title": rule.title, "toward": rule.toward,
            "likelihood_ratio": round(rule.likelihood_ratio, 3), "weight": round(rule.weight, 3),
            "basis": "estimate" if rule.estimate else "frequency" if rule.frequency else "none",
            "group": rule.group, "explanation": rule.explanation, "teaching_point": rule.teaching_point,
            "sources": list(rule.sources),
        }
    return {"id": rule.id, "kind": "consider", "title": rule.title, "condition": rule.condition,
            "settles": rule.settles, "why": rule.why, "sources": list(rule.sources)}


@rules.command("show")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True, help="Print the rule as JSON.")
def rules_show(rule_id, as_json):
    """Explain one rule: what it weighs, why, and its sources."""
    from mmn_ddx.errors import Problem, did_you_mean
    from mmn_ddx.rulebook import rulebook

    book = rulebook()
    rule = book.rule(rule_id)
    if rule is None:
        raise InputError(Problem(None, None, f"there is no rule '{rule_id}'.", did_you_mean(rule_id, book.ids()) or "Run 'mmn-ddx rules' to list them."))
    if as_json:
        _emit_json(_rule_json(rule))
        return
    from mmn_ddx.render import make_console, rule_view

    make_console().print(rule_view(rule, book))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths):
    """Check rule folders, rule files and case files; report every problem at once.

    \b
      mmn-ddx validate rules/ cases/
      mmn-ddx validate my-new-case.yaml
    """
    from mmn_ddx.validation import validate as check

    report = check(list(paths))
    if report.problems:
        raise InputError(report.problems)
    click.echo(f"OK: {len(report.checked)} checked, no problems.")


@main.command()
@click.argument("name", type=click.Choice(["case", "assessment"]))
def schema(name):
    """Print the JSON Schema of a public format (case files, or assess --json output)."""
    from mmn_ddx.schemas import SCHEMAS

    _emit_json(SCHEMAS[name]())


def run() -> None:  # pragma: no cover - console entry point alias
    main(prog_name="mmn-ddx")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
