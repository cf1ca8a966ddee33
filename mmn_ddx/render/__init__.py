"""Terminal views (rich). The library returns plain data; only this package draws it.

console: the one console and the lines printed directly; assessment: the engine's view of a case;
library: findings, conditions, rules and cases as reference; walk: a walk through a case; quiz: quizzes.
"""
