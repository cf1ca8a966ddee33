"""`mmn-ddx export`: a printable handout of a case, or its answer key (the pages come from mmn_ddx.export)."""

from __future__ import annotations

from pathlib import Path

import click

from mmn_ddx.cli import complete_case, library_of, main, say


@main.command()
@click.argument("case", shell_complete=complete_case)
@click.option("--format", "fmt", type=click.Choice(["md", "html"]),
              help="Markdown (the default), or an HTML page that stands alone (inline CSS and SVG, no network); "
                   "with --out FILE.html, html.")
@click.option("--answer-key", "key", is_flag=True,
              help="Write the answer key (diagnosis, the engine's view at each stage, evidence, sources) instead of the handout.")
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@click.option("--force", is_flag=True, help="With --out: replace the file if it exists.")
@click.option("--prior", type=float, help="Prior probability of MMN for the answer key (default 0.05).")
def export(case, fmt, key, out, force, prior):
    """Write a printable case handout (stages, questions, space for answers), or its answer key.

    CASE is the id of a bundled case or the path of a case file. The handout never shows the
    diagnosis; print the answer key separately with --answer-key.

    \b
      mmn-ddx export electrician-finger-drop --format html --out finger-drop.html
      mmn-ddx export electrician-finger-drop --format html --answer-key --out finger-drop-key.html
      mmn-ddx export cases/thick-slow-voice.yaml > bulbar.md
    """
    from mmn_ddx import api
    from mmn_ddx.export import document
    from mmn_ddx.files import write_new_file

    if prior is not None and not key:
        raise click.BadOptionUsage("prior", "--prior applies only with --answer-key (the handout shows no probabilities).")
    if out is not None and str(out) == "-":
        out = None  # the usual spelling of stdout
    if fmt is None:
        fmt = "html" if out is not None and out.suffix.lower() in (".html", ".htm") else "md"
    text = document(api.find_case(library_of(click.get_current_context()), case), fmt, key=key, prior=prior)
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_new_file(out, text, force)
    what = "answer key" if key else "handout"
    say(f"Wrote the {what} of '{case}' ({fmt}) to {out}.")
