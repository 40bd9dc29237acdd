"""Affiliation chains: every simple path of tie statements between two organizations.

The edges are the rows of the `affiliation-chains` named query (one row per tie statement, claimant
and quote); a tie is walked in either direction, and each hop keeps the tie as the article states
it (its subject and object), its kind, status, claimants and quotes. ``status="asserted"`` keeps
only ties the article states in its own voice, so no chain passes through a hop only someone
claimed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

STATUS_ORDER = ("asserted", "claimed", "alleged", "disputed", "denied", "negated")
MAX_PATHS = 1000  # stop enumerating after this many paths


@dataclass
class Node:
    iri: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"iri": self.iri, "label": self.label}


@dataclass
class Tie:
    iri: str
    subject: Node
    object: Node
    kind: str
    status: str
    claimants: dict[str, str] = field(default_factory=dict)  # iri -> label
    quotes: set[str] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)

    def other(self, iri: str) -> Node:
        return self.object if self.subject.iri == iri else self.subject


@dataclass
class Hop:
    source: Node  # the organization the walk comes from
    target: Node  # the organization the walk goes to
    tie: Tie

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.source.as_json(),
            "to": self.target.as_json(),
            "tie": self.tie.iri,
            "statedAs": {"subject": self.tie.subject.as_json(), "object": self.tie.object.as_json()},
            "kind": self.tie.kind,
            "status": self.tie.status,
            "claimants": [{"iri": i, "label": label} for i, label in sorted(self.tie.claimants.items())],
            "quotes": sorted(self.tie.quotes),
            "sections": sorted(self.tie.sections),
        }


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def status_name(iri: str) -> str:
    return local_name(iri).lower()


def ties_from_rows(rows: Iterable[Mapping[str, str | None]]) -> dict[str, Tie]:
    """Group the query rows (one per tie x claimant x quote) into Tie objects."""
    ties: dict[str, Tie] = {}
    for row in rows:
        iri = row["tie"]
        tie = ties.get(iri)
        if tie is None:
            tie = ties[iri] = Tie(
                iri=iri,
                subject=Node(row["subject"], row.get("subjectLabel") or local_name(row["subject"])),
                object=Node(row["object"], row.get("objectLabel") or local_name(row["object"])),
                kind=row.get("kindLabel") or local_name(row.get("kind") or "Tie"),
                status=status_name(row["status"]),
            )
        if row.get("claimant"):
            tie.claimants[row["claimant"]] = row.get("claimantLabel") or local_name(row["claimant"])
        if row.get("quote"):
            tie.quotes.add(row["quote"])
        if row.get("section"):
            tie.sections.add(row["section"])
    return ties


def _adjacency(ties: Iterable[Tie], status: str) -> dict[str, list[Tie]]:
    adjacency: dict[str, list[Tie]] = defaultdict(list)
    for tie in ties:
        if status == "asserted" and tie.status != "asserted":
            continue
        if tie.subject.iri == tie.object.iri:
            continue
        adjacency[tie.subject.iri].append(tie)
        adjacency[tie.object.iri].append(tie)
    for edges in adjacency.values():
        edges.sort(key=lambda t: (STATUS_ORDER.index(t.status) if t.status in STATUS_ORDER else 99, t.iri))
    return adjacency


def chains(ties: Mapping[str, Tie], start: str, goal: str, max_hops: int, status: str = "any") -> list[list[Hop]]:
    """Every simple path (no organization twice) from ``start`` to ``goal``, shortest first."""
    adjacency = _adjacency(ties.values(), status)
    found: list[list[Hop]] = []
    labels = {n.iri: n for t in ties.values() for n in (t.subject, t.object)}
    start_node = labels.get(start, Node(start, local_name(start)))

    def walk(node: Node, visited: set[str], path: list[Hop]) -> None:
        if len(found) >= MAX_PATHS:
            return
        for tie in adjacency.get(node.iri, ()):
            nxt = tie.other(node.iri)
            if nxt.iri in visited:
                continue
            hop = Hop(node, nxt, tie)
            if nxt.iri == goal:
                found.append(path + [hop])
            elif len(path) + 1 < max_hops:
                walk(nxt, visited | {nxt.iri}, path + [hop])

    if start != goal:
        walk(start_node, {start}, [])
    found.sort(key=lambda p: (len(p), [_rank(h.tie.status) for h in p], [h.tie.iri for h in p]))
    return found


def reachable(ties: Mapping[str, Tie], start: str, max_hops: int, status: str = "any") -> list[tuple[Node, int]]:
    """Organizations reachable from ``start`` within ``max_hops`` ties, with their distance (BFS)."""
    adjacency = _adjacency(ties.values(), status)
    distance = {start: 0}
    nodes: dict[str, Node] = {}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for iri in frontier:
            if distance[iri] >= max_hops:
                continue
            for tie in adjacency.get(iri, ()):
                other = tie.other(iri)
                if other.iri not in distance:
                    distance[other.iri] = distance[iri] + 1
                    nodes[other.iri] = other
                    nxt_frontier.append(other.iri)
        frontier = nxt_frontier
    return sorted(((nodes[i], d) for i, d in distance.items() if i != start), key=lambda x: (x[1], x[0].label))


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def weakest_status(path: list[Hop]) -> str:
    return max((h.tie.status for h in path), key=_rank)


def paths_as_json(paths: list[list[Hop]]) -> list[dict[str, object]]:
    return [
        {"path": n, "length": len(p), "weakestStatus": weakest_status(p), "hops": [h.as_json() for h in p]}
        for n, p in enumerate(paths, start=1)
    ]


FLAT_COLUMNS = ("path", "hop", "length", "from", "fromLabel", "to", "toLabel", "tie", "kind", "status",
                "claimants", "quote")


def paths_as_rows(paths: list[list[Hop]]) -> list[dict[str, str]]:
    """One row per hop with its path number: the flat (CSV) form."""
    rows = []
    for n, path in enumerate(paths, start=1):
        for i, hop in enumerate(path, start=1):
            rows.append({
                "path": str(n),
                "hop": str(i),
                "length": str(len(path)),
                "from": hop.source.iri,
                "fromLabel": hop.source.label,
                "to": hop.target.iri,
                "toLabel": hop.target.label,
                "tie": hop.tie.iri,
                "kind": hop.tie.kind,
                "status": hop.tie.status,
                "claimants": "; ".join(sorted(hop.tie.claimants.values())),
                "quote": " | ".join(sorted(hop.tie.quotes)),
            })
    return rows
