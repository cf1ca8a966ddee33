"""The figures of the printed pages: the evidence bar (SVG, and plain text for Markdown) and a
histogram of scores. The SVG is drawn here, not in a template, because it is geometry; the only
text in it is written here too, and escaped with the same escaper the HTML templates use."""

from __future__ import annotations

from markupsafe import Markup, escape

from mmn_ddx.assessment import LEAN_ALS_AT, LEAN_MMN_AT, LEANING_WORDS, leaning_of, p_equals

TEXT_BAR_WIDTH = 41


def _fraction(p_mmn: float) -> float:
    """Where P(MMN) sits along a bar drawn with MMN on the left (0) and ALS on the right (1)."""
    return min(1.0, max(0.0, 1.0 - p_mmn))


def evidence_bar_svg(p_mmn: float | None = None, *, width: int = 560) -> Markup:
    """The evidence bar as an inline SVG: MMN on the left, ALS on the right.

    With `p_mmn`, a marker stands at the probability; without it the bar is empty, for a learner
    to mark their own call. The leaning thresholds (P(MMN) = 0.90 and 0.10) are drawn as marks, and
    the zones are labelled in words as well as tinted, so the bar reads in black and white too.
    """
    height = 72
    x0, x1 = 72.0, width - 48.0
    top, bar_h = 24.0, 14.0

    def x(p: float) -> float:
        return round(x0 + _fraction(p) * (x1 - x0), 1)

    mmn_edge, als_edge = x(LEAN_MMN_AT), x(LEAN_ALS_AT)
    if p_mmn is None:
        label = ("An empty evidence bar: MMN on the left, ALS on the right, with the leaning thresholds "
                 f"P(MMN) = {LEAN_MMN_AT:.2f} and {LEAN_ALS_AT:.2f} marked. Mark your call on it.")
    else:
        label = (f"Evidence bar: {p_equals(p_mmn)}, {LEANING_WORDS[leaning_of(p_mmn)]}. MMN on the left, ALS on the "
                 f"right; the marks are the leaning thresholds P(MMN) = {LEAN_MMN_AT:.2f} and {LEAN_ALS_AT:.2f}.")
    e = escape
    out = [
        f'<svg class="evidence-bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{e(label)}" font-family="sans-serif">',
        f"<title>{e(label)}</title>",
        f'<text x="{x0 - 8}" y="{top + 11}" text-anchor="end" font-size="13" font-weight="bold" fill="#1b5e20">MMN</text>',
        f'<text x="{x1 + 8}" y="{top + 11}" font-size="13" font-weight="bold" fill="#8e1b1b">ALS</text>',
        f'<rect x="{x0}" y="{top}" width="{mmn_edge - x0:.1f}" height="{bar_h}" fill="#d7ecd5"/>',
        f'<rect x="{mmn_edge}" y="{top}" width="{als_edge - mmn_edge:.1f}" height="{bar_h}" fill="#f6efcf"/>',
        f'<rect x="{als_edge}" y="{top}" width="{x1 - als_edge:.1f}" height="{bar_h}" fill="#f3d6d6"/>',
        f'<rect x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{bar_h}" fill="none" stroke="#333" stroke-width="1"/>',
    ]
    for tenth in range(1, 10):  # a light scale, to help a learner place a mark
        tx = x(tenth / 10)
        out.append(f'<line x1="{tx}" y1="{top + bar_h - 4}" x2="{tx}" y2="{top + bar_h}" stroke="#777" stroke-width="0.8"/>')
    for edge in (mmn_edge, als_edge):
        out.append(f'<line x1="{edge}" y1="{top - 5}" x2="{edge}" y2="{top + bar_h + 5}" stroke="#333" '
                   'stroke-width="1.4" stroke-dasharray="3 2"/>')
    row1, row2 = top + bar_h + 15, top + bar_h + 29
    for value, tx in ((1.0, x0), (LEAN_MMN_AT, mmn_edge), (0.5, x(0.5)), (LEAN_ALS_AT, als_edge), (0.0, x1)):
        out.append(f'<text x="{tx}" y="{row1}" text-anchor="middle" font-size="10" fill="#333">{value:.2f}</text>')
    out.append(f'<text x="{x0 - 16}" y="{row1}" text-anchor="end" font-size="10" fill="#555">P(MMN)</text>')
    for text, left, right in (("leans MMN", x0, mmn_edge), ("undecided", mmn_edge, als_edge), ("leans ALS", als_edge, x1)):
        out.append(f'<text x="{(left + right) / 2:.1f}" y="{row2}" text-anchor="middle" font-size="10" fill="#555">{text}</text>')
    if p_mmn is None:
        out.append(f'<text x="{x(0.5)}" y="{top - 8}" text-anchor="middle" font-size="10" fill="#555">'
                   "mark your call on the bar</text>")
    else:
        px = x(p_mmn)
        anchor = "start" if px < x0 + 40 else "end" if px > x1 - 40 else "middle"
        out.append(f'<line x1="{px}" y1="{top - 2}" x2="{px}" y2="{top + bar_h + 2}" stroke="#000" stroke-width="2.5"/>')
        out.append(f'<path d="M {px - 6} {top - 10} L {px + 6} {top - 10} L {px} {top - 2} Z" fill="#000"/>')
        out.append(f'<text x="{px}" y="{top - 13}" text-anchor="{anchor}" font-size="11" font-weight="bold" '
                   f'fill="#000">{e(p_equals(p_mmn))}</text>')
    out.append("</svg>")
    return Markup("\n".join(out))


