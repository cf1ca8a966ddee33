"""The one library object: vocabulary, rule book (weighing, red flags, families, criteria), cases and quizzes.

Everything the commands need from data files comes from a `Library`, loaded once from a rules folder
and a cases folder (the bundled ones by default) and passed down explicitly, so that `validate DIR`,
`--rules DIR` and the tests see exactly the data they name and never the bundled copy by accident.
This module is the only one that asks where the bundled data lives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.resources import cases_dir, rules_dir

VOCABULARY_FILE_NAME = "findings.yaml"  # in a rules folder

if TYPE_CHECKING:
    from mmn_ddx.assessment import Assessor
    from mmn_ddx.model import Case
    from mmn_ddx.rulebook import RuleBook
    from mmn_ddx.vocabulary import Vocabulary


@dataclass(eq=False)
class Library:
    """A checked rule book with its vocabulary, and the folders its cases and quizzes are read from."""

    rules_root: Path
    cases_root: Path
    rulebook: RuleBook
    _assessors: dict = field(default_factory=dict, repr=False)
    _fingerprint: dict | None = field(default=None, repr=False)

    @property
    def vocabulary(self) -> Vocabulary:
        return self.rulebook.vocabulary

    @property
    def criteria(self) -> list:
        return self.rulebook.criteria

    @property
    def consider(self) -> list:
        return self.rulebook.consider

    @property
    def quizzes_root(self) -> Path:
        return self.cases_root / "quizzes"

    def cases(self) -> dict[str, Path]:
        """Case id (the file's stem) to path, for every case file in the cases folder."""
        from mmn_ddx.cases import case_files

        return {path.stem: path for path in case_files(self.cases_root)} if self.cases_root.is_dir() else {}

    def load_case(self, path: Path | str) -> Case:
        """A case file read and checked against this library's vocabulary."""
        from mmn_ddx.cases import load_case

        return load_case(path, self.vocabulary)

    def quizzes(self) -> dict[str, Path]:
        """Quiz name (the file's stem) to path, for every quiz in the cases folder's quizzes/."""
        folder = self.quizzes_root
        if not folder.is_dir():
            return {}
        return {path.stem: path for path in sorted(folder.glob("*.yaml")) if path.is_file()}

    def with_cases(self, cases: Path | str) -> Library:
        """The same rule book (compiled engines included) over another cases folder."""
        return Library(self.rules_root, Path(cases), self.rulebook, self._assessors, self._fingerprint)

    def rulebook_files(self) -> dict[str, list[Path]]:
        """The files the rule book was read from, by part: the vocabulary (the rules folder's own
        findings.yaml, else the bundled one), the weighing, consider and criteria rules, the families."""
        from mmn_ddx.rulebook import rule_files

        by_kind = rule_files(self.rules_root)
        return {
            "vocabulary": [vocabulary_file(self.rules_root)],
            "weighing": by_kind["weigh"],
            "consider": by_kind["consider"],
            "criteria": sorted((self.rules_root / "criteria").glob("*.yaml")),
            "families": [path for path in (self.rules_root / "families.yaml",) if path.is_file()],
        }

    def fingerprint(self) -> dict[str, str]:
        """Digests of the rule book: one per part of `rulebook_files()` and one of them all ('rulebook').

        Each covers the files' names and texts (line endings normalised), not where the folder
        lies, so the same rules give the same fingerprint on every machine; results carry it to
        tell which rules graded them.
        """
        if self._fingerprint is None:
            from mmn_ddx.yamlio import fingerprint_of, read_text

            parts = {part: fingerprint_of("".join(f"{path.name}\0{read_text(path)}\0" for path in paths))
                     for part, paths in self.rulebook_files().items()}
            parts["rulebook"] = fingerprint_of("".join(f"{part}={digest}\n" for part, digest in sorted(parts.items())))
            self._fingerprint = parts
        return dict(self._fingerprint)

    def assessor(self, engine: str = "durable") -> Assessor:
        """The rule book compiled for `engine`, compiled once per library."""
        if engine not in self._assessors:
            from mmn_ddx.assessment import Assessor

            self._assessors[engine] = Assessor(self.rulebook, engine)
        return self._assessors[engine]


def load_library(rules: Path | str | None = None, cases: Path | str | None = None) -> Library:
    """Read and check a rules folder; raise InputError on problems.

    The folder is read with its own findings.yaml (a copied and edited vocabulary is what its rules
    must be checked against); a folder of rule files alone is read with the bundled vocabulary.
    """
    from mmn_ddx.rulebook import load_rulebook
    from mmn_ddx.vocabulary import load_vocabulary

    rules_root = Path(rules) if rules is not None else rules_dir()
    cases_root = Path(cases) if cases is not None else cases_dir()
    if not (rules_root / "weigh").is_dir():  # else a mistyped folder would weigh nothing, silently
        raise InputError(Problem(str(rules_root), None, "is not a rules folder: it has no weigh/ folder of weighing rules.",
                                 "Name a copy of the bundled rules folder (findings.yaml, weigh/, consider/, criteria/)."))
    return Library(rules_root, cases_root, load_rulebook(rules_root, load_vocabulary(vocabulary_file(rules_root))))


def vocabulary_file(rules_root: Path) -> Path:
    """The findings.yaml a rules folder is read with: its own, else the bundled one."""
    own = rules_root / VOCABULARY_FILE_NAME
    return own if own.is_file() else rules_dir() / VOCABULARY_FILE_NAME


@lru_cache(maxsize=1)
def bundled_library() -> Library:
    """The library shipped with the tool, read once per process."""
    return load_library()


def library_for(rules: Path | str | None = None, cases: Path | str | None = None) -> Library:
    """The bundled library, or one with its rules and/or cases read from other folders.

    A cases folder alone shares the bundled rule book, compiled engines included.
    """
    if rules is None:
        return bundled_library() if cases is None else bundled_library().with_cases(cases)
    return load_library(rules, cases)

