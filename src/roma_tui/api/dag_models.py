"""Models of an execution's DAG: nodes, edges, stats; compact, since a DAG may hold 50,000
nodes (objects of one shape share their bookkeeping, short words are interned)."""

from __future__ import annotations

import sys
from typing import Any, ClassVar, Self

from pydantic import Field, model_validator

from .fields import (
    ExecutionStatus,
    Lenient,
    NodeStatus,
    Text,
    Timestamp,
    Tolerant,
    node_status,
    readable,
    with_raw_status,
)

_FIELD_SETS: dict[frozenset[str], set[str]] = {}  # one shared set per shape of sent fields
_NO_EXTRA: dict[str, Any] = {}  # the shared empty extras of a compact model


class _Compact(Tolerant):
    """A model held by the thousand (a DAG's nodes and edges): compact in memory.

    Objects with the same set fields share one field-name set and an empty extras dict (pydantic
    makes one of each per object: 280 bytes), and the short strings named in `_INTERNED` are
    interned, so an id and the edges naming it hold one string. Assigning an attribute gives
    the object its own set and dict first, so nothing shared ever changes.
    """

    _INTERNED: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _share(self) -> Self:
        values = self.__dict__
        for name in self._INTERNED:
            value = values[name]
            if type(value) is str:
                values[name] = sys.intern(value)
        fields = self.__pydantic_fields_set__
        object.__setattr__(
            self, "__pydantic_fields_set__", _FIELD_SETS.setdefault(frozenset(fields), fields)
        )
        if not self.__pydantic_extra__:
            object.__setattr__(self, "__pydantic_extra__", _NO_EXTRA)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        if self.__pydantic_extra__ is _NO_EXTRA:
            object.__setattr__(self, "__pydantic_extra__", {})
        super().__setattr__(name, value)


class Node(_Compact):
    _INTERNED = ("type", "status_raw", "task_type")

    id: str
    type: Lenient[str] = "task"
    status: NodeStatus = NodeStatus.UNKNOWN
    status_raw: str | None = None
    input: Text = None
    output: Text = None
    error: Text = None
    started_at: Timestamp = None
    completed_at: Timestamp = None
    parent_id: Lenient[str] = None  # the planner that owns this node's sub-DAG (upstream)
    depth: Lenient[int] = None
    task_type: Lenient[str] = None  # upstream's word (CODE_INTERPRET); `type` is readable (code)
    subgraph_id: Lenient[str] = None  # upstream: the sub-DAG this task planned

    _keep_raw_status = model_validator(mode="before")(
        lambda data: with_raw_status(data, node_status)
    )

    @property
    def is_planner(self) -> bool:
        """A task that split its goal into subtasks (upstream: it owns a subgraph)."""
        return bool(self.subgraph_id) or (self.type or "").lower() in ("planner", "plan")


class Edge(_Compact):
    _INTERNED = ("type",)

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    type: Lenient[str] = "depends_on"


class DagStats(Tolerant):
    total_nodes: Lenient[int] = None
    completed_nodes: Lenient[int] = None
    failed_nodes: Lenient[int] = None
    total_edges: Lenient[int] = None


class Dag(Tolerant):
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    stats: Lenient[DagStats] = None
    unreadable_nodes: int = 0  # nodes or edges dropped because they could not be read
    unreadable_edges: int = 0

    @model_validator(mode="before")
    @classmethod
    def _drop_unreadable(cls, data: Any) -> Any:
        """One bad node must not lose the whole graph: keep the readable ones, count the rest."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, model, counter in (
            ("nodes", Node, "unreadable_nodes"),
            ("edges", Edge, "unreadable_edges"),
        ):
            items = data.get(key)
            if items is None:
                data[key] = []
                continue
            if not isinstance(items, list):
                data[key] = []
                data[counter] = 1
                continue
            data[key], bad = readable(items, model)
            if bad:
                data[counter] = data.get(counter, 0) + bad
        _share_ids(data["nodes"], data["edges"])
        return data

    def settled(self, run_status: ExecutionStatus) -> Dag:
        """The DAG as it stands once its run is over.

        A failed or cancelled upstream run leaves its planners PLAN_DONE (and maybe a task
        EXECUTING): nothing will move them again, so they are not running. They become
        "unknown", keeping the server's word in `status_raw` ("? unknown (PLAN_DONE)"). The DAG
        of a run still going is returned as it is.
        """
        if not run_status.is_finished or not any(
            n.status is NodeStatus.RUNNING for n in self.nodes
        ):
            return self
        nodes = [
            n.model_copy(
                update={"status": NodeStatus.UNKNOWN, "status_raw": n.status_raw or n.status.value}
            )
            if n.status is NodeStatus.RUNNING
            else n
            for n in self.nodes
        ]
        return self.model_copy(update={"nodes": nodes})

    def running_goals(self) -> list[str]:
        """Goals of the tasks at work now (not planners waiting for their subtasks)."""
        return [
            n.input
            for n in self.nodes
            if n.status is NodeStatus.RUNNING and n.status_raw != "PLAN_DONE" and n.input
        ]

    def computed_stats(self) -> DagStats:
        """The stats the server sent, with gaps filled from the nodes themselves."""
        sent = self.stats or DagStats()
        return DagStats(
            total_nodes=sent.total_nodes if sent.total_nodes is not None else len(self.nodes),
            completed_nodes=sent.completed_nodes
            if sent.completed_nodes is not None
            else sum(n.status is NodeStatus.COMPLETED for n in self.nodes),
            failed_nodes=sent.failed_nodes
            if sent.failed_nodes is not None
            else sum(n.status is NodeStatus.FAILED for n in self.nodes),
            total_edges=sent.total_edges if sent.total_edges is not None else len(self.edges),
        )


def _share_ids(nodes: list[Node], edges: list[Edge]) -> None:
    """Edges and parent ids hold their node's id string, not a copy of it (each JSON string is
    its own object): 50 bytes and more per mention."""
    ids = {node.id: node.id for node in nodes}
    for node in nodes:
        if node.parent_id is not None:
            node.__dict__["parent_id"] = ids.get(node.parent_id, node.parent_id)
    for edge in edges:
        values = edge.__dict__
        values["source"] = ids.get(edge.source, edge.source)
        values["target"] = ids.get(edge.target, edge.target)
