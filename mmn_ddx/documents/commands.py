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
    _check_prior(prior, key)
    case = find_case(library, name)
    return answer_key(case, fmt, library, prior, templates=templates) if key else handout(case, fmt, library, templates)


def _check_prior(prior: float | None, key: bool) -> None:
    if prior is not None and not key:
        raise InputError(Problem(None, None, "--prior applies only with --answer-key (the handout shows no probabilities)."))


def check_new_files(paths, force: bool) -> None:
    """Refuse, before anything is written, when any of `paths` exists (unless `force`)."""
    there = [p for p in paths if p.exists() or p.is_symlink()]
    if there and not force:
        more = f" ({len(there)} of the {len(paths)} files exist)" if len(there) > 1 else ""
        fix = ("Add --force to replace it, or choose another file." if len(paths) == 1 else
               "Add --force to replace them, or choose another folder.")
        raise InputError(Problem(str(there[0]), None, f"already exists and will not be overwritten{more}; nothing was written.",
                                 fix))
    folders = {p.parent for p in paths}
    for folder in sorted(folders):
        for parent in (folder, *folder.parents):
            if parent.exists():
                if not parent.is_dir():
                    raise InputError(Problem(str(folder), None, f"cannot be written: '{parent}' is a file, not a folder.",
                                             "Choose a folder path."))
                break


def write_files(texts: dict[Path, str | bytes], force: bool) -> list[Path]:
    """Write every file, all or none, after checking that none would replace a file by accident."""
    from mmn_ddx.files import write_files_atomic

    check_new_files(list(texts), force)
    write_files_atomic(texts)
    return list(texts)


def export_all(folder: Path | str, fmt: str, library, *, key: bool = False, force: bool = False,
               templates: Path | str | None = None, prior: float | None = None) -> Written:
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
    _check_prior(prior, key)
    folder = Path(folder)
    cases = [load_case(path, library.vocabulary) for _, path in sorted(library.cases().items())]
    if not cases:
        raise InputError(Problem(str(library.cases_root), None, "holds no case files, so there is nothing to export."))
    texts: dict[Path, str] = {}
    items = []
    width = max(2, len(str(len(cases))))
    for number, case in enumerate(cases, 1):
        name = f"case-{number:0{width}d}" + ("-key" if key else "") + f".{fmt}"
        document = case_answer_key(case, library, prior) if key else case_handout(case, library)
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


# ----------------------------------------------------------------------------- quiz papers
ROSTER_COLUMNS = ("student", "name")  # the column that names the students (the first found)
ROSTER_NAME_LIMIT = 200  # printed on a paper's first line, and part of its file name
ROSTER_DELIMITERS = ",;\t"  # a spreadsheet saves CSV with commas, or semicolons where the comma is decimal


def roster_lines(path: Path | str) -> list[tuple[int, str]]:
    """Each student of a roster CSV (a header row with a 'student' or 'name' column) with the line
    that names them, in file order. Names are cleaned of control characters (they are printed on
    papers and in messages)."""
    import csv
    import io

    from mmn_ddx.safetext import clean, shorten

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(Problem(str(path), None, "does not exist.", "Give the roster CSV's path.")) from None
    except UnicodeDecodeError as error:
        line = error.object[:error.start].count(b"\n") + 1
        raise InputError(Problem(str(path), line, f"is not UTF-8 text (byte {error.object[error.start]:#04x} cannot be read).",
                                 "Save the roster as 'CSV UTF-8' in your spreadsheet.")) from None
    except OSError as error:
        raise InputError(Problem(str(path), None, f"cannot be read ({error.strerror or error}).",
                                 "Check the roster's path and that you may read it.")) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(ROSTER_DELIMITERS, key=first.count) if any(d in first for d in ROSTER_DELIMITERS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # A quoted cell may span lines: each row is numbered by the line it starts on.
    rows, starts, line = [], [], 1
    for row in reader:
        rows.append([clean(cell) for cell in row])
        starts.append(line)
        line = reader.line_num + 1
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(Problem(str(path), 1, "is empty: a roster needs a header row and one row per student.",
                                 "E.g. a first line 'student', then one name a line."))
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(name) for name in ROSTER_COLUMNS if name in header), None)
    if column is None:
        raise InputError(Problem(str(path), 1, f"has no 'student' column (the header is: {', '.join(rows[0])}).",
                                 "Name the column of students 'student' (or 'name'); separate columns with commas."))
    students: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for line, row in zip(starts[1:], rows[1:]):
        if not any(cell.strip() for cell in row):
            continue
        name = " ".join(row[column].split()) if column < len(row) else ""
        if not name:
            problems.append(Problem(str(path), line, "has no student name.", "Fill in the name, or delete the row."))
        elif len(name) > ROSTER_NAME_LIMIT:
            problems.append(Problem(str(path), line, f"has a name of {len(name):,} characters ('{shorten(name, 40)}'); "
                                                     f"the most is {ROSTER_NAME_LIMIT}.",
                                    "Is the right column named 'student'? Shorten the name."))
        elif name.casefold() in seen:
            problems.append(Problem(str(path), line, f"names '{name}' again (first on line {seen[name.casefold()]}).",
                                    "Each student once; tell namesakes apart, e.g. 'Ada L.' and 'Ada M.'."))
        else:
            seen[name.casefold()] = line
            students.append((line, name))
    if problems:
        raise InputError(problems)
    if not students:
        raise InputError(Problem(str(path), 1, "lists no students under its header.", "Add one row per student."))
    return students


