"""Writers: a Document (or a quiz export) through Jinja2 templates into Markdown, HTML or XML.

Each format makes its escaping decision here, once: HTML and XML autoescape every value
(markupsafe); Markdown passes every value through `md_text`. Values a builder or figure made
safe on purpose (markupsafe.Markup, e.g. the SVG bar) pass unchanged. Templates run sandboxed,
since a teacher may use a set a colleague sent. With `templates`, a folder holding a copied and
edited set replaces the bundled one: a missing template or an error in one is the user's input
(InputError naming the template's file and line), an error in a bundled one is a fault. A
template's work is bounded (loop steps and calls, the size of what it makes and writes), so a
runaway loop is an error naming its line, not a hang; what it writes is cleaned of control
characters; and a document it writes must carry the notice, an HTML page no script, and Moodle
XML must parse.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
import stat
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from mmn_ddx.errors import InputError, Problem, did_you_mean

FORMATS = ("md", "html")
PAGE_POLICY = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
_SCRIPT = re.compile(r"<script\b|<[^>]*\son[a-z]+\s*=|<[^>]*javascript:", re.IGNORECASE)  # in tags: data text is escaped
NOTICE = "Educational use only"  # every document says so (mmn_ddx.DISCLAIMER begins with it)
TEMPLATE_SUFFIXES = (".j2", ".css")

# The bundled pages take a few thousand loop steps and calls; a teacher's edits may take many
# more, but a loop inside a loop over big ranges (10^10 steps) must stop in seconds, not hours.
TEMPLATE_STEPS = 2_000_000
TEMPLATE_SIZE = 10_000_000  # the most characters, items or digits a `*` or `**` may make
TEMPLATE_PAGE = 5 * TEMPLATE_SIZE  # the most characters the values of one page may come to
TEMPLATE_FILE_BYTES = 1_000_000  # the bundled templates are a few kilobytes each

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
        how_many = f" ({len(there)} of the {len(sources)} templates are there already)" if len(there) > 1 else ""
        raise InputError(Problem(str(there[0]), None, f"already exists{how_many}.",
                                 "Choose an empty folder, or add --force to replace them."))
    from mmn_ddx.files import write_files_atomic

    texts = {folder / template.name: template.read_text(encoding="utf-8") for template in sources}
    write_files_atomic(texts)
    return list(texts)


class RunawayTemplate(Exception):
    """A template that does too much work for one page."""


# What the page being rendered may still spend: [loop steps and calls, characters of values written].
_steps_left: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_steps_left")


def _spend(steps: int = 1) -> None:
    left = _steps_left.get(None)
    if left is None:
        return
    left[0] -= steps
    if left[0] < 0:
        raise RunawayTemplate(f"does too much work: over {TEMPLATE_STEPS:,} loop steps and calls for one page "
                              "(a loop inside a loop over a big range?)")


def _written(value):
    """A value a template writes, paid for by its length (a macro's output is kept in memory
    until the macro returns, so the page's text is counted as it is made)."""
    left = _steps_left.get(None)
    if left is not None and isinstance(value, str):
        left[1] -= len(value)
        if left[1] < 0:
            raise RunawayTemplate(f"does too much work: it writes over {TEMPLATE_PAGE:,} characters")
    return value


def _budgeted(iterable):
    """A loop's items, each paid for from the page's budget."""
    for item in iterable:
        _spend()
        yield item


def _too_big(what: str) -> RunawayTemplate:
    return RunawayTemplate(f"does too much work: {what} (the most is {TEMPLATE_SIZE:,})")


def _sized(value):
    """A value a template made (a call's, a filter's, a `~` or `+`), refused when it is too big to
    keep: doubling text in a loop stops at twice the limit, not at the machine's memory."""
    if isinstance(value, (str, list, tuple)) and len(value) > TEMPLATE_SIZE:
        raise _too_big(f"it makes a text or list of {len(value):,} characters or items")
    return value


def _refuse_huge(arguments) -> None:
    """A width or count such as center(10**9) would allocate before any result could be checked."""
    for value in arguments:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > TEMPLATE_SIZE:
            raise _too_big(f"it asks for a width or count of {value:,}")


def _checked_filter(function):
    from jinja2.utils import _PassArg

    skip = 1 if _PassArg.from_obj(function) is None else 2  # the filtered value (after the context)

    def checked(*args, **kwargs):
        _refuse_huge(args[skip:])
        _refuse_huge(kwargs.values())
        return function(*args, **kwargs)

    if hasattr(function, "jinja_pass_arg"):
        checked.jinja_pass_arg = function.jinja_pass_arg
    return checked


def _sandbox_class():
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.visitor import NodeTransformer

    def through(node, filter_name: str):
        return nodes.Filter(node, filter_name, [], [], None, None, lineno=node.lineno)

    class Bounded(NodeTransformer):
        """Every loop's items are paid for, every value a template makes is measured."""

        def visit_For(self, node):
            node = self.generic_visit(node)
            node.iter = through(node.iter, "mmn_ddx_budgeted")
            return node

        def visit_FilterBlock(self, node):  # its filter has no operand: keep it a filter
            node.body = [self.visit(child) for child in node.body]
            return node

        def visit_AssignBlock(self, node):
            node.body = [self.visit(child) for child in node.body]
            return node

        def visit_CallBlock(self, node):  # the compiler needs its call to stay a Call
            node.call.args = [self.visit(a) for a in node.call.args]
            node.body = [self.visit(child) for child in node.body]
            return node

        def _measured(self, node):
            return through(self.generic_visit(node), "mmn_ddx_sized")

        visit_Concat = visit_Call = visit_Filter = _measured

        def visit_Output(self, node):
            node = self.generic_visit(node)
            node.nodes = [child if isinstance(child, nodes.TemplateData) else through(child, "mmn_ddx_written")
                          for child in node.nodes]
            return node

    class BoundedSandbox(ImmutableSandboxedEnvironment):  # a page cannot change the data the next page is made of
        intercepted_binops = frozenset({"*", "**", "+"})

        def _generate(self, source, name, filename, defer_init=False):
            return super()._generate(Bounded().visit(source), name, filename, defer_init)

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                if right * math.log10(abs(left)) > TEMPLATE_SIZE:
                    raise _too_big(f"{left} ** {right} has too many digits")
            if operator == "*":
                for sized, times in ((left, right), (right, left)):
                    if isinstance(sized, (str, list, tuple)) and isinstance(times, int) and len(sized) * times > TEMPLATE_SIZE:
                        raise _too_big(f"it repeats a text or list {times:,} times")
            return _sized(super().call_binop(context, operator, left, right))

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja2's signature)
            _spend()
            _refuse_huge(args)
            _refuse_huge(kwargs.values())
            return super().call(__context, __obj, *args, **kwargs)

    return BoundedSandbox


def _concat(chunks) -> str:
    """The page's text, refused once it grows past what any printed page could need."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > TEMPLATE_PAGE:
            raise RunawayTemplate(f"does too much work: it writes over {TEMPLATE_PAGE:,} characters")
        parts.append(chunk)
    return "".join(parts)


def _loader(root: str):
    from jinja2 import FileSystemLoader
    from jinja2.loaders import split_template_path

    class TemplateFolder(FileSystemLoader):
        def get_source(self, environment, template):
            # A folder from a colleague may hold a link to a device or a huge file: reading
            # /dev/zero or a FIFO would never end.
            path = Path(root).joinpath(*split_template_path(template))
            with contextlib.suppress(OSError):
                status = path.stat()
                if not stat.S_ISREG(status.st_mode):
                    raise InputError(Problem(str(path), None, "is not a regular file, so it cannot be a template.",
                                             "Replace it with a copy of the bundled template.")) from None
                if status.st_size > TEMPLATE_FILE_BYTES:
                    raise InputError(Problem(str(path), None, f"is {status.st_size:,} bytes, too big for a template "
                                                              f"(the most is {TEMPLATE_FILE_BYTES:,}).",
                                             "Replace it with a copy of the bundled template.")) from None
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError as error:
                raise InputError(Problem(str(Path(root) / template), None,
                                         f"is not UTF-8 text (byte {error.start} cannot be read).",
                                         "Save the template as UTF-8 in your editor.")) from None

    return TemplateFolder(root)


@lru_cache(maxsize=8)
def _environment(kind: str, folder: str | None):
    from jinja2 import StrictUndefined

    Sandbox = _sandbox_class()
    root = str(bundled_templates()) if folder is None else folder
    options = dict(loader=_loader(root), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True)
    if kind == "md":
        env = Sandbox(autoescape=False, finalize=md_text, **options)
    else:
        env = Sandbox(autoescape=True, **options)
    env.filters = {name: _checked_filter(f) for name, f in env.filters.items()}
    env.filters["mmn_ddx_budgeted"] = _budgeted
    env.filters["mmn_ddx_sized"] = _sized
    env.filters["mmn_ddx_written"] = _written
    env.globals.pop("lipsum", None)  # a million paragraphs of filler on request; no page needs it
    env.concat = _concat
    return env


def render_template(name: str, templates: Path | str | None = None, **context) -> str:
    """Fill the template `name` (its suffix picks the escaping) from the bundled set or `templates`."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    from mmn_ddx.safetext import clean

    folder = None if templates is None else str(Path(templates))
    if folder is not None and not Path(folder).is_dir():
        raise InputError(Problem(folder, None, "is not a folder of templates.",
                                 "Copy the bundled set with 'mmn-ddx export --copy-templates DIR' and edit the copy."))
    env = _environment("md" if name.endswith(".md.j2") else "markup", folder)
    budget = _steps_left.set([TEMPLATE_STEPS, TEMPLATE_PAGE])
    try:
        text = env.get_template(name).render(**context)
    except InputError:
        raise
    except TemplateNotFound as error:
        if folder is None:
            raise
        missing = error.name or name
        path, line = _template_frame(error, folder)
        if path is not None:  # an {% include %}, {% import %} or {% extends %} in a teacher's template
            raise InputError(Problem(path, line, f"names the template '{missing}', which is not in the templates folder.",
                                     "Name only templates of this folder, by file name (e.g. 'blocks.html.j2').")) from None
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
        if path is None and isinstance(error, RunawayTemplate):
            path = str(Path(folder) / name)
        if path is None:
            raise
        what = str(error) if isinstance(error, RunawayTemplate) else f"template error: {type(error).__name__}: {error}"
        raise InputError(Problem(path, line, what,
                                 "Fix the template, or start again from a fresh copy of the bundled set.")) from None
    finally:
        _steps_left.reset(budget)
    # A template's own text is the teacher's (or a colleague's): it may carry an escape sequence
    # or a control character XML forbids; every value from data was cleaned when it was loaded.
    text = clean(text)
    _check_output(name, text, folder)
    return text


def _check_output(name: str, text: str, folder: str | None) -> None:
    """What every document must be: marked for educational use; an HTML page without scripts and
    with its Content-Security-Policy; Moodle XML well-formed."""
    import xml.etree.ElementTree as ET

    from mmn_ddx import DISCLAIMER

    where = str(Path(folder) / name) if folder is not None else name
    problem = None
    if name.endswith(".xml.j2"):
        try:
            ET.fromstring(text.encode("utf-8"))
        except ET.ParseError as error:
            line, column = error.position
            problem = Problem(where, None, f"writes a file that is not well-formed XML (at line {line}, column {column} "
                                           "of what it wrote), which Moodle would refuse.",
                              "Write values only as {{ value }} (they are escaped), or start again from a fresh copy of "
                              "the bundled set.")
    if problem is None and name.endswith(".html.j2"):
        # Pages stand alone and run nothing: a set a colleague sent could otherwise send the
        # students' names somewhere when a page is opened.
        if _SCRIPT.search(text):
            problem = Problem(where, None, "writes a page with a script (<script>, or an on...= handler); printed pages "
                                           "run no code.", "Remove the script from the template.")
        elif PAGE_POLICY not in text:
            problem = Problem(where, None, "writes a page without its Content-Security-Policy line, which stops a page "
                                           "from fetching or running anything.",
                              f"Keep the line {PAGE_POLICY} first in the page's <head>.")
    if problem is None and NOTICE.casefold() not in text.casefold():  # {{ doc.notice|upper }} still says it
        problem = Problem(where, None, f"writes a document without the notice '{DISCLAIMER}'.",
                          "Keep {{ doc.notice }} (or {{ notice }} in moodle.xml.j2) in the template.")
    if problem is not None:
        if folder is None:
            raise RuntimeError(f"the bundled template {name}: {problem.message}")
        raise InputError(problem)


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

