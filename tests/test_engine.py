"""The engine without HTTP: precheck, killable workers, row cap."""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox
import pytest

from kzct.config import Limits
from kzct.dataset import load_project
from kzct.engine import QueryRequest, make_engine
from kzct.engine import errors as e
from kzct.engine.stream import AnswerWriter, Full
from kzct.engine.precheck import check
from support import DATA_DIR

LIMITS = Limits(timeout=1.5, max_rows=3, max_depth=64, max_query_length=5_000,
                service_allow=frozenset({"https://allowed.example/sparql"}))
RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"


@pytest.fixture(scope="module")
def dataset():
    return load_project(DATA_DIR)


@pytest.fixture(scope="module")
def engine(dataset):
    engine = make_engine(dataset, LIMITS)
    yield engine
    engine.close()


def test_precheck_finds_the_form_after_the_prologue():
    q = "BASE <http://x/> PREFIX a: <http://a/> PREFIX : <http://b/> # SELECT\n CONSTRUCT WHERE { ?s ?p ?o }"
    assert check(q, LIMITS).form == "CONSTRUCT"


@pytest.mark.parametrize("text", [
    "INSERT DATA { <a:s> <a:p> <a:o> }",
    "PREFIX x: <http://x/> delete where { ?s ?p ?o }",
    "LOAD <http://example.org/x.ttl>",
    "CLEAR ALL", "DROP GRAPH <a:g>", "CREATE GRAPH <a:g>", "COPY DEFAULT TO <a:g>",
    "MOVE <a:g> TO <a:h>", "ADD <a:g> TO <a:h>", "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_precheck_refuses_updates(text):
    with pytest.raises(e.UpdateRefused):
        check(text, LIMITS)


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "select * { service silent <http://evil.example/sparql> { ?s ?p ?o } }",
    "PREFIX e: <http://evil.example/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o FILTER(?x<?y)SERVICE<http://evil.example/>{?a ?b ?c} }",
    "SELECT * { ?s ?p 'unterminated\n SERVICE <http://evil.example/> { ?a ?b ?c } }",
    "SELECT * { SERVICE <https://allowed.example/sparql/../other> { ?s ?p ?o } }",
])
def test_precheck_refuses_service(text):
    with pytest.raises(e.ServiceRefused):
        check(text, LIMITS)


@pytest.mark.parametrize("text", [
    "SELECT ?service { ?service ?p 'SERVICE <http://evil.example/>' }",
    "SELECT * { <http://x/SERVICE> ?p ?o } # SERVICE <http://evil.example/>",
    "PREFIX ex: <http://x/> SELECT * { ex:SERVICE ?p ?o }",
    "SELECT * { ?s ?p '''long\nSERVICE <http://evil.example/>''' }",
    "SELECT * { SERVICE <https://allowed.example/sparql> { ?s ?p ?o } }",
])
def test_precheck_lets_harmless_text_through(text):
    check(text, LIMITS)


def test_precheck_depth_and_length():
    check("SELECT * { " + "{ " * 60 + "}" * 60 + " }", LIMITS)
    for opener, closer in ("()", "{}", "[]"):
        with pytest.raises(e.QueryTooDeep):
            check(opener * 10_000 + closer * 10_000, Limits(max_query_length=100_000))
    with pytest.raises(e.QueryTooLong):
        check("ASK {}" + " " * 5_000, LIMITS)


def test_precheck_is_linear_on_hostile_text():
    start = time.perf_counter()
    for text in ('"""' * 30_000, "'" * 90_000, "<" * 90_000, "\\" * 90_000):
        check(text, Limits(max_query_length=100_000))
    assert time.perf_counter() - start < 2


def test_answer_writer_stops_at_its_row_limit():
    writer = AnswerWriter(Limits(max_rows=2), None, by_line=True)
    writer.write(b"a\nb")
    with pytest.raises(Full):
        writer.write(b"c\nd\ne\n")
    with pytest.raises(e.AnswerTooLarge, match="more than 2 triples"):
        writer.finish()


def test_answer_writer_stops_at_its_byte_limit_when_it_cannot_stream():
    writer = AnswerWriter(Limits(max_answer_bytes=5), None, by_line=False)
    writer.write(b"abc")
    with pytest.raises(Full):
        writer.write(b"def")
    with pytest.raises(e.AnswerTooLarge, match="5 bytes"):
        writer.finish()


