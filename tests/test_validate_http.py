"""POST /validate and GET /validate; the shape test cases through the CLI and the HTTP service.

Every file in tests/shapes/ goes through both ``kzct validate FILE`` and ``POST /validate``: one whose
first line is ``# expect: <shape> Violation`` must fail naming that shape, any other must conform.
Hostile uploads get a clean 4xx problem; a slow validation is stopped at its time limit while a real
``kzct serve`` keeps answering /sparql; and ``curl -F file=@mine.ttl`` works as documented.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import owlrl
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kzct.cli import main
from kzct.namespaces import KZSH, PREFIXES
from kzct.paths import ONTOLOGY_DIR, SHAPES_DIR, SOURCE_FILE
from kzct.validation import load_ontology, load_shapes, validate

from support import DATA_DIR, PROBLEM_JSON, ROOT, assert_problem

SHAPE_CASES = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))
VALIDATE = DATA_DIR / "validate"
HOSTILE = DATA_DIR / "hostile"
EXPECT = re.compile(r"#\s*expect:\s*(\S+)\s+(Violation|Warning|Info)\b")
TURTLE = "text/turtle"
SMALL = {"VALIDATE_SHAPES": str(VALIDATE / "shapes"), "VALIDATE_ONTOLOGY": str(VALIDATE / "ontology")}
# rdflib's XSD is a DefinedNamespace, which warns when pytest probes module attributes (_mock_name).
XSD_GMONTHDAY = URIRef("http://www.w3.org/2001/XMLSchema#gMonthDay")


def expectation(path: Path) -> tuple[str, str] | None:
    """(shape IRI, severity) from the first line, or None for a conforming case."""
    first = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    match = EXPECT.match(first)
    if not match:
        return None
    prefix, _, local = match.group(1).partition(":")
    return PREFIXES[prefix] + local, match.group(2)


def slow_document(organizations: int = 2000) -> bytes:
    """Valid Turtle whose OWL-RL validation takes several seconds (11 s for 2000 organizations)."""
    head = ("PREFIX kz: <https://w3id.org/kzct/id/>\nPREFIX kzo: <https://w3id.org/kzct/ontology#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    body = "".join(f'kz:org-{i} a kzo:Organization ; skos:prefLabel "Organization {i}"@en .\n'
                   for i in range(organizations))
    return (head + body).encode()


def children() -> set[int]:
    """PIDs of this process's children (Linux)."""
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        pids.update(int(p) for p in (task / "children").read_text().split())
    return pids


@pytest.fixture(scope="module")
def small(make_app):
    """The app with the small test shapes and ontology (tests/data/validate)."""
    return make_app(**SMALL).test_client()


# --- the shape test cases: CLI and HTTP --------------------------------------------------------

def test_shape_cases_exist():
    assert SHAPE_CASES, "tests/shapes/ holds no test cases"
    assert any(expectation(p) for p in SHAPE_CASES)
    assert any(expectation(p) is None for p in SHAPE_CASES)


@pytest.mark.parametrize("path", SHAPE_CASES, ids=lambda p: p.stem)
def test_shape_case_through_the_cli(path, capsys):
    expected = expectation(path)
    code = main(["validate", str(path)])
    out = capsys.readouterr().out
    if expected is None:
        assert code == 0, out
        assert "conforms" in out.splitlines()[-1] and "does not" not in out
    else:
        shape, severity = expected
        assert code == 1, out
        curie = "kzsh:" + shape.removeprefix(str(KZSH))
        assert f"{severity} {curie}" in out


@pytest.mark.parametrize("path", SHAPE_CASES, ids=lambda p: p.stem)
def test_shape_case_through_http(client, path):
    expected = expectation(path)
    response = client.post("/validate", data=path.read_bytes(), content_type=TURTLE)
    assert response.status_code == 200, response.get_data(as_text=True)
    summary = response.get_json()
    if expected is None:
        assert summary["conforms"] is True, summary
        assert response.headers["X-KZCT-Conforms"] == "true"
        assert all(r["severity"] != "Violation" for r in summary["results"])
    else:
        shape, severity = expected
        assert summary["conforms"] is False
        assert response.headers["X-KZCT-Conforms"] == "false"
        assert (shape, severity) in {(r["sourceShape"], r["severity"]) for r in summary["results"]}


# --- answers and formats ---------------------------------------------------------------------

