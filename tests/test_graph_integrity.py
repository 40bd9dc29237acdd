"""Data-quality checks over the real graph/ folder: one test per integrity rule of the modelling guide.

Each assertion message lists the offending IRIs, so a failure says what to fix.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS

from kzct.coverage import load_turtle_dir
from kzct.namespaces import KZ, KZO, PREFIXES
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, SOURCE_FILE
from kzct.source import HEADING

# Statement classes named in the modelling guide; subclasses declared in the ontology are added.
GUIDE_STATEMENT_CLASSES = {
    KZO[name]
    for name in (
        "Statement Designation DesignationRequest Tie Membership Event Attack Bombing Arrest "
        "Detention Conviction Extradition Deportation Seizure Drill Visit Meeting Conference "
        "Agreement Speech Operation Death Closure Investigation Cooperation Quantity Claim "
        "Accusation Criticism Praise Denial Classification Presence"
    ).split()
}
NEEDS_CLAIMANT = {KZO.Claimed, KZO.Denied, KZO.Disputed}
ENTITY_LABELS = (SKOS.altLabel, KZO.variantLabel)


def short(node) -> str:
    """The node as prefix:name when a project prefix covers it."""
    text = str(node)
    for prefix, iri in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(iri):
            return f"{prefix}:{text[len(iri):]}"
    return text


def listing(nodes) -> str:
    return ", ".join(sorted(short(n) for n in nodes))


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_turtle_dir(GRAPH_DIR)


@pytest.fixture(scope="module")
def statement_classes() -> set[URIRef]:
    classes = set(GUIDE_STATEMENT_CLASSES)
    if ONTOLOGY_DIR.is_dir():
        ontology = load_turtle_dir(ONTOLOGY_DIR)
        classes |= set(ontology.transitive_subjects(RDFS.subClassOf, KZO.Statement))
    return classes


@pytest.fixture(scope="module")
def statements(graph, statement_classes) -> set[URIRef]:
    """Nodes typed with a statement class, and any other node that carries a quote."""
    nodes = {s for cls in statement_classes for s in graph.subjects(RDF.type, cls)}
    return nodes | set(graph.subjects(KZO.quote, None))


def asserted(graph: Graph, node) -> bool:
    return (node, KZO.status, KZO.Asserted) in graph


def normalized(label: Literal) -> str:
    text = " ".join(str(label).split()).casefold()
    return text[4:] if text.startswith("the ") else text


def test_graph_parses(graph):
    assert len(graph) > 0


def test_no_two_entities_share_a_name(graph, statements):
    """One real thing, one IRI: no prefLabel is also another entity's prefLabel or altLabel."""
    owners: dict[str, set] = defaultdict(set)
    for entity, label in graph.subject_objects(SKOS.prefLabel):
        if entity not in statements:
            owners[normalized(label)].add(entity)
    pref_names = set(owners)
    for prop in ENTITY_LABELS:
        for entity, label in graph.subject_objects(prop):
            if entity not in statements and normalized(label) in pref_names:
                owners[normalized(label)].add(entity)
    clashes = {name: nodes for name, nodes in owners.items() if len(nodes) > 1}
    assert not clashes, "same name on several IRIs: " + "; ".join(
        f"{name!r}: {listing(nodes)}" for name, nodes in sorted(clashes.items())
    )


def test_one_preflabel_per_language(graph):
    counts: dict[tuple, int] = defaultdict(int)
    for entity, label in graph.subject_objects(SKOS.prefLabel):
        counts[(entity, getattr(label, "language", None))] += 1
    offenders = {entity for (entity, _), n in counts.items() if n > 1}
    assert not offenders, "several skos:prefLabel in one language: " + listing(offenders)


def test_no_dangling_kz_objects(graph):
    """Every kz: IRI used as an object is typed somewhere in graph/."""
    typed = set(graph.subjects(RDF.type, None))
    dangling = {
        o for o in graph.objects() if isinstance(o, URIRef) and o.startswith(str(KZ)) and o not in typed
    }
    assert not dangling, "kz: IRIs used as objects but never typed: " + listing(dangling)


@pytest.mark.parametrize(
    "prop",
    [KZO.quote, KZO.section, KZO.status, RDFS.label, DCTERMS.source],
    ids=lambda p: short(p),
)
def test_statements_carry_required_property(graph, statements, prop):
    missing = {s for s in statements if (s, prop, None) not in graph}
    assert not missing, f"statements without {short(prop)}: " + listing(missing)


