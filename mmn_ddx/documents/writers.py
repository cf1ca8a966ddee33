"""Writers: a Document (or a quiz export) through Jinja2 templates into Markdown, HTML or XML.

Each format makes its escaping decision here, once: HTML and XML autoescape every value
(markupsafe); Markdown passes every value through `md_text`. Values a builder or figure made
safe on purpose (markupsafe.Markup, e.g. the SVG bar) pass unchanged. Templates run sandboxed,
since a teacher may use a set a colleague sent. With `templates`, a folder holding a copied and
edited set replaces the bundled one: a missing template or an error in one is the user's input
(InputError naming the template's file and line), an error in a bundled one is a fault.
"""

from __future__ import annotations

import re
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from mmn_ddx.errors import InputError, Problem, did_you_mean

FORMATS = ("md", "html")
TEMPLATE_SUFFIXES = (".j2", ".css")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_BLOCK_START = re.compile(r"^([#>+=~-])|^(\d+)([.)])")


def md_text(text: Any) -> str:
    """Text from a case or rule file, made inert in Markdown (no markup, no HTML, no block syntax)."""
    if isinstance(text, Markup):
        return str(text)
    flat = " ".join(str(text).split())
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    flat = _MD_ENTITY.sub(r"\\&", flat)
    return _MD_BLOCK_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", flat)


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> str:
    if fmt not in allowed:
        near = did_you_mean(fmt, allowed, list_few=False)
        listed = ", ".join(f"'{f}'" for f in allowed)
        raise InputError(Problem(None, None, f"format '{fmt}' is unknown.", f"{near} Allowed: {listed}.".strip()))
    return fmt


def bundled_templates() -> Path:
    # The templates are part of this package (shipped in the wheel beside this module), not data
    # a user points the tool at; a teacher's own set comes in through `templates`.
    return Path(__file__).resolve().parent / "templates"


def copy_templates(folder: Path | str, force: bool = False) -> list[Path]:
    """Copy the bundled templates into `folder` for a teacher to edit; existing files are kept
    unless `force`."""
    folder = Path(folder)
    sources = sorted((t for t in bundled_templates().iterdir() if t.name.endswith(TEMPLATE_SUFFIXES)), key=lambda t: t.name)
    there = [folder / t.name for t in sources if (folder / t.name).exists()]
    if there and not force:
        raise InputError(Problem(str(there[0]), None, f"already exists ({len(there)} of the templates are there already).",
                                 "Choose an empty folder, or add --force to replace them."))
    from mmn_ddx.files import write_text_atomic

    written = []
    for template in sources:
        write_text_atomic(folder / template.name, template.read_text(encoding="utf-8"))
        written.append(folder / template.name)
    return written


@lru_cache(maxsize=8)
def _environment(kind: str, folder: str | None):
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    root = str(bundled_templates()) if folder is None else folder
    options = dict(loader=FileSystemLoader(root), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True)
    if kind == "md":
        return SandboxedEnvironment(autoescape=False, finalize=md_text, **options)
    return SandboxedEnvironment(autoescape=True, **options)


def render_template(name: str, templates: Path | str | None = None, **context) -> str:
    """Fill the template `name` (its suffix picks the escaping) from the bundled set or `templates`."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    folder = None if templates is None else str(Path(templates))
    if folder is not None and not Path(folder).is_dir():
        raise InputError(Problem(folder, None, "is not a folder of templates.",
                                 "Copy the bundled set with 'mmn-ddx export --copy-templates DIR' and edit the copy."))
    env = _environment("md" if name.endswith(".md.j2") else "markup", folder)
    try:
        return env.get_template(name).render(**context)
    except TemplateNotFound as error:
        if folder is None:
            raise
        missing = error.name or name
        raise InputError(Problem(str(Path(folder) / missing), None, "is missing: the templates folder has no such template.",
                                 "Copy the bundled set with 'mmn-ddx export --copy-templates DIR' and edit the copy.")) from None
    except TemplateSyntaxError as error:
        if folder is None:
            raise
        raise InputError(Problem(error.filename or name, error.lineno, f"template error: {error.message}",
                                 "Fix the template, or start again from a fresh copy of the bundled set.")) from None
    except Exception as error:
        if folder is None:
            raise
        path, line = _template_frame(error, folder)
        if path is None:
            raise
        raise InputError(Problem(path, line, f"template error: {type(error).__name__}: {error}",
                                 "Fix the template, or start again from a fresh copy of the bundled set.")) from None


def _template_frame(error: BaseException, folder: str) -> tuple[str | None, int | None]:
    """The innermost frame of `error`'s traceback that is in one of the folder's templates."""
    root = str(Path(folder).resolve())
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename and str(Path(frame.filename).resolve()).startswith(root):
            return frame.filename, frame.lineno
    return None, None


def write(document, fmt: str, templates: Path | str | None = None) -> str:
    """The document in `fmt` ('md' or 'html')."""
    check_format(fmt)
    from mmn_ddx import __version__
    from mmn_ddx.documents.model import Bar

    text = render_template(f"page.{fmt}.j2", templates, doc=document, version=__version__, empty_bar=Bar())
    # Templates leave blank lines around blocks: Markdown needs one between blocks, HTML none.
    if fmt == "md":
        return re.sub(r"\n{3,}", "\n\n", text).lstrip("\n")
    return re.sub(r"\n\s*\n", "\n", text)