def test_json_summary_is_the_default(small):
    response = small.post("/validate", data=(VALIDATE / "bad.ttl").read_bytes(), content_type=TURTLE)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-KZCT-Conforms"] == "false"
    assert "X-KZCT-Conforms" in response.headers["Access-Control-Expose-Headers"]  # readable by scripts
    body = response.get_json()
    assert body["conforms"] is False
    assert {r["focusNode"].rsplit("/", 1)[-1] for r in body["results"]} == {
        "nameless", "nameless-group", "statement-2"}
    nameless = next(r for r in body["results"] if r["focusNode"].endswith("/nameless"))
    assert nameless == {
        "focusNode": "https://w3id.org/kzct/id/nameless",
        "path": "http://www.w3.org/2004/02/skos/core#prefLabel",
        "severity": "Violation",
        "message": "Give this organization a preferred label.",
        "sourceShape": str(KZSH["Organization-prefLabel"]),
        "value": None,
    }


@pytest.mark.parametrize("accept,fmt,media", [
    ("text/turtle", "turtle", "text/turtle"),
    ("application/ld+json", "json-ld", "application/ld+json"),
])
def test_report_graph_by_accept(small, accept, fmt, media):
    response = small.post("/validate", data=(VALIDATE / "bad.ttl").read_bytes(), content_type=TURTLE,
                          headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media
    report = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert str(report.value(node, SH.conforms)) == "false"
    assert len(set(report.subjects(RDF.type, SH.ValidationResult))) == 3


@pytest.mark.parametrize("name,media_type", [
    ("good.ttl", "text/turtle"), ("good.jsonld", "application/ld+json"), ("good.rdf", "application/rdf+xml"),
])
def test_conforming_documents_by_content_type(small, name, media_type):
    response = small.post("/validate", data=(VALIDATE / name).read_bytes(), content_type=media_type)
    assert response.status_code == 200
    assert response.get_json() == {"conforms": True, "results": []}
    assert response.headers["X-KZCT-Conforms"] == "true"


def test_ntriples_and_trig(small):
    response = small.post("/validate", data=(VALIDATE / "bad.nt").read_bytes(),
                          content_type="application/n-triples")
    assert response.get_json()["conforms"] is False
    lines = (VALIDATE / "good.ttl").read_text().splitlines(keepends=True)
    prefixes = "".join(line for line in lines if line.startswith("PREFIX"))
    body = "".join(line for line in lines if not line.startswith("PREFIX"))
    trig = f"{prefixes}<https://w3id.org/kzct/graph/x> {{\n{body}}}\n".encode()
    response = small.post("/validate", data=trig, content_type="application/trig")
    assert response.get_json()["conforms"] is True


def test_format_parameter_and_406(small):
    data = (VALIDATE / "bad.ttl").read_bytes()
    response = small.post("/validate?format=turtle", data=data, content_type=TURTLE)
    assert response.mimetype == "text/turtle" and b"sh:ValidationReport" in response.data
    assert_problem(small.post("/validate", data=data, content_type=TURTLE, headers={"Accept": "image/png"}), 406)
    assert_problem(small.post("/validate?format=pdf", data=data, content_type=TURTLE), 400)


def test_inference_option(client):
    # kzo:ArmedGroup is an organization only through the ontology's subclass axioms, which rdfs
    # inference makes explicit; the verdict is the same, and a bad value is a 400 problem.
    data = (VALIDATE / "bad.ttl").read_bytes()
    plain = client.post("/validate", data=data, content_type=TURTLE).get_json()
    inferred = client.post("/validate?inference=rdfs", data=data, content_type=TURTLE).get_json()
    assert plain["conforms"] is inferred["conforms"] is False
    assert {r["focusNode"] for r in plain["results"]} <= {r["focusNode"] for r in inferred["results"]}
    assert_problem(client.post("/validate?inference=magic", data=data, content_type=TURTLE), 400)


@pytest.mark.parametrize("inference", ["none", "rdfs", "owlrl"])
def test_issue_5_inference_keeps_month_day_dates(inference):
    """owlrl leaves rdflib unable to read xsd:gMonthDay and xsd:gMonth, so every such date failed
    kzsh:Statement-date after inference, or after any owlrl closure in the same process (as
    ``kzct reason`` computes); validation puts rdflib's converters back."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(Graph())
    data = Graph().parse(format="turtle", data="""
        PREFIX kz: <https://w3id.org/kzct/id/>
        PREFIX kzo: <https://w3id.org/kzct/ontology#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        kz:x a kzo:Statement ; kzo:date "--11-16"^^xsd:gMonthDay .
        kz:y a kzo:Statement ; kzo:date "--07"^^xsd:gMonth .
    """)
    result = validate(data, load_shapes(), load_ontology(), inference)
    shapes = {str(result.report.value(r, SH.sourceShape)) for r in result.report.subjects(RDF.type, SH.ValidationResult)}
    assert str(KZSH["Statement-date"]) not in shapes
    assert not Literal("--11-16", datatype=XSD_GMONTHDAY).ill_typed


# --- multipart uploads and the form ----------------------------------------------------------

def test_multipart_file_by_extension(small):
    with (VALIDATE / "bad.ttl").open("rb") as handle:
        response = small.post("/validate", data={"file": (handle, "mine.ttl", "application/octet-stream")})
    assert response.status_code == 200
    assert response.get_json()["conforms"] is False


def test_multipart_file_by_part_content_type(small):
    with (VALIDATE / "good.jsonld").open("rb") as handle:
        response = small.post("/validate", data={"file": (handle, "upload", "application/ld+json")})
    assert response.get_json() == {"conforms": True, "results": []}


def test_multipart_unknown_format_is_415(small):
    response = small.post("/validate", data={"file": ((VALIDATE / "good.ttl").open("rb"), "mine.txt", "text/plain")})
    body = assert_problem(response, 415)
    assert "mine.txt" in body["detail"]


def test_form_textarea_with_page_answer(small):
    response = small.post("/validate", data={
        "data": (VALIDATE / "bad.ttl").read_text(), "data-format": "text/turtle", "format": "html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Does not conform" in page and "kzsh:Organization-prefLabel" in page
    assert response.headers["X-KZCT-Conforms"] == "false"
    assert "<script" not in page and "http" not in page.split("<pre>")[0].replace("http-equiv", "")


def test_get_validate_is_a_self_contained_form(small):
    response = small.get("/validate", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page and "<textarea" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external assets
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy  # the site's one policy
    assert 'class="site-nav"' in page  # the site's layout


def test_browser_accept_gets_the_page(small):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = small.post("/validate", data=(VALIDATE / "good.ttl").read_bytes(), content_type=TURTLE,
                          headers={"Accept": accept})
    assert response.mimetype == "text/html" and "Conforms." in response.get_data(as_text=True)


def test_service_description_links_the_validator(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert b"kzsd:validator <http://localhost/validate>" in response.data


# --- refusals: clean problems ----------------------------------------------------------------

@pytest.mark.parametrize("name,media_type,message", [
    ("billion-laughs.rdf", "application/rdf+xml", "DOCTYPE"),
    ("external-entity.rdf", "application/rdf+xml", "DOCTYPE"),
    ("remote-context.jsonld", "application/ld+json", "@context must be inline"),
    ("import-context.jsonld", "application/ld+json", "@import"),
])
def test_hostile_documents_get_400(small, name, media_type, message):
    body = assert_problem(small.post("/validate", data=(HOSTILE / name).read_bytes(), content_type=media_type), 400)
    assert message in body["detail"]
    with (HOSTILE / name).open("rb") as handle:  # the same as an upload
        body = assert_problem(small.post("/validate", data={"file": (handle, name)}), 400)
    assert body["detail"].startswith(name + ":")


@pytest.mark.parametrize("media_type,data", [
    ("text/turtle", b"<https://w3id.org/kzct/id/a> <https://w3id.org/kzct/ontology#p> "
                    + b"(" * 100_000 + b")" * 100_000 + b" ."),
    ("application/ld+json", b"[" * 100_000 + b"]" * 100_000),
    ("application/rdf+xml", b"<a>" * 100_000 + b"</a>" * 100_000),
])
def test_100000_deep_nesting_gets_400(make_app, media_type, data):
    client = make_app(VALIDATE_MAX_BYTES=2_000_000, **SMALL).test_client()
    body = assert_problem(client.post("/validate", data=data, content_type=media_type), 400)
    assert "nesting deeper than 64 levels" in body["detail"]


class CountingStream:
    """A seekable request body of ``size`` bytes that records how many of them were read."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_bytes = size, 0, 0

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.size + offset if whence == 2 else self.position + offset
        return self.position

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.position
        n = left if n is None or n < 0 else min(n, left)
        self.position += n
        self.read_bytes += n
        return b"#" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


def test_50_mb_body_gets_413_unread(small):
    stream = CountingStream(50_000_000)
    response = small.post("/validate", input_stream=stream, content_type=TURTLE,
                          headers={"Content-Length": str(stream.size)})
    assert_problem(response, 413)
    assert stream.read_bytes == 0


def test_50_mb_multipart_gets_413_unread(small):
    stream = CountingStream(50_000_000)
    response = small.post("/validate", input_stream=stream,
                          content_type="multipart/form-data; boundary=x",
                          headers={"Content-Length": str(stream.size)})
    assert_problem(response, 413)
    assert stream.read_bytes == 0


def test_unsupported_media_type_and_empty_body(small):
    assert_problem(small.post("/validate", data=b"hello", content_type="text/plain"), 415)
    assert_problem(small.post("/validate", data=b"hello"), 415)
    assert_problem(small.post("/validate", data=b"  \n", content_type=TURTLE), 400)


def test_syntax_error_has_line_and_column(small):
    body = assert_problem(small.post("/validate", data=(VALIDATE / "syntax-error.ttl").read_bytes(),
                                     content_type=TURTLE), 400)
    assert body["detail"] == "body:5:1: A dot is expected at the end of statements"
    with (VALIDATE / "syntax-error.ttl").open("rb") as handle:
        body = assert_problem(small.post("/validate", data={"file": (handle, "mine.ttl")}), 400)
    assert body["detail"] == "mine.ttl:5:1: A dot is expected at the end of statements"


def test_slow_validation_is_stopped_at_the_time_limit(make_app):
    client = make_app(VALIDATE_TIMEOUT=1, VALIDATE_MAX_BYTES=2_000_000).test_client()
    before = children()
    start = time.monotonic()
    response = client.post("/validate?inference=owlrl", data=slow_document(), content_type=TURTLE)
    elapsed = time.monotonic() - start
    body = assert_problem(response, 503)
    assert "longer than 1 s" in body["detail"]
    assert elapsed < 3
    assert children() <= before  # the worker was killed and reaped


def test_busy_service_says_so(make_app):
    client = make_app(VALIDATE_CONCURRENCY=0, **SMALL).test_client()
    response = client.post("/validate", data=(VALIDATE / "good.ttl").read_bytes(), content_type=TURTLE)
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"


def test_missing_shapes_make_the_service_unavailable(make_app, tmp_path):
    client = make_app(VALIDATE_SHAPES=str(tmp_path)).test_client()
    body = assert_problem(client.post("/validate", data=b"<https://a/> <https://b/> <https://c/> .",
                                      content_type="application/n-triples"), 503)
    assert "no shapes" in body["detail"]


# --- a real server ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validating(serve):
    """``kzct serve`` on the small graph, validating against the project's shapes (5 s limit)."""
    return serve("--workers", "3", env={
        "KZCT_ROOT": str(DATA_DIR), "KZCT_VALIDATE_SHAPES": str(SHAPES_DIR),
        "KZCT_VALIDATE_ONTOLOGY": str(ONTOLOGY_DIR), "KZCT_SOURCE": str(SOURCE_FILE),
        "KZCT_VALIDATE_TIMEOUT": "5", "KZCT_VALIDATE_MAX_BYTES": "2000000",
    })


def test_sparql_answers_while_a_validation_runs(validating):
    outcome: dict = {}

    def upload() -> None:
        start = time.monotonic()
        outcome["response"] = requests.post(validating.url + "/validate?inference=owlrl", data=slow_document(),
                                            headers={"Content-Type": TURTLE}, timeout=60)
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=upload)
    thread.start()
    time.sleep(0.5)
    timings = []
    while thread.is_alive():
        start = time.monotonic()
        answer = requests.get(validating.endpoint, params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=10)
        timings.append(time.monotonic() - start)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        time.sleep(0.2)
    thread.join()
    assert len(timings) >= 10
    assert max(timings) < 1.0, timings
    response = outcome["response"]
    assert response.status_code == 503
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert 4.5 < outcome["seconds"] < 8


