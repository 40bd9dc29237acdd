"""Coverage of the source by the graph: which content sentences are quoted by some statement."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kzct.namespaces import KZO
from kzct.source import Sentence, content_sentences, quote_spans

# A sentence counts as quoted when quotes cover at least this share of its non-space characters.
COVERED_SHARE = 0.5


@dataclass
class CoverageReport:
    sentences: list[Sentence]
    covered: list[Sentence]
    missing_quotes: list[str]  # quote literals that are not verbatim in the source

    @property
    def uncovered(self) -> list[Sentence]:
        covered = set(id(s) for s in self.covered)
        return [s for s in self.sentences if id(s) not in covered]

    @property
    def share(self) -> float:
        return len(self.covered) / len(self.sentences) if self.sentences else 1.0


def quotes_in(graph: Graph) -> set[str]:
    return {str(o) for o in graph.objects(None, KZO.quote)}


def coverage(graph: Graph, text: str) -> CoverageReport:
    quotes = quotes_in(graph)
    missing = sorted(q for q in quotes if q not in text)
    mask = bytearray(len(text))
    for start, end in quote_spans(text, quotes):
        mask[start:end] = b"\x01" * (end - start)
    sentences = content_sentences(text)
    covered = []
    for sentence in sentences:
        chars = [i for i in range(sentence.start, sentence.end) if not text[i].isspace()]
        if chars and sum(mask[i] for i in chars) >= COVERED_SHARE * len(chars):
            covered.append(sentence)
    return CoverageReport(sentences, covered, missing)


def load_turtle_dir(*folders: Path) -> Graph:
    graph = Graph()
    for folder in folders:
        for path in sorted(folder.glob("*.ttl")):
            graph.parse(path, format="turtle")
    return graph
