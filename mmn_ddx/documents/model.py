"""The document model: what a handout, answer key, paper or report says, before any format.

Builders (mmn_ddx.documents.cases, .quizzes, .reports) fill these plain dataclasses once; the
writers (mmn_ddx.documents.writers) turn them into Markdown or HTML through templates. Every
string here is plain text, never markup: each writer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from mmn_ddx import DISCLAIMER

ANSWER_LINES = 3  # lines left for each written answer


@dataclass
class Paragraph:
    """A paragraph; `label` is a bold lead-in, `style` how it stands out (meta, note, small, strong,
    verdict, instructions, diagnosis, answer, or plain)."""

    text: str
    label: str = ""
    style: str = ""
    kind: ClassVar[str] = "paragraph"


@dataclass
class Heading:
    """A heading inside a section."""

    text: str
    kind: ClassVar[str] = "heading"


@dataclass
class Item:
    text: str
    label: str = ""  # a bold lead-in
    href: str = ""  # a link to a file written beside this one (an index page's entries)


@dataclass
class ItemList:
    """A bulleted list; style 'findings' sets a case's findings in two columns on paper."""

    items: list[Item]
    style: str = ""
    kind: ClassVar[str] = "items"


@dataclass
class EvidenceItem:
    """One fired weighing rule with its ratio, the findings that fired it, why, and its sources."""

    title: str
    rule_id: str
    toward: str
    ratio: str
    findings: str
    explanation: str
    folded: str = ""  # rules of the same family counted once through this one
    sources: list[str] = field(default_factory=list)


@dataclass
class EvidenceList:
    items: list[EvidenceItem]
    kind: ClassVar[str] = "evidence"


@dataclass
class Option:
    """A multiple-choice option; `right` is None on a paper (no answer shown), True/False in a key."""

    letter: str
    label: str
    right: bool | None = None


@dataclass
class Question:
    """A question and the space to answer it: ruled lines, the leaning choice with an empty
    evidence bar, or boxes to tick beside `options`."""

    text: str
    answer: str = "lines"  # "lines", "lean" or "options"
    options: list[Option] = field(default_factory=list)
    lines: int = ANSWER_LINES


@dataclass
class Questions:
    questions: list[Question]
    start: int = 1
    kind: ClassVar[str] = "questions"


@dataclass
class Options:
    """A key's options, the right ones marked."""

    options: list[Option]
    kind: ClassVar[str] = "options"


@dataclass
class Bar:
    """The evidence bar (MMN left, ALS right); without p_mmn an empty one for a learner's mark."""

    p_mmn: float | None = None
    label: str = ""  # printed after the text bar, e.g. 'P(MMN) = 0.97'
    kind: ClassVar[str] = "bar"

    def svg(self):
        from mmn_ddx.documents.figures import evidence_bar_svg

        return evidence_bar_svg(self.p_mmn)

    def text(self) -> str:
        from mmn_ddx.documents.figures import text_bar

        return text_bar(self.p_mmn) + (f"   {self.label}" if self.label else "")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    kind: ClassVar[str] = "table"


@dataclass
class Histogram:
    """Counts per band, e.g. scores per ten percent: (low, high, count)."""

    bins: list[tuple[int, int, int]]
    caption: str = ""
    kind: ClassVar[str] = "histogram"

    def svg(self):
        from mmn_ddx.documents.figures import histogram_svg

        return histogram_svg(self.bins, self.caption)

    def text_lines(self) -> list[str]:
        from mmn_ddx.documents.figures import histogram_text

        return histogram_text(self.bins)


@dataclass
class NameLine:
    """Blanks for the student's name and the date."""

    kind: ClassVar[str] = "name_line"


@dataclass
class Section:
    """A titled part of a document; `break_before` starts it on a new printed page."""

    title: str
    blocks: list = field(default_factory=list)
    anchor: str = ""
    css: str = ""
    break_before: bool = False


@dataclass
class Document:
    """A whole page: `kind` names it to the stylesheet (handout, answer-key, quiz-key, paper, index,
    class-report)."""

    kind: str
    title: str
    heading: str
    meta: str = ""
    header: list = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notice: str = DISCLAIMER
