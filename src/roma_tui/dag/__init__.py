"""The graph: API DAG -> validated networkx DiGraph, layered layout, text rendering.

No HTTP and no Textual here.
"""

from .graph import GraphReport, build_graph, critical_path, status_counts, subtree
from .layout import DagLayout, compute_layout
from .outline import outline
from .render import Painter, render_text

__all__ = [
    "DagLayout",
    "GraphReport",
    "Painter",
    "build_graph",
    "compute_layout",
    "critical_path",
    "outline",
    "render_text",
    "status_counts",
    "subtree",
]
