"""docs/federation.md's SERVICE examples, read from the file and run against a real ``kzct serve`` of
the project's own graph (not the small test graph): a copied example must answer what the doc says."""

from __future__ import annotations

import re

import pytest

from support import ROOT

DOC = ROOT / "docs" / "federation.md"
DOC_URL = "http://127.0.0.1:8000"
EXPECTED = [("http://peer.example/report/1", "Hizb ut-Tahrir"),
            ("http://peer.example/report/2", "Jamaat of Central Asian Mujahedins")]


def section_blocks() -> dict[str, list[str]]:
    """The fenced blocks of the 'kzct as a SERVICE target' section, up to the peer engines, by language."""
    text = DOC.read_text()
    section = text[text.index("## kzct as a SERVICE target"):text.index("### Virtuoso Open Source")]
    blocks: dict[str, list[str]] = {}
    for lang, body in re.findall(r"```(\w+)\n(.*?)```", section, re.S):
        blocks.setdefault(lang, []).append(body)
    return blocks


@pytest.fixture(scope="module")
def project(serve):
    return serve("--workers", "1", "--timeout", "5")


def run(block: str, url: str, **names) -> dict:
    namespace = dict(names)
    exec(compile(block.replace(DOC_URL, url), str(DOC), "exec"), namespace)  # noqa: S102 - our own doc
    return namespace


def test_issue_15_federation_doc_examples_answer_on_the_real_graph(project):
    blocks = section_blocks()
    assert len(blocks["turtle"]) == 1 and len(blocks["sparql"]) == 2 and len(blocks["python"]) == 4
    names = {"PEER_TURTLE": blocks["turtle"][0], "QUERY": blocks["sparql"][0].replace(DOC_URL, project.url),
             "CHAIN_QUERY": blocks["sparql"][1].replace(DOC_URL, project.url)}
    rdflib_block, pyoxigraph_block, clients_block, chains_block = blocks["python"]
    assert run(rdflib_block, project.url, **names)["rows"] == EXPECTED
    assert run(pyoxigraph_block, project.url, **names)["rows"] == EXPECTED
    done = run(clients_block, project.url, **names)
    assert [b["label"]["value"] for b in done["bindings"]] == ["Hizb ut-Tahrir"]
    assert [str(label) for label in done["labels"]] == ["Hizb ut-Tahrir"]
    hut = "https://w3id.org/kzct/id/hizb-ut-tahrir"
    described = {(str(s), str(p), str(o)) for s, p, o in done["described"]}
    assert (hut, "http://www.w3.org/2004/02/skos/core#prefLabel", "Hizb ut-Tahrir") in described
    kz, kzo = "https://w3id.org/kzct/id/", "https://w3id.org/kzct/ontology#"
    assert run(chains_block, project.url, **names)["chain_rows"] == [
        ("http://peer.example/report/1", "1", kz + "hizb-ut-tahrir", kz + "al-qaeda", kzo + "Claimed"),
        ("http://peer.example/report/2", "1", kz + "jamaat-of-central-asian-mujahedins", kz + "al-qaeda",
         kzo + "Asserted"),
    ]
