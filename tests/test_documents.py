"""The document commands beyond one case: `export --all`, teachers' templates, the Anki deck."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, run_cli, write
from mmn_ddx import api
from mmn_ddx.library import load_library

SMALL = ["electrician-finger-drop", "tongue-twitches"]


@pytest.fixture(scope="module")
def small_library(tmp_path_factory):
    """The bundled rules with two cases, one of them hostile: exports of it stay quick."""
    cases = tmp_path_factory.mktemp("cases")
    for name in SMALL:
        shutil.copy(ROOT / "cases" / f"{name}.yaml", cases / f"{name}.yaml")
    text = (ROOT / "cases" / "electrician-finger-drop.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", 'title: "<script>alert(1)</script> & <b>co</b>"', text, count=1)
    write(cases / "hostile.yaml", text.replace("id: electrician-finger-drop", "id: hostile"))
    return load_library(ROOT / "rules", cases)


# ----------------------------------------------------------------------------- export --all
def test_export_all_writes_numbered_handouts_and_an_index_that_links_them(tmp_path):
    folder = tmp_path / "handouts"
    result = run_cli(["export", "--all", "--format", "html", "--out", str(folder)])
    assert "handouts and an index" in result.stderr
    ids = sorted(path.stem for path in (ROOT / "cases").glob("*.yaml"))
    pages = sorted(folder.glob("case-*.html"))
    assert len(pages) == len(ids)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{page.name}"' in index for page in pages)
    for case_id in ids:  # an id can hint at the diagnosis: neither the names nor the index show it
        assert case_id not in index
    first = pages[0].read_text(encoding="utf-8")
    assert "Stage 1 of" in first and "Diagnosis:" not in first


def test_export_all_refuses_to_overwrite_and_loses_nothing(small_library, tmp_path):
    from mmn_ddx.errors import InputError

    folder = tmp_path / "handouts"
    write(folder / "case-03.md", "my own notes")
    with pytest.raises(InputError) as refused:
        api.export_all(folder, "md", small_library)
    assert "case-03.md" in str(refused.value) and "--force" in str(refused.value) and "nothing was written" in str(refused.value)
    assert [p.name for p in folder.iterdir()] == ["case-03.md"]
    assert (folder / "case-03.md").read_text() == "my own notes"
    api.export_all(folder, "md", small_library, force=True)
    assert (folder / "case-03.md").read_text().startswith("# ")
    assert not list(folder.glob(".*.tmp"))


def test_export_all_answer_keys_share_the_handouts_numbers(small_library, tmp_path):
    written = api.export_all(tmp_path, "md", small_library, key=True)
    names = [p.name for p in written.files]
    assert names == ["case-01-key.md", "case-02-key.md", "case-03-key.md", "index.md"]
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "electrician-finger-drop" in index and "(<case-01-key.md>)" in index
    assert (tmp_path / "case-01-key.md").read_text(encoding="utf-8").startswith("# Answer key:")


def test_export_all_in_a_real_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mmn_ddx", "export", "--all", "--out", str(tmp_path / "x")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x" / "index.md").read_text(encoding="utf-8").startswith("# Case handouts")


def test_export_all_says_when_the_folder_cannot_be_made(tmp_path):
    file = write(tmp_path / "a-file", "")
    result = run_cli(["export", "--all", "--out", str(file / "sub")], exit_code=2)
    assert "is a file, not a folder" in result.stderr


# ----------------------------------------------------------------------------- teachers' templates
@pytest.fixture
def templates(tmp_path):
    folder = tmp_path / "templates"
    run_cli(["export", "--copy-templates", str(folder)])
    return folder


def test_a_copied_and_edited_template_is_used(templates):
    page = templates / "page.html.j2"
    page.write_text(page.read_text().replace("<header>", '<header>\n<p class="logo">Our Medical School</p>'))
    out = run_cli(["export", "electrician-finger-drop", "--format", "html", "--templates", str(templates)]).stdout
    assert '<p class="logo">Our Medical School</p>' in out and "Stage 1 of 5" in out
    bundled = run_cli(["export", "electrician-finger-drop", "--format", "html"]).stdout
    assert "Our Medical School" not in bundled


def test_quiz_keys_use_the_templates_too(templates):
    block = templates / "block.md.j2"
    block.write_text(block.read_text().replace("- **{{ option.letter }}) {{ option.label }} ✓**", "- RIGHT: {{ option.label }}"))
    out = run_cli(["quiz", "key", "introductory", "--seed", "1", "--format", "md", "--templates", str(templates)]).stdout
    assert "- RIGHT: " in out and "✓" not in out


def test_copying_templates_again_refuses_to_replace_edits(templates):
    edited = templates / "style.css"
    edited.write_text("body { color: red; }")
    assert "--force" in run_cli(["export", "--copy-templates", str(templates)], exit_code=2).stderr
    assert edited.read_text() == "body { color: red; }"


def test_a_missing_template_is_named(templates):
    (templates / "block.md.j2").unlink()
    result = run_cli(["export", "electrician-finger-drop", "--templates", str(templates)], exit_code=2)
    assert "block.md.j2" in result.stderr and "missing" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("broken, message", [
    ("{% if doc.kind %}\nno end", "template error"),
    ("line one\n{{ doc.no_such_field }}", "no_such_field"),
    ("line one\n{{ doc.__class__.__mro__ }}", "template error"),  # the sandbox refuses
], ids=["syntax", "undefined", "sandbox"])
def test_a_broken_template_is_named_with_its_line(templates, broken, message):
    write(templates / "page.md.j2", broken)
    result = run_cli(["export", "electrician-finger-drop", "--templates", str(templates)], exit_code=2)
    assert "page.md.j2, line 2" in result.stderr and message in result.stderr


# ----------------------------------------------------------------------------- the Anki deck
def notes_of(path):
    with zipfile.ZipFile(path) as archive:
        assert "collection.anki2" in archive.namelist()
        data = archive.read("collection.anki2")
    db_path = path.with_suffix(".anki2")
    db_path.write_bytes(data)
    with sqlite3.connect(db_path) as db:
        return [dict(guid=g, fields=f.split("\x1f"), tags=t.split()) for g, f, t in db.execute("select guid, flds, tags from notes")]


def test_the_anki_deck_holds_a_note_per_rule_and_per_case_stage(small_library, tmp_path):
    deck = tmp_path / "deck.apkg"
    written = api.export_anki(deck, small_library)
    notes = notes_of(deck)
    rules = [n for n in notes if "rule" in n["tags"]]
    stages = [n for n in notes if "case-stage" in n["tags"]]
    assert len(rules) == len(small_library.rulebook.weigh) == written.notes["rules"]
    cases = [small_library.load_case(path) for path in small_library.cases().values()]
    assert len(stages) == sum(len(c.stages) for c in cases) == written.notes["stages"]
    rule = next(r for r in small_library.rulebook.weigh if r.toward == "mmn" and r.family)
    note = next(n for n in rules if n["fields"][2] == rule.id)
    assert "how strongly?" in note["fields"][0] and "toward MMN" in note["fields"][1]
    assert rule.sources[0].split()[0] in note["fields"][1]
    assert f"family::{rule.family}" in note["tags"] and any(t.startswith("difficulty::") for t in note["tags"])
    hostile = [n for n in stages if "alert(1)" in n["fields"][0]]
    assert hostile and all("<script>" not in n["fields"][0] and "&lt;script&gt;" in n["fields"][0] for n in hostile)


def test_the_anki_deck_is_the_same_bytes_for_the_same_rule_book_and_refuses_to_overwrite(small_library, tmp_path):
    first, again = tmp_path / "a.apkg", tmp_path / "b.apkg"
    api.export_anki(first, small_library)
    api.export_anki(again, small_library)
    assert first.read_bytes() == again.read_bytes()
    assert len({n["guid"] for n in notes_of(first)}) == len(notes_of(first))  # stable ids, none shared
    result = run_cli(["export", "--format", "anki", "--out", str(first)], exit_code=2)
    assert "already exists" in result.stderr and first.read_bytes() == again.read_bytes()
    assert "give no CASE" in run_cli(["export", "electrician-finger-drop", "--format", "anki"], exit_code=2).stderr