def test_answer_writer_sends_whole_lines_once_past_stream_after():
    sent = []
    writer = AnswerWriter(Limits(stream_after=4), lambda data: sent.append(data), by_line=True)
    writer.write(b"ab\ncd")  # 5 bytes: past the threshold, the whole line goes
    writer.write(b"e\nf")
    assert sent == [b"ab\n", b"cde\n"]
    assert writer.finish() is None and sent[-1] == b"f" and writer.lines == 2


def test_row_cap_refuses_the_whole_answer(engine):
    """An answer over the row cap is an error, never a well-formed answer that looks complete."""
    with pytest.raises(e.AnswerTooLarge, match="more than 3 rows"):
        engine.run(QueryRequest("SELECT * { ?s ?p ?o }"))
    with pytest.raises(e.AnswerTooLarge, match="more than 3 triples"):
        engine.run(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format="ntriples"))
    exact = engine.run(QueryRequest("SELECT * { ?s ?p ?o } LIMIT 3"))
    assert exact.rows == 3


def test_byte_cap_refuses_the_whole_answer(dataset):
    engine = make_engine(dataset, Limits(max_answer_bytes=300), isolate=False)
    with pytest.raises(e.AnswerTooLarge, match="300 bytes"):
        engine.run(QueryRequest("SELECT * { ?s ?p ?o }"))
    with pytest.raises(e.AnswerTooLarge, match="300 bytes"):
        engine.run(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format="turtle"))
    assert engine.run(QueryRequest("SELECT * { ?s ?p ?o } LIMIT 1")).rows == 1


def test_timeout_kills_the_worker_and_replaces_it(engine):
    engine.start()
    (old_pid,) = engine.pids()
    start = time.monotonic()
    with pytest.raises(e.QueryTimeout):
        engine.run(QueryRequest(RUNAWAY))
    assert time.monotonic() - start < LIMITS.timeout + 1
    with pytest.raises(ProcessLookupError):
        os.kill(old_pid, 0)  # the runaway work is gone, not just abandoned
    start = time.monotonic()
    assert engine.run(QueryRequest("ASK {}")).body == b'{"head":{},"boolean":true}'
    assert time.monotonic() - start < 0.5


def test_a_crashing_query_costs_only_its_worker(dataset):
    deep = Limits(max_depth=1_000_000, max_query_length=1_000_000)
    engine = make_engine(dataset, deep)
    try:
        with pytest.raises(e.QueryTooDeep, match="too deeply for the parser"):
            engine.run(QueryRequest("SELECT * { FILTER(" + "(" * 100_000 + "1" + ")" * 100_000 + ") }"))
        assert engine.run(QueryRequest("ASK {}")).rows == 1
    finally:
        engine.close()


def test_not_acceptable_per_form(engine):
    with pytest.raises(e.NotAcceptable):
        engine.run(QueryRequest("ASK {}", results_format=None))
    with pytest.raises(e.NotAcceptable):
        engine.run(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=None))


def test_inline_engine_runs_in_process(dataset):
    engine = make_engine(dataset, LIMITS, isolate=False)
    assert engine.run(QueryRequest("ASK { ?s ?p ?o }")).body.endswith(b"true}")
    assert engine.pids() == []


def test_rdflib_baseline_answers_the_same(dataset):
    engine = make_engine(dataset, Limits(), backend="rdflib", isolate=False)
    query = "SELECT (COUNT(*) AS ?n) { ?s a ?c }"
    ours = make_engine(dataset, Limits(), isolate=False).run(QueryRequest(query, results_format="csv"))
    theirs = engine.run(QueryRequest(query, results_format="csv"))
    assert ours.body.split() == theirs.body.split()


