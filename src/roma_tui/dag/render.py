"""Painting a laid-out DAG into a character window, and the labels of its nodes.

Only the requested window is painted: boxes are found per visible layer, edge segments per
visible channel. Edges are routed orthogonally with box-drawing characters; where lanes meet, the
junction character is chosen from the directions that meet there, so shared lanes merge cleanly.
Dependency edges of a typed graph are dashed. The output is rows of (text, style) runs; styles
are names ("edge", "status-failed", "cursor", ...) that the UI maps to its theme, so nothing here
knows about Textual or colours.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx
from rich.cells import cell_len, get_character_cell_size, set_cell_size

from ..presentation import status_glyph
from ..safetext import one_line
from .graph import (
    STOPPED,
    SUBTASK,
    is_typed,
    node_of,
    planners,
    shown_status,
    subgraph_of,
)
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
# Cells only dependency edges pass (in a graph whose edges are typed) are drawn dashed.
_DASHED = {UP | DOWN: "┆", LEFT | RIGHT: "┄", UP: "┆", DOWN: "┆", LEFT: "┄", RIGHT: "┄"}
ARROW = {"unicode": "▼", "ascii": "v"}
PLANNER_MARK = {"unicode": "◆", "ascii": "*"}  # a node that owns a sub-DAG
STOPPED_GLYPH = {"unicode": "■", "ascii": "#"}
# Marks that read without colour (NO_COLOR): a node on the critical path, a folded node.
CRITICAL_MARK = {"unicode": "★", "ascii": "!"}
FOLD_MARK = {"unicode": "⊞", "ascii": "+"}


def fold_mark(hidden: int, *, ascii: bool = False) -> str:
    """What a folded node says about itself: "⊞ +12" (ASCII "[+12]")."""
    return f"[+{hidden:,}]" if ascii else f"{FOLD_MARK['unicode']} +{hidden:,}"


def critical_mark(*, ascii: bool = False) -> str:
    return CRITICAL_MARK["ascii" if ascii else "unicode"]


def marked_label(label: str, *, hidden: int | None, critical: bool, ascii: bool = False) -> str:
    """A list line's label with its marks in front: "★ ⊞ +12 ✔ think: ..." (tree and list views)."""
    marks = [critical_mark(ascii=ascii)] if critical else []
    if hidden:
        marks.append(fold_mark(hidden, ascii=ascii))
    return " ".join([*marks, label])


Run = tuple[str, str]  # (text, style name)
BUCKET = 128  # columns per index bucket


@lru_cache(maxsize=256)  # a run has a handful of types and thousands of nodes
def task_word(kind: object) -> str:
    """A node's type as a reader says it: "CODE_INTERPRET" -> "code interpret"."""
    words = one_line(kind if kind else "task", 40).replace("_", " ").replace("-", " ")
    return one_line(" ".join(words.lower().split()) or "task", 16)


def glyph(status: str, *, ascii: bool = False) -> str:
    if status == STOPPED:
        return STOPPED_GLYPH["ascii" if ascii else "unicode"]
    return status_glyph(status, ascii=ascii)


def node_label(
    graph: nx.DiGraph,
    node_id: str,
    *,
    ascii: bool = False,
    run_ended: bool = False,
    planner: bool | None = None,
) -> str:
    """e.g. "✔ ◆ think: Plan the report" (◆: a planner, which owns a sub-DAG)."""
    node = node_of(graph, node_id)
    if planner is None:
        planner = bool(subgraph_of(node)) or any(
            kind == SUBTASK for _, _, kind in graph.out_edges(node_id, data="type")
        )
    text = one_line(node.input or node.output or node_id, 60)
    mark = PLANNER_MARK["ascii" if ascii else "unicode"] + " " if planner else ""
    status = shown_status(node, run_ended=run_ended)
    label = f"{glyph(status, ascii=ascii)} {mark}{task_word(node.type)}: {text}"
    return label.replace("…", "~") if ascii else label


def labels_for(
    graph: nx.DiGraph, *, ascii: bool = False, run_ended: bool = False
) -> dict[str, str]:
    """Every node's label, planners found once for the whole graph."""
    owners = planners(graph)
    return {
        n: node_label(graph, n, ascii=ascii, run_ended=run_ended, planner=n in owners)
        for n in graph
    }


INTO_DUMMY, DEPENDENCY = 1, 2  # flags of a segment: it ends in a dummy; a dependency edge
SEGMENT = 3  # ints per segment in a channel's flat array: x_from, x_to, flags
INDEXED_CHANNELS = 256  # channels whose bucket index is kept (a window spans about ten)