def test_curl_upload_as_a_new_user_would(validating, tmp_path):
    mine = tmp_path / "mine.ttl"
    mine.write_bytes((VALIDATE / "bad.ttl").read_bytes())
    result = subprocess.run(["curl", "-sS", "-i", "-F", f"file=@{mine}", validating.url + "/validate"],
                            capture_output=True, text=True, timeout=60, check=True)
    head, _, body = result.stdout.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200")
    assert "X-KZCT-Conforms: false" in head
    summary = json.loads(body)
    assert summary["conforms"] is False
    assert str(KZSH["Organization-prefLabel"]) in {r["sourceShape"] for r in summary["results"]}


def test_50_mb_body_to_a_real_server(validating):
    """The 413 comes from the Content-Length, before the body is sent."""
    parts = urlsplit(validating.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("POST", "/validate")
    connection.putheader("Content-Type", TURTLE)
    connection.putheader("Content-Length", str(50_000_000))
    connection.endheaders()
    connection.send(b"# only the first bytes of fifty million\n")
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Content-Type") == PROBLEM_JSON
    assert json.loads(response.read())["status"] == 413
    connection.close()


def test_issue_17_inference_does_not_report_the_article_itself():
    """With rdfs or owlrl inference an upload used to get a violation for kz:source-article (the
    article's text, added for the quote check, was typed a source document without a title)."""
    data = Graph().parse(data="""PREFIX kzo: <https://w3id.org/kzct/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        <https://w3id.org/kzct/id/x> a kzo:Organization ; skos:prefLabel "X"@en .""", format="turtle")
    for inference in ("rdfs", "owlrl"):
        result = validate(data, load_shapes(SHAPES_DIR), load_ontology(ONTOLOGY_DIR), inference)
        focus = {str(f) for f in result.report.objects(None, SH.focusNode)}
        assert "https://w3id.org/kzct/id/source-article" not in focus, inference