def test_statements_have_exactly_one_status(graph, statements):
    several = {s for s in statements if len(set(graph.objects(s, KZO.status))) > 1}
    assert not several, "statements with several kzo:status: " + listing(several)


def test_statements_cite_the_source_article(graph, statements):
    wrong = {
        s for s in statements
        if (s, DCTERMS.source, None) in graph and (s, DCTERMS.source, KZ["source-article"]) not in graph
    }
    assert not wrong, "statements whose dcterms:source is not kz:source-article: " + listing(wrong)


def test_quotes_are_verbatim(graph):
    text = SOURCE_FILE.read_text(encoding="utf-8")
    bad = {s for s, q in graph.subject_objects(KZO.quote) if str(q) not in text}
    assert not bad, "kzo:quote not found verbatim in the source: " + listing(bad)


def section_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Character spans of each section's body, by heading title ("" for the lead)."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    title, start, offset = "", 0, 0
    for line in text.splitlines(keepends=True):
        heading = HEADING.match(line.strip())
        if heading:
            spans[title].append((start, offset))
            title, start = heading.group(2), offset + len(line)
        offset += len(line)
    spans[title].append((start, offset))
    return spans


def test_quotes_lie_in_their_sections(graph):
    """Each quote occurs inside the body of one of the statement's kzo:section nodes."""
    text = SOURCE_FILE.read_text(encoding="utf-8")
    spans = section_spans(text)
    misplaced = set()
    for statement, quote in graph.subject_objects(KZO.quote):
        quote = str(quote)
        starts = [m.start() for m in re.finditer(re.escape(quote), text)]
        if not starts:
            continue  # reported by test_quotes_are_verbatim
        titles = [
            str(graph.value(section, DCTERMS.title) or "") for section in graph.objects(statement, KZO.section)
        ]
        if not any(
            a <= s and s + len(quote) <= b for title in titles for a, b in spans.get(title, []) for s in starts
        ):
            misplaced.add(statement)
    assert not misplaced, "quotes outside the sections their statement names: " + listing(misplaced)


def test_attributed_statements_name_a_claimant(graph):
    orphans = {
        s for status in NEEDS_CLAIMANT for s in graph.subjects(KZO.status, status)
        if (s, KZO.claimedBy, None) not in graph
    }
    assert not orphans, "Claimed/Denied/Disputed statements without kzo:claimedBy: " + listing(orphans)


def backed_tie(graph: Graph, a, b) -> bool:
    for tie in set(graph.subjects(KZO.tieSubject, a)) | set(graph.subjects(KZO.tieObject, a)):
        ends = set(graph.objects(tie, KZO.tieSubject)) | set(graph.objects(tie, KZO.tieObject))
        if b in ends and asserted(graph, tie):
            return True
    return False


def backed_membership(graph: Graph, member, organization) -> bool:
    return any(
        (m, ORG.organization, organization) in graph and asserted(graph, m)
        for m in graph.subjects(ORG.member, member)
    )


def backed_cooperation(graph: Graph, a, b) -> bool:
    return any(
        (c, KZO.partner, b) in graph and asserted(graph, c) for c in graph.subjects(KZO.partner, a)
    )


def backed_designation(graph: Graph, organization, designation) -> bool:
    return (designation, KZO.designatedOrganization, organization) in graph and asserted(graph, designation)


def backed_participation(graph: Graph, agent, event) -> bool:
    return asserted(graph, event)


def backed_placement(graph: Graph, entity, container) -> bool:
    return any(
        (p, KZO.placedIn, container) in graph and asserted(graph, p) for p in graph.subjects(KZO.placedEntity, entity)
    )


BACKING = {
    KZO.affiliatedWith: backed_tie,
    KZO.tiedTo: backed_tie,
    ORG.memberOf: backed_membership,
    KZO.cooperatesWith: backed_cooperation,
    KZO.designatedIn: backed_designation,
    KZO.participatedIn: backed_participation,
    KZO.locatedIn: backed_placement,
}


@pytest.mark.parametrize("prop", list(BACKING), ids=lambda p: short(p))
def test_direct_property_backed_by_asserted_statement(graph, prop):
    check = BACKING[prop]
    unbacked = {(s, o) for s, o in graph.subject_objects(prop) if not check(graph, s, o)}
    assert not unbacked, f"{short(prop)} without an Asserted backing statement: " + "; ".join(
        sorted(f"{short(s)} -> {short(o)}" for s, o in unbacked)
    )