@dataclass
class Painter:
    graph: nx.DiGraph
    layout: DagLayout
    ascii: bool = False
    run_ended: bool = False  # the run is over: nodes still "running" are shown stopped
    labels: dict[str, str] = field(default_factory=dict)
    # Every edge segment once, by the channel (below a layer) it crosses, as flat int arrays; the
    # column buckets a window looks up are built for the channels painted, and a few are kept.
    _channels: list[array[int]] = field(default_factory=list)
    _indexes: dict[int, tuple[dict[int, array[int]], dict[int, array[int]]]] = field(
        default_factory=dict
    )
    _lefts: list[array[int]] = field(default_factory=list)
    _exits: dict[str, int] = field(default_factory=dict)  # where a node's edges leave its box

    def __post_init__(self) -> None:
        typed = is_typed(self.graph)
        channels = self._channels
        for (source, target), chain in self.layout.routes.items():
            kind = self.graph.edges[source, target].get("type") if typed else SUBTASK
            flags = DEPENDENCY if kind != SUBTASK else 0
            last = len(chain) - 2
            for i, ((x1, layer), (x2, _)) in enumerate(itertools.pairwise(chain)):
                while len(channels) <= layer:
                    channels.append(array("i"))
                channels[layer].extend((x1, x2, flags | (INTO_DUMMY if i < last else 0)))
            self._exits[source] = chain[0][0]
        position = self.layout.position
        self._lefts = [array("i", [position[n][0] for n in layer]) for layer in self.layout.layers]
        if not self.labels:
            self.labels = labels_for(self.graph, ascii=self.ascii, run_ended=self.run_ended)

    def _index(self, channel: int) -> tuple[dict[int, array[int]], dict[int, array[int]]]:
        """A channel's segments by column bucket, and where its dummies sit in the layer below.

        Both map a bucket to offsets in the channel's flat array (4 bytes an entry).
        """
        index = self._indexes.pop(channel, None)
        if index is None:
            flat = self._flat(channel)
            spans: dict[int, array[int]] = {}
            passes: dict[int, array[int]] = {}
            for at in range(0, len(flat), SEGMENT):
                x1, x2 = flat[at], flat[at + 1]
                for bucket in range(min(x1, x2) // BUCKET, max(x1, x2) // BUCKET + 1):
                    if bucket not in spans:
                        spans[bucket] = array("i")
                    spans[bucket].append(at)
                if flat[at + 2] & INTO_DUMMY:
                    if x2 // BUCKET not in passes:
                        passes[x2 // BUCKET] = array("i")
                    passes[x2 // BUCKET].append(at)
            index = spans, passes
            if len(self._indexes) >= INDEXED_CHANNELS:
                del self._indexes[next(iter(self._indexes))]  # the least recently painted
        self._indexes[channel] = index
        return index

    def _flat(self, channel: int) -> array[int]:
        return self._channels[channel] if 0 <= channel < len(self._channels) else array("i")

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
        solid: set[tuple[int, int]] = set()  # cells a decomposition (or untyped) edge passes
        arrows: list[tuple[int, int, bool]] = []
        spans: list[tuple[int, bool, int, int]] = []  # (row, dependency, first col, end col)
        first = max(0, y0 // ROW_PITCH - 1)
        last = (y0 + height) // ROW_PITCH + 1

        def mark(x: int, y: int, value: int, dependency: bool) -> None:
            if x0 <= x < x0 + width and y0 <= y < y0 + height:
                bits[(x, y)] = bits.get((x, y), 0) | value
                if not dependency:
                    solid.add((x, y))

        buckets = range(max(0, x0) // BUCKET, (x0 + width) // BUCKET + 1)
        for layer in range(first, last + 1):
            top = layer * ROW_PITCH
            above = self._flat(layer - 1)
            passes = self._index(layer - 1)[1] if above else {}
            for bucket in buckets:
                for at in passes.get(bucket, ()):
                    for r in range(BOX_HEIGHT):
                        mark(above[at + 1], top + r, UP | DOWN, bool(above[at + 2] & DEPENDENCY))
            flat = self._flat(layer)
            if not flat:
                continue
            exit_row = top + BOX_HEIGHT
            spans_at = self._index(layer)[0]
            for at in dict.fromkeys(at for b in buckets for at in spans_at.get(b, ())):
                x_from, x_to, flags = flat[at], flat[at + 1], flat[at + 2]
                low, high = min(x_from, x_to), max(x_from, x_to)
                if high < x0 or low >= x0 + width:
                    continue
                dep = bool(flags & DEPENDENCY)
                mark(x_from, exit_row, UP | DOWN, dep)
                run = exit_row + 1
                if x_from == x_to:
                    mark(x_from, run, UP | DOWN, dep)
                else:
                    toward = RIGHT if x_to > x_from else LEFT
                    back = LEFT if toward == RIGHT else RIGHT
                    mark(x_from, run, UP | toward, dep)
                    spans.append((run, dep, max(low + 1, x0), min(high, x0 + width)))
                    mark(x_to, run, DOWN | back, dep)
                if flags & INTO_DUMMY:
                    mark(x_to, run + 1, UP | DOWN, dep)
                else:
                    arrows.append((x_to, run + 1, dep))

        # Horizontal runs often share a row: merge them, then mark each cell once.
        spans.sort()
        row, end = None, 0
        for y, dep, start, stop in spans:
            if (y, dep) != row:
                row, end = (y, dep), start
            for x in range(max(start, end), stop):
                mark(x, y, LEFT | RIGHT, dep)
            end = max(end, stop)

        table = _ASCII if self.ascii else _UNICODE
        dashed = {} if self.ascii else _DASHED
        for (x, y), value in bits.items():
            strong = (x, y) in solid
            chars[y - y0][x - x0] = (
                table.get(value, "┼") if strong else dashed.get(value) or table.get(value, "┼")
            )
            styles[y - y0][x - x0] = "edge" if strong else "edge-dependency"
        arrow = ARROW["ascii" if self.ascii else "unicode"]
        for x, y, dep in arrows:
            if x0 <= x < x0 + width and y0 <= y < y0 + height:
                chars[y - y0][x - x0] = arrow
                if styles[y - y0][x - x0] != "edge":  # an arrow shared with a solid edge
                    styles[y - y0][x - x0] = "edge-dependency" if dep else "edge"

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
        for row_chars in chars:  # a wide character cut by the window's edges: a blank
            if row_chars and row_chars[0] == "":
                row_chars[0] = " "
            if row_chars and get_character_cell_size(row_chars[-1][:1] or " ") > 1:
                row_chars[-1] = " "
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
        status = shown_status(node_of(self.graph, node_id), run_ended=self.run_ended)
        style = "cursor" if is_cursor else "critical" if lit else f"status-{status}"
        label = self.labels[node_id]
        inner = width - 2
        padded = f" {label}"
        cut = "~" if self.ascii else "…"
        fitted = (
            set_cell_size(padded, inner - 1) + cut
            if cell_len(padded) > inner
            else set_cell_size(padded, inner)
        )
        # A node of the critical path has a heavy (ASCII: "=") border and a star on it, a folded
        # node says how much it hides on its top border: both read without colour.
        if self.ascii:
            h, v, tl, tr, bl, br = (
                ("=", "|", "+", "+", "+", "+") if lit else ("-", "|", "+") + ("+",) * 3
            )
        elif lit:
            h, v, tl, tr, bl, br = ("━", "┃", "┏", "┓", "┗", "┛")
        else:
            h, v, tl, tr, bl, br = ("─", "│", "┌", "┐", "└", "┘")
        bottom = list(bl + h * inner + br)
        exit_x = self._exits.get(node_id)
        if exit_x is not None and 0 < exit_x - self.layout.position[node_id][0] < width - 1:
            bottom[exit_x - self.layout.position[node_id][0]] = (
                "+" if self.ascii else "╈" if lit else "┬"
            )
        marks = [critical_mark(ascii=self.ascii)] if lit else []
        if hidden:
            marks.append(fold_mark(hidden, ascii=self.ascii))
        top = list(tl + h * inner + tr)
        if marks:
            said = _cells(f"{h}{h.join(marks)}{h}")[:inner]
            top[1 : 1 + len(said)] = said
        rows = [top, [v, *_cells(fitted), v], bottom]
        for r, line in enumerate(rows):
            row = y + r
            if not 0 <= row < len(chars):
                continue
            for c, ch in enumerate(line):
                col = x + c
                if 0 <= col < len(chars[row]):
                    chars[row][col] = ch
                    styles[row][col] = style


def _cells(text: str) -> list[str]:
    """One string per terminal cell: a wide character, then "" for the cell it also covers."""
    cells: list[str] = []
    for ch in text:
        size = get_character_cell_size(ch)
        if size == 0 and cells:
            cells[-1] += ch  # a combining mark rides on the cell before it
        elif size == 2:
            cells += [ch, ""]
        elif size == 1:
            cells.append(ch)
    return cells


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