def text_bar(p_mmn: float | None = None, width: int = TEXT_BAR_WIDTH) -> str:
    """The same bar in plain text (for Markdown): ┊ marks the thresholds, ● the probability."""

    def at(p: float) -> int:
        return round(_fraction(p) * (width - 1))

    marker = None if p_mmn is None else at(p_mmn)
    edges = (at(LEAN_MMN_AT), at(LEAN_ALS_AT))
    cells = ["●" if i == marker else "┊" if i in edges else "─" for i in range(width)]
    return "MMN ├" + "".join(cells) + "┤ ALS"


def histogram_svg(bins, caption: str = "", *, width: int = 560) -> Markup:
    """Counts per band as vertical bars with their band below and their count above."""
    height, left, bottom, top = 200, 36.0, 160.0, 20.0
    most = max((n for _, _, n in bins), default=0) or 1
    step = (width - left - 8) / max(len(bins), 1)
    label = caption or "Histogram"
    out = [f'<svg class="histogram" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(label)}" font-family="sans-serif">', f"<title>{escape(label)}</title>",
           f'<line x1="{left}" y1="{bottom}" x2="{width - 8}" y2="{bottom}" stroke="#333" stroke-width="1"/>']
    for i, (low, high, n) in enumerate(bins):
        x = round(left + i * step + 3, 1)
        h = round((bottom - top) * n / most, 1)
        out.append(f'<rect x="{x}" y="{bottom - h}" width="{step - 6:.1f}" height="{h}" fill="#6b8fb5" stroke="#234"/>')
        middle = round(x + (step - 6) / 2, 1)
        out.append(f'<text x="{middle}" y="{bottom + 14}" text-anchor="middle" font-size="9" fill="#333">{low}–{high}</text>')
        if n:
            out.append(f'<text x="{middle}" y="{bottom - h - 4}" text-anchor="middle" font-size="10" fill="#000">{n}</text>')
    out.append(f'<text x="{left + (width - left) / 2:.1f}" y="{bottom + 32}" text-anchor="middle" font-size="10" '
               'fill="#555">score (%)</text>')
    out.append("</svg>")
    return Markup("\n".join(out))


def histogram_text(bins, width: int = 30) -> list[str]:
    """The same histogram as lines of text: one bar of █ per band."""
    most = max((n for _, _, n in bins), default=0)
    return [f"{low:>3}–{high:<3} % │ {'█' * (round(width * n / most) if most else 0)}{f' {n}' if n else ''}"
            for low, high, n in bins]