def student_seed(seed: int, student: str) -> int:
    """The seed of a student's paper: from the class's seed and the name, the same on any machine."""
    import hashlib

    digest = hashlib.sha256(f"mmn-ddx/paper/{seed}/{student}".encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 1_000_000


SLUG_LIMIT = 60  # file names stay well under every file system's limit


def file_slug(text: str) -> str:
    """A name as a file name: letters, digits and hyphens."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain)[:SLUG_LIMIT].strip("-").lower() or "student"


def quiz_papers(quiz_name: str, library, *, seed: int, fmt: str = "html", out: Path | str = "papers",
                roster: Path | str | None = None, force: bool = False, templates: Path | str | None = None) -> Written:
    """One paper per student (or one for the seed without a roster) and one answer key per seed, in
    `out`, with papers.csv saying which student has which seed and files."""
    import csv
    import io

    from mmn_ddx.documents import check_format, write
    from mmn_ddx.documents.quizzes import quiz_key, quiz_paper
    from mmn_ddx.quiz import answer_key
    from mmn_ddx.safetext import csv_cell

    check_format(fmt)
    out = Path(out)
    quiz = _load_quiz(quiz_name, library)
    named = roster_lines(roster) if roster is not None else [(None, None)]
    students = [student for _, student in named]
    slugs = [file_slug(s) if s else f"seed-{seed}" for s in students]
    first_line: dict[str, int | None] = {}
    for (line, student), slug in zip(named, slugs):
        if slug in first_line:
            raise InputError(Problem(str(roster), line, f"'{student}' would share the file name 'paper-{slug}' with the "
                                                        f"student on line {first_line[slug]}.",
                                     "Tell them apart in the roster, e.g. with an initial."))
        first_line[slug] = line
    texts: dict[Path, str] = {}
    rows: list[list] = [["student", "seed", "paper", "key"]]
    seeds = [student_seed(seed, student) if student else seed for student in students]
    files = [(f"paper-{slug}.{fmt}", f"key-seed-{own_seed}.{fmt}") for slug, own_seed in zip(slugs, seeds)]
    # Refuse before the engine grades a paper: a class of a thousand takes a while.
    check_new_files([out / name for pair in files for name in pair] + [out / "papers.csv"], force)
    for student, own_seed, (paper_file, key_file), paper in zip(students, seeds, files, _papers(quiz, library, seeds)):
        texts[out / paper_file] = write(quiz_paper(paper, library.vocabulary, student), fmt, templates)
        texts[out / key_file] = write(quiz_key(answer_key(paper)), fmt, templates)
        rows.append([csv_cell(student or ""), own_seed, paper_file, key_file])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    texts[out / "papers.csv"] = buffer.getvalue()
    return Written(write_files(texts, force), {"papers": len(students), "keys": len(set(seeds))})


def _load_quiz(quiz_name: str, library):
    from mmn_ddx.quiz.loading import find_quiz, load_quiz

    return load_quiz(find_quiz(quiz_name, library), library)


def _papers(quiz, library, seeds: list[int | None]) -> list:
    """The papers of the seeds, from one reading of the quiz (a class of a thousand shares it)."""
    from mmn_ddx.quiz.kinds import ItemContext
    from mmn_ddx.quiz.papers import prepare

    shared = ItemContext(library)  # the engine's view of each case stage is the same under every seed
    return [prepare(quiz, library, seed, context=shared) for seed in seeds]


def quiz_export(quiz_name: str, library, *, fmt: str = "moodle-xml", seed: int | None = None, variants: int | None = None,
                templates: Path | str | None = None) -> str:
    """The quiz as Moodle XML: the paper of `seed`, or `variants` papers (seeds 1 to K)."""
    from mmn_ddx.documents.moodle import moodle_xml
    from mmn_ddx.documents.writers import check_format

    check_format(fmt, ("moodle-xml",))
    if seed is not None and variants is not None:
        raise InputError(Problem(None, None, "--seed and --variants both choose the papers; give one.",
                                 "--seed N for one paper, --variants K for the papers of seeds 1 to K."))
    if variants is not None and variants < 1:
        raise InputError(Problem(None, None, f"--variants must be 1 or more, not {variants}."))
    seeds = list(range(1, variants + 1)) if variants else [seed]
    return moodle_xml(_papers(_load_quiz(quiz_name, library), library, seeds), library, templates)


def class_report_page(report, fmt: str = "html", templates: Path | str | None = None, top: int = 10) -> str:
    """A class report (mmn_ddx.classroom.class_report) as a printable page."""
    from mmn_ddx.documents import write
    from mmn_ddx.documents.reports import class_report

    return write(class_report(report, top), fmt, templates)
