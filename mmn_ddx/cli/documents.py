"""`mmn-ddx quiz paper` and `mmn-ddx quiz export`: printable papers and Moodle XML of a quiz.

The commands are registered in the `quiz` group (mmn_ddx/cli/quiz.py); the documents come from
mmn_ddx.documents through mmn_ddx.api.
"""

from __future__ import annotations

from pathlib import Path

import click

from mmn_ddx.cli import say
from mmn_ddx.cli.export import templates_option
from mmn_ddx.cli.quiz import _library, complete_quiz, quiz


@click.command("paper")
@click.argument("quiz_name", metavar="QUIZ", shell_complete=complete_quiz)
@click.option("--seed", type=int, required=True, help="The class's seed: with a roster, each student's seed comes from it and the name.")
@click.option("--students", "roster", type=click.Path(dir_okay=False, path_type=Path),
              help="A roster CSV with a 'student' (or 'name') column: one paper per student.")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="html", show_default=True,
              help="HTML prints cleanly (a page per question); Markdown for editing.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("papers"), show_default=True,
              help="The folder for the papers, the keys and papers.csv.")
@click.option("--force", is_flag=True, help="Replace files that exist in the folder.")
@templates_option
def paper(quiz_name, seed, roster, fmt, out, force, templates):
    """Write printable papers of QUIZ without answers, and an answer key per seed.

    QUIZ is a quiz file or the name of a bundled quiz. With --students, every student gets a
    paper of their own seed (printed on it, and listed in papers.csv beside the key's file);
    grade a filled-in paper with 'mmn-ddx quiz take QUIZ --seed SEED --answers FILE'.

    \b
      mmn-ddx quiz paper introductory --seed 7 --out week1/
      mmn-ddx quiz paper introductory --seed 7 --students class.csv --out week1/
      mmn-ddx quiz paper criteria --seed 2 --format md
    """
    from mmn_ddx import api

    written = api.quiz_papers(quiz_name, _library(), seed=seed, fmt=fmt, out=out, roster=roster, force=force,
                              templates=templates)
    papers, keys = written.notes["papers"], written.notes["keys"]  # two students may draw one seed
    say(f"Wrote {papers} paper{'s' if papers != 1 else ''} and {keys} answer key{'s' if keys != 1 else ''} ({fmt}) "
        f"to {out}; papers.csv lists each student's seed.")


@click.command("export")
@click.argument("quiz_name", metavar="QUIZ", shell_complete=complete_quiz)
@click.option("--format", "fmt", type=click.Choice(["moodle-xml"]), default="moodle-xml", show_default=True,
              help="Moodle XML (multichoice questions; Moodle and most systems that read Moodle XML import it).")
@click.option("--seed", type=int, help="Export the paper of this seed (without it, the file's order).")
@click.option("--variants", type=click.IntRange(1, 100), metavar="K",
              help="Export K papers (seeds 1 to K), each in a question category of its own.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.option("--force", is_flag=True, help="With --out: replace the file if it exists.")
@templates_option
def quiz_export(quiz_name, fmt, seed, variants, out, force, templates):
    """Export QUIZ for a learning management system: Moodle XML.

    Every option the engine grades right scores 100 %, the others 0, each with its feedback;
    the question shows the case so far, with each stage's findings as a table.

    \b
      mmn-ddx quiz export introductory --seed 7 --out introductory.xml
      mmn-ddx quiz export introductory --variants 5 --out introductory-5.xml
    """
    from mmn_ddx import api

    text = api.quiz_export(quiz_name, _library(), fmt=fmt, seed=seed, variants=variants, templates=templates)
    if out is None or str(out) == "-":
        click.echo(text, nl=False)
        return
    api.save_output(out, text, force)
    say(f"Wrote {fmt} to {out}. In Moodle: Question bank → Import → Moodle XML format.")


quiz.add_command(paper)
quiz.add_command(quiz_export)
