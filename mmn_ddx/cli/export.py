"""`mmn-ddx export`: printable handouts and answer keys of one case or of all, an Anki deck, and
the templates they are written with (the documents come from mmn_ddx.documents)."""

from __future__ import annotations

from pathlib import Path

import click

from mmn_ddx.cli import complete_case, library_of, main, say

TEMPLATES_HELP = "Write with the templates in DIR (a copy of the bundled set, edited) instead of the bundled ones."


def templates_option(function):
    return click.option("--templates", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
                        help=TEMPLATES_HELP)(function)


@main.command()
@click.argument("case", required=False, shell_complete=complete_case)
@click.option("--format", "fmt", type=click.Choice(["md", "html", "anki"]),
              help="Markdown (the default), an HTML page that stands alone (inline CSS and SVG, no network; "
                   "with --out FILE.html, html), or an Anki deck of the rule book (anki, no CASE).")
@click.option("--answer-key", "key", is_flag=True,
              help="Write the answer key (diagnosis, the engine's view at each stage, evidence, sources) instead of the handout.")
@click.option("--all", "every_case", is_flag=True,
              help="Every case of the library, one file each, with an index page, into the folder --out (default: handouts).")
@click.option("--out", "-o", "out", type=click.Path(path_type=Path),
              help="Write to this file (a folder with --all) instead of stdout.")
@click.option("--force", is_flag=True, help="With --out: replace files that exist.")
@click.option("--prior", type=float, help="Prior probability of MMN for the answer key (default 0.05).")
@templates_option
@click.option("--copy-templates", "copy_to", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Copy the bundled templates into DIR to edit (then use them with --templates DIR), and stop.")
def export(case, fmt, key, every_case, out, force, prior, templates, copy_to):
    """Write a printable case handout (stages, questions, space for answers), or its answer key.

    CASE is the id of a bundled case or the path of a case file. The handout never shows the
    diagnosis; print the answer key separately with --answer-key. With --all, every case of the
    library goes into one folder, numbered, with an index page. With --format anki, the rule
    book and every case stage become an Anki deck (re-importing a newer deck updates the cards).

    \b
      mmn-ddx export electrician-finger-drop --format html --out finger-drop.html
      mmn-ddx export electrician-finger-drop --format html --answer-key --out finger-drop-key.html
      mmn-ddx export cases/thick-slow-voice.yaml > bulbar.md
      mmn-ddx export --all --format html --out handouts/
      mmn-ddx export --format anki --out mmn-ddx.apkg
      mmn-ddx export --copy-templates my-templates/
    """
    from mmn_ddx import api

    if copy_to is not None:
        if case or every_case or fmt or key or out is not None or prior is not None or templates is not None:
            raise click.UsageError("--copy-templates only copies the templates; give it alone.")
        written = api.copy_templates(copy_to, force=force)
        say(f"Copied {len(written.files)} templates to {copy_to}. Edit them, then add --templates {copy_to} "
            "to export, quiz key, quiz paper or class report.")
        return
    if out is not None and str(out) == "-":
        out = None  # the usual spelling of stdout
    library = library_of(click.get_current_context())
    if fmt == "anki":
        if case or every_case or key or prior is not None or templates is not None:
            raise click.UsageError("--format anki writes the whole rule book; give no CASE, --all, --answer-key, --prior "
                                   "or --templates.")
        written = api.export_anki(out or Path("mmn-ddx.apkg"), library, force=force)
        say(f"Wrote an Anki deck of {written.notes['rules']} rules and {written.notes['stages']} case stages to "
            f"{written.files[0]}.")
        return
    if every_case:
        if case:
            raise click.UsageError("give either CASE or --all, not both.")
        folder = out or Path("answer-keys" if key else "handouts")
        written = api.export_all(folder, fmt or "md", library, key=key, force=force, templates=templates, prior=prior)
        what = "answer keys" if key else "handouts"
        say(f"Wrote {written.notes['cases']} {what} and an index ({fmt or 'md'}) to {folder}.")
        return
    if not case:
        raise click.UsageError("name a CASE, or give --all (every case) or --format anki.")
    if fmt is None:
        fmt = "html" if out is not None and out.suffix.lower() in (".html", ".htm") else "md"
    text = api.export_case(case, fmt, library, key=key, prior=prior, templates=templates)
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    api.save_output(out, text, force)
    what = "answer key" if key else "handout"
    say(f"Wrote the {what} of '{case}' ({fmt}) to {out}.")
