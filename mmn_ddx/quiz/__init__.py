"""Quizzes as plain data: quiz files, seeded papers graded by the engine, answers and results.

Every question kind except `choice` is **graded by the engine** when the quiz runs: the right
answer is computed from the assessment of the case up to the question's stage and is never stored
in the quiz file, so a quiz cannot drift from the rules; the feedback on a wrong answer is the
engine's own explanation.

- `loading`: quiz files, found by name or path, and every check of their fields;
- `items`: a paper (a quiz prepared for one seed), its items, and grading one answer;
- `kinds`: the item builders, one per question kind, that ask the engine;
- `papers`: preparing a paper from a quiz and a seed;
- `answers`: matching what a student typed, and answers files;
- `results`: the results store (JSON files, checked against their schema) and what graded them;
- `session`: a student's run, saved after every answer;
- `keys`: the answer key as plain data;
- `generation`: a quiz drawn from the case library;
- `regrading`: a results file's answers graded again under the current rules;
- `api`: what the quiz commands call.

Nothing here prints, prompts or draws: the command line does that (mmn_ddx/cli/quiz.py,
mmn_ddx/render/quiz.py). Every function that needs data takes a `Library`.
"""

from mmn_ddx.quiz.answers import AnswerSheet, answer_help, answer_problem, is_skip, load_answers, match_answer
from mmn_ddx.quiz.api import generated_quiz, paper_for, quiz_key, start_quiz
from mmn_ddx.quiz.generation import generate
from mmn_ddx.quiz.items import Graded, Item, Option, Paper, grade
from mmn_ddx.quiz.keys import answer_key
from mmn_ddx.quiz.kinds import LEANING_MARGIN
from mmn_ddx.quiz.loading import (
    DEFAULT_OPTIONS, ENGINE_KINDS, KINDS, LETTERS, MAX_CHOICE_OPTIONS, MAX_OPTIONS, MIN_OPTIONS, Question, Quiz,
    find_quiz, fingerprint_of, load_quiz, quiz_from_text,
)
from mmn_ddx.quiz.papers import check_quiz_file, prepare
from mmn_ddx.quiz.results import RESULTS_SCHEMA, read_results, with_hint, write_json_atomic
from mmn_ddx.quiz.session import Session

__all__ = [
    "AnswerSheet", "DEFAULT_OPTIONS", "ENGINE_KINDS", "Graded", "Item", "KINDS", "LEANING_MARGIN", "LETTERS",
    "MAX_CHOICE_OPTIONS", "MAX_OPTIONS", "MIN_OPTIONS", "Option", "Paper", "Question", "Quiz", "RESULTS_SCHEMA",
    "Session", "answer_help", "answer_key", "answer_problem", "check_quiz_file", "find_quiz", "fingerprint_of",
    "generate", "grade", "is_skip", "load_answers", "load_quiz", "match_answer", "paper_for", "prepare",
    "quiz_from_text", "quiz_key", "generated_quiz", "read_results", "start_quiz", "with_hint", "write_json_atomic",
]
