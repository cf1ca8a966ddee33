"""A paper and its items: a quiz prepared for one seed, each question with its options, its right
answer and why, and the grading of one answer against an item.

The same quiz file and seed give the same paper on any machine (the order comes from
`random.Random` seeded with a string, never from `hash()` or set order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from mmn_ddx.model import Case
from mmn_ddx.quiz.loading import LETTERS, Question, Quiz, fingerprint_of


@dataclass(frozen=True)
class Option:
    value: str  # the canonical answer: a leaning, a finding id, a category, a condition, a choice's text
    label: str  # what the student reads


@dataclass(frozen=True)
class Item:
    """One question as asked on a paper: options in order, the right answer and why."""

    question: Question
    number: int  # 1-based position on the paper
    prompt: str
    options: tuple[Option, ...]
    right: Option
    accepted: frozenset  # every value graded right (ties, several conditions named)
    explanation: str  # the engine's explanation of the right answer (or the instructor's, for choice)
    rule: str | None  # the rule (or criterion set) behind the right answer
    teaching_point: str | None
    wrong_notes: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)  # value -> (why wrong, rule)
    labels: Mapping[str, str] = field(default_factory=dict)  # accepted values not offered -> how to show them
    stage_name: str | None = None

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def case(self) -> Case | None:
        return self.question.case

    def letter(self, option: Option) -> str:
        return LETTERS[self.options.index(option)] if option in self.options else ""


@dataclass(frozen=True)
class Paper:
    quiz: Quiz
    seed: int | None
    items: tuple[Item, ...]
    rulebook: Mapping[str, str] = field(default_factory=dict)  # Library.fingerprint() of the rules that graded it

    @property
    def fingerprint(self) -> str:
        """Of the quiz file and the seed together: results belong to exactly one paper."""
        return fingerprint_of(f"{self.quiz.fingerprint}|seed={self.seed}")

    def item(self, question_id: str) -> Item | None:
        for item in self.items:
            if item.id == question_id:
                return item
        return None


@dataclass(frozen=True)
class Graded:
    item: Item
    option: Option | None  # None: skipped
    correct: bool
    feedback: str
    explained_by: str | None  # the rule that explains the answer given (the right one's, when right)


def grade(item: Item, option: Option | None) -> Graded:
    if option is None:
        # every view names the right answer beside the feedback: the feedback explains it, as for a wrong answer
        return Graded(item, None, False, item.explanation, item.rule)
    if option.value in item.accepted:
        return Graded(item, option, True, item.explanation, item.rule)
    note, rule = item.wrong_notes.get(option.value, ("", None))
    feedback = f"{note} {item.explanation}".strip()
    return Graded(item, option, False, feedback, rule or item.rule)