def test_a_runaway_ties_up_only_its_own_query_process(dataset):
    """Two query processes: a quick query answers at once while a runaway waits for its timeout."""
    engine = make_engine(dataset, LIMITS, children=2)
    engine.start()
    try:
        before = set(engine.pids())
        assert len(before) == 2
        outcome = {}

        def runaway():
            try:
                engine.run(QueryRequest(RUNAWAY))
            except e.QueryTimeout as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.2)
        latencies = []
        while thread.is_alive():
            start = time.monotonic()
            assert engine.run(QueryRequest("ASK {}")).rows == 1
            latencies.append(time.monotonic() - start)
        thread.join()
        assert isinstance(outcome.get("error"), e.QueryTimeout)
        assert len(latencies) > 20 and max(latencies) < 0.5
        after = set(engine.pids())
        assert len(after) == 2 and len(before - after) == 1  # the runaway's process was replaced
        for pid in before - after:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        engine.close()


def test_one_query_process_makes_queries_wait_their_turn(dataset):
    engine = make_engine(dataset, LIMITS, children=1)
    try:
        results = []
        threads = [threading.Thread(target=lambda: results.append(engine.run(QueryRequest("ASK {}")).rows))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [1] * 8 and len(engine.pids()) == 1
    finally:
        engine.close()


@pytest.mark.parametrize("results_format", ["json", "xml", "csv", "tsv"])
def test_row_cap_in_every_results_format(engine, results_format):
    fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
           "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[results_format]
    with pytest.raises(e.AnswerTooLarge):
        engine.run(QueryRequest("SELECT * { ?s ?p ?o }", results_format=results_format))
    for query, rows in (("SELECT * { ?s ?p ?o } LIMIT 3", 3), ("SELECT * { ?s ?p ?o } LIMIT 2", 2)):
        result = engine.run(QueryRequest(query, results_format=results_format))
        assert result.rows == rows
        if results_format == "csv":  # pyoxigraph writes CSV results but does not read them
            assert result.body.count(b"\n") == rows + 1
        else:
            assert len(list(ox.parse_query_results(result.body, format=fmt))) == rows


@pytest.mark.parametrize("graph_format", ["turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"])
def test_row_cap_in_every_graph_format(engine, graph_format):
    fmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
           "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}[graph_format]
    with pytest.raises(e.AnswerTooLarge):
        engine.run(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=graph_format))
    for query, rows in (("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", 3),
                        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", 2)):
        result = engine.run(QueryRequest(query, graph_format=graph_format))
        assert result.rows == rows
        assert len(list(ox.parse(result.body, format=fmt))) == rows


def test_a_remembered_precheck_still_refuses_each_time_and_is_per_engine(dataset):
    """Passing prechecks are remembered per engine; refusals are worked out every time, and an
    engine with tighter limits never takes another engine's pass."""
    nested = "SELECT * WHERE " + "{ " * 10 + "?s ?p ?o " + "} " * 10
    loose = make_engine(dataset, Limits(max_depth=64), isolate=False)
    tight = make_engine(dataset, Limits(max_depth=5), isolate=False)
    for _ in range(3):
        assert loose.check(nested).depth == 10
        with pytest.raises(e.QueryTooDeep):
            tight.check(nested)
    service = "SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }"
    for _ in range(3):
        with pytest.raises(e.ServiceRefused):
            loose.check(service)
    # Past the remembered length the text is still checked in full.
    long_service = "# " + "x" * 5000 + "\n" + service
    with pytest.raises(e.ServiceRefused):
        loose.check(long_service)


def _private_dirty_mb() -> float:
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no Private_Dirty in smaps_rollup")


class _Collecting:
    """A backend that runs a full garbage collection in the query process and answers how many MB
    of the process's pages that made private (copied from the serving process)."""

    name = "collecting"

    def execute(self, request, limits, send=None):
        import gc

        from kzct.engine.request import QueryResult

        before = _private_dirty_mb()
        gc.collect()
        return QueryResult("boolean", "json", f"{_private_dirty_mb() - before:.2f}".encode(), 1)


def test_a_full_collection_in_a_query_process_copies_none_of_the_inherited_pages(dataset):
    """A query process never collects what it inherited: a full collection there would write to
    every inherited object (this test process holds hundreds of thousands) and copy their pages."""
    from kzct.engine.pool import Engine

    pool_engine = Engine(_Collecting(), Limits(timeout=30), isolate=True, children=1)
    try:
        pool_engine.sealed.start()
        grown = float(pool_engine.run(QueryRequest("ASK {}")).body)
    finally:
        pool_engine.close()
    assert grown < 3.0, f"a full collection made {grown} MB private"
