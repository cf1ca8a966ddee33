"""The class report as a printable page: the score histogram (SVG), the students, the questions
hardest first, the most-chosen wrong answers with the rule that explains each, and the teaching
points most missed. Built from mmn_ddx.classroom.ClassReport."""

from __future__ import annotations

from mmn_ddx.documents.model import Document, Histogram, Item, ItemList, Paragraph, Section, Table


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def class_report(report, top: int = 10) -> Document:
    seeds = ", ".join("none" if s is None else str(s) for s in report.seeds)
    meta = f"{len(report.students)} students · {report.files_read} files read · seeds: {seeds} · {report.quiz_fingerprint}"
    if report.mean_percent is not None:
        meta += f" · mean {report.mean_percent:g} % · median {report.median_percent:g} %"
    students = Table(["Student", "Score", "%", "Answered"],
                     [[s.student + ("" if s.complete else " (unfinished)"), f"{s.correct}/{s.total}", f"{s.percent:g}",
                       f"{s.answered}/{s.total}"] for s in report.students])
    sections = [Section("Scores", [Histogram(report.histogram, "Students per band of ten percent"), students])]
    ordered = sorted(report.questions, key=lambda q: (1.1 if q.share_right is None else q.share_right, q.id))
    sections.append(Section("Questions, hardest first", [Table(
        ["Question", "Prompt", "Kind", "Right", "Share right"],
        [[q.id, q.prompt or "", q.kind or "—", f"{q.right}/{q.answered}", _percent(q.share_right)] for q in ordered])]))
    if report.wrong_answers:
        sections.append(Section("Most-chosen wrong answers", [Table(
            ["Question", "Wrong answer", "Chosen", "Right answer", "The rule that explains it"],
            [[w.question, w.label, f"{w.count} ({w.share:.0%})", w.right_label,
              f"{w.rule_title} ({w.rule})" if w.rule else "—"] for w in report.wrong_answers[:top]])]))
    if report.missed_points:
        sections.append(Section("Teaching points most missed", [ItemList(
            [Item(f"{m.teaching_point} ({', '.join(m.questions)})", label=f"{m.misses}×") for m in report.missed_points[:top]])]))
    if report.dropped:
        sections.append(Section("Duplicate submissions", [
            Paragraph("Not counted twice; the latest file by time counts."),
            ItemList([Item(f"{d.path} ({d.student}, written {d.updated}) set aside for {d.kept}") for d in report.dropped])]))
    return Document("class-report", f"Class report: {report.quiz_title}", f"Class report: {report.quiz_title}",
                    meta=meta, sections=sections)
