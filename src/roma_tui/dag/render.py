"""Painting a laid-out DAG into a character window, and the outline (tree) rendering.

Only the requested window is painted: boxes are found per visible layer, edge segments per
visible channel. Edges are routed orthogonally with box-drawing characters; where lanes meet, the
junction character is chosen from the directions that meet there, so shared lanes merge cleanly.
The output is rows of (text, style) runs; styles are names ("edge", "status-failed", "cursor",
...) that the UI maps to its theme, so nothing here knows about Textual or colours.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import networkx as nx

from ..presentation import status_glyph
from ..safetext import one_line
from .graph import node_of
from .layout import BOX_HEIGHT, ROW_PITCH, DagLayout

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8
_UNICODE = {
    UP | DOWN: "│",
    LEFT | RIGHT: "─",
    DOWN | RIGHT: "┌",
    DOWN | LEFT: "┐",
    UP | RIGHT: "└",
    UP | LEFT: "┘",
    UP | DOWN | RIGHT: "├",
    UP | DOWN | LEFT: "┤",
    LEFT | RIGHT | DOWN: "┬",
    LEFT | RIGHT | UP: "┴",
    UP | DOWN | LEFT | RIGHT: "┼",
    UP: "│",
    DOWN: "│",
    LEFT: "─",
    RIGHT: "─",
}
_ASCII = {bits: ("|" if ch in "│" else "-" if ch == "─" else "+") for bits, ch in _UNICODE.items()}
ARROW = {"unicode": "▼", "ascii": "v"}

Run = tuple[str, str]  # (text, style name)
BUCKET = 128  # columns per index bucket


def node_label(graph: nx.DiGraph, node_id: str, *, ascii: bool = False) -> str:
    node = node_of(graph, node_id)
    text = one_line(node.input or node.output or node_id, 60)
    kind = one_line(node.type or "task", 12)
    label = f"{status_glyph(node.status.value, ascii=ascii)} {kind}: {text}"
    return label.replace("…", "~") if ascii else label


@dataclass
class _Segment:
    layer: int  # the channel below this layer
    x_from: int
    x_to: int
    into_dummy: bool


@dataclass
class Painter:
    graph: nx.DiGraph
    layout: DagLayout
    ascii: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    # Segments and dummy columns by (layer, column bucket): a window looks only at its buckets.
    _segments: dict[tuple[int, int], list[_Segment]] = field(default_factory=dict)
    _passes: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    _lefts: list[list[int]] = field(default_factory=list)
    _exits: dict[str, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (source, _target), chain in self.layout.routes.items():
            for i, ((x1, layer), (x2, _)) in enumerate(itertools.pairwise(chain)):
                last = i == len(chain) - 2
                segment = _Segment(layer, x1, x2, not last)
                for bucket in range(min(x1, x2) // BUCKET, max(x1, x2) // BUCKET + 1):
                    self._segments.setdefault((layer, bucket), []).append(segment)
                if not last:
                    self._passes.setdefault((layer + 1, x2 // BUCKET), []).append(x2)
            self._exits.setdefault(source, set()).add(chain[0][0])
        self._lefts = [[self.layout.position[n][0] for n in layer] for layer in self.layout.layers]
        if not self.labels:
            self.labels = {n: node_label(self.graph, n, ascii=self.ascii) for n in self.graph}

    def paint(
        self,
        x0: int,
        y0: int,
        width: int,
        height: int,
        *,
        cursor: str | None = None,
        highlight: Iterable[str] = (),
        folded: dict[str, int] | None = None,
    ) -> list[list[Run]]:
        """Rows `y0..y0+height` and columns `x0..x0+width` of the canvas."""
        chars = [[" "] * width for _ in range(height)]
        styles = [[""] * width for _ in range(height)]
        bits: dict[tuple[int, int], int] = {}
        arrows: list[tuple[int, int]] = []
        spans: list[tuple[int, int, int]] = []  # (row, first column, end column)
        first = max(0, y0 // ROW_PITCH - 1)
        last = (y0 + height) // ROW_PITCH + 1

        def mark(x: int, y: int, value: int) -> None:
            if x0 <= x < x0 + width and y0 <= y < y0 + height:
                bits[(x, y)] = bits.get((x, y), 0) | value

        buckets = range(max(0, x0) // BUCKET, (x0 + width) // BUCKET + 1)
        for layer in range(first, last + 1):
            top = layer * ROW_PITCH
            for bucket in buckets:
                for x in self._passes.get((layer, bucket), ()):
                    for r in range(BOX_HEIGHT):
                        mark(x, top + r, UP | DOWN)
            exit_row = top + BOX_HEIGHT
            segments = {id(seg): seg for b in buckets for seg in self._segments.get((layer, b), ())}
            for seg in segments.values():
                low, high = min(seg.x_from, seg.x_to), max(seg.x_from, seg.x_to)
                if high < x0 or low >= x0 + width:
                    continue
                mark(seg.x_from, exit_row, UP | DOWN)
                run = exit_row + 1
                if seg.x_from == seg.x_to:
                    mark(seg.x_from, run, UP | DOWN)
                else:
                    toward = RIGHT if seg.x_to > seg.x_from else LEFT
                    back = LEFT if toward == RIGHT else RIGHT
                    mark(seg.x_from, run, UP | toward)
                    spans.append((run, max(low + 1, x0), min(high, x0 + width)))
                    mark(seg.x_to, run, DOWN | back)
                if seg.into_dummy:
                    mark(seg.x_to, run + 1, UP | DOWN)
                else:
                    arrows.append((seg.x_to, run + 1))

        # Horizontal runs often share a row: merge them, then mark each cell once.
        spans.sort()
        row, end = None, 0
        for y, start, stop in spans:
            if y != row:
                row, end = y, start
            for x in range(max(start, end), stop):
                mark(x, y, LEFT | RIGHT)
            end = max(end, stop)

        table = _ASCII if self.ascii else _UNICODE
        for (x, y), value in bits.items():
            chars[y - y0][x - x0] = table.get(value, "┼")
            styles[y - y0][x - x0] = "edge"
        arrow = ARROW["ascii" if self.ascii else "unicode"]
        for x, y in arrows:
            if x0 <= x < x0 + width and y0 <= y < y0 + height:
                chars[y - y0][x - x0] = arrow
                styles[y - y0][x - x0] = "edge"

        lit = set(highlight)
        for layer in range(first, min(last + 1, len(self.layout.layers))):
            nodes, lefts = self.layout.layers[layer], self._lefts[layer]
            start = max(0, bisect_right(lefts, x0 - 2 * 28) - 1)
            for node_id in nodes[start:]:
                left, top = self.layout.position[node_id]
                if left >= x0 + width:
                    break
                self._box(
                    chars,
                    styles,
                    node_id,
                    left - x0,
                    top - y0,
                    cursor == node_id,
                    node_id in lit,
                    (folded or {}).get(node_id),
                )
        return [
            _runs(row_chars, row_styles)
            for row_chars, row_styles in zip(chars, styles, strict=True)
        ]

    def _box(
        self,
        chars: list[list[str]],
        styles: list[list[str]],
        node_id: str,
        x: int,
        y: int,
        is_cursor: bool,
        lit: bool,
        hidden: int | None,
    ) -> None:
        width = self.layout.width[node_id]
        status = node_of(self.graph, node_id).status.value
        style = "cursor" if is_cursor else "critical" if lit else f"status-{status}"
        label = self.labels[node_id]
        if hidden:
            label = f"{label} [+{hidden}]"
        inner = width - 2
        padded = f" {label}"
        cut = "~" if self.ascii else "…"
        text = padded[: inner - 1] + cut if len(padded) > inner else padded.ljust(inner)
        h, v, tl, tr, bl, br = (
            ("-", "|", "+", "+", "+", "+") if self.ascii else ("─", "│", "┌", "┐", "└", "┘")
        )
        bottom = list(bl + h * inner + br)
        for exit_x in self._exits.get(node_id, ()):
            offset = exit_x - self.layout.position[node_id][0]
            if 0 < offset < width - 1:
                bottom[offset] = "+" if self.ascii else "┬"
        rows = [tl + h * inner + tr, v + text + v, "".join(bottom)]
        for r, line in enumerate(rows):
            row = y + r
            if not 0 <= row < len(chars):
                continue
            for c, ch in enumerate(line):
                col = x + c
                if 0 <= col < len(chars[row]):
                    chars[row][col] = ch
                    styles[row][col] = style


def _runs(chars: list[str], styles: list[str]) -> list[Run]:
    runs: list[Run] = []
    for ch, style in zip(chars, styles, strict=True):
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + ch, style)
        else:
            runs.append((ch, style))
    return runs


def plain_text(rows: list[list[Run]]) -> str:
    return "\n".join("".join(text for text, _ in row).rstrip() for row in rows)


def render_text(graph: nx.DiGraph, layout: DagLayout, *, ascii: bool = False) -> str:
    """The whole canvas as text (exports, golden tests)."""
    painter = Painter(graph, layout, ascii=ascii)
    return plain_text(painter.paint(0, 0, layout.canvas_width, layout.canvas_height))


def outline(
    graph: nx.DiGraph,
    *,
    ascii: bool = False,
    label: Callable[[str], str] | None = None,
    hidden: set[str] | None = None,
) -> list[tuple[int, str, str]]:
    """One line per node, indented under its first parent: (depth, node id, text).

    A node with several parents appears once, under the first; the others name it.
    """
    label = label or (lambda n: node_label(graph, n, ascii=ascii))
    hidden = hidden or set()
    lines: list[tuple[int, str, str]] = []
    placed: set[str] = set()
    roots = sorted((n for n in graph if graph.in_degree(n) == 0), key=str)
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        node_id, depth = stack.pop()
        if node_id in hidden:
            continue
        if node_id in placed:
            lines.append(
                (
                    depth,
                    node_id,
                    f"↳ {node_id} (shown above)" if not ascii else f"-> {node_id} (shown above)",
                )
            )
            continue
        placed.add(node_id)
        lines.append((depth, node_id, label(node_id)))
        children = sorted(graph.successors(node_id), key=str)
        stack.extend((child, depth + 1) for child in reversed(children))
    return lines
