"""What the document commands call (re-exported by mmn_ddx.api): one function per command,
taking the library explicitly, returning text or what was written, never printing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mmn_ddx.errors import InputError, Problem


@dataclass
class Written:
    """The files a command wrote, in order, and a summary line's worth of figures."""

    files: list[Path] = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def export_case(name: str, fmt: str, library, *, key: bool = False, prior: float | None = None,
                templates: Path | str | None = None) -> str:
    """A case's handout, or with `key` its answer key, in `fmt` ('md' or 'html')."""
    from mmn_ddx.api import find_case
    from mmn_ddx.documents import answer_key, check_format, handout

    check_format(fmt)
    if prior is not None and not key:
        raise InputError(Problem(None, None, "--prior applies only with --answer-key (the handout shows no probabilities)."))
    case = find_case(name)
    return answer_key(case, fmt, library, prior, templates=templates) if key else handout(case, fmt, library, templates)


def check_new_files(paths, force: bool) -> None:
    """Refuse, before anything is written, when any of `paths` exists (unless `force`)."""
    there = [p for p in paths if p.exists() or p.is_symlink()]
    if there and not force:
        more = f" ({len(there)} of the {len(paths)} files exist)" if len(there) > 1 else ""
        raise InputError(Problem(str(there[0]), None, f"already exists and will not be overwritten{more}; nothing was written.",
                                 "Add --force to replace them, or choose another folder."))
    folders = {p.parent for p in paths}
    for folder in sorted(folders):
        for parent in (folder, *folder.parents):
            if parent.exists():
                if not parent.is_dir():
                    raise InputError(Problem(str(folder), None, f"cannot be written: '{parent}' is a file, not a folder.",
                                             "Choose a folder path."))
                break


def write_files(texts: dict[Path, str | bytes], force: bool) -> list[Path]:
    """Write every file atomically, after checking that none would replace a file by accident."""
    from mmn_ddx.files import write_text_atomic

    check_new_files(list(texts), force)
    for path, text in texts.items():
        write_text_atomic(path, text)
    return list(texts)


def export_all(folder: Path | str, fmt: str, library, *, key: bool = False, force: bool = False,
               templates: Path | str | None = None) -> Written:
    """Every case of the library as handouts (or answer keys) in `folder`, with an index page.

    Handouts are named by number in the order of the case ids (case-01.html, …): a case id may
    hint at the diagnosis, and the handout never shows it. Keys share the numbers, so a key
    matches its handout.
    """
    from mmn_ddx.cases import load_case
    from mmn_ddx.documents import check_format, write
    from mmn_ddx.documents.cases import case_answer_key, case_handout, difficulty_text
    from mmn_ddx.documents.model import Document, Item, ItemList, Paragraph, Section

    check_format(fmt)
    folder = Path(folder)
    cases = [load_case(path, library.vocabulary) for _, path in sorted(library.cases().items())]
    if not cases:
        raise InputError(Problem(str(library.cases_root), None, "holds no case files, so there is nothing to export."))
    texts: dict[Path, str] = {}
    items = []
    width = max(2, len(str(len(cases))))
    for number, case in enumerate(cases, 1):
        name = f"case-{number:0{width}d}" + ("-key" if key else "") + f".{fmt}"
        document = case_answer_key(case, library) if key else case_handout(case, library)
        texts[folder / name] = write(document, fmt, templates)
        extra = f" · {case.id} · {library.vocabulary.diagnosis_label(case.diagnosis)}" if key else ""
        items.append(Item(f"{case.title} ({difficulty_text(case)}, {len(case.stages)} stages{extra})",
                          label=f"Case {number}:", href=name))
    what = "Answer keys" if key else "Case handouts"
    index = Document("index", what, what, meta=f"{len(cases)} cases" + (" · keep apart from the handouts" if key else ""),
                     header=[Paragraph("Each case is a page of its own; print them one at a time.")],
                     sections=[Section("Cases", [ItemList(items)])])
    texts[folder / f"index.{fmt}"] = write(index, fmt, templates)
    return Written(write_files(texts, force), {"cases": len(cases)})


def export_anki(out: Path | str, library, *, force: bool = False) -> Written:
    """The Anki deck of the rule book and the case stages, written to `out`."""
    from mmn_ddx.documents.anki import build_deck

    check_new_files([Path(out)], force)  # before the cases are weighed, which takes a while
    deck = build_deck(library, out, force)
    return Written([deck.path], {"rules": deck.rule_notes, "stages": deck.stage_notes})


def copy_templates(folder: Path | str, *, force: bool = False) -> Written:
    """The bundled templates, copied into `folder` for a teacher to edit."""
    from mmn_ddx.documents.writers import copy_templates as copy

    return Written(copy(folder, force))
