"""kzct validate on small documents: exit codes, messages with line and column, hostile input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kzct.cli import main
from kzct.untrusted import UnsafeData, check_shapes, parse_untrusted
from kzct.rdfparse import RdfSyntaxError, parse_file

DATA = Path(__file__).resolve().parent / "data"
VALIDATE = DATA / "validate"
HOSTILE = DATA / "hostile"


def kzct_validate(*args: str) -> int:
    return main(["validate", "--shapes", str(VALIDATE / "shapes"), "--ontology", str(VALIDATE / "ontology"),
                 *args])


@pytest.mark.parametrize("name", ["good.ttl", "good.jsonld", "good.rdf"])
def test_conforming_documents_exit_0(name, capsys):
    assert kzct_validate(str(VALIDATE / name)) == 0
    assert "conforms" in capsys.readouterr().out


def test_violations_exit_1_grouped_by_focus_node(capsys):
    assert kzct_validate(str(VALIDATE / "bad.ttl")) == 1
    out = capsys.readouterr().out
    assert "kz:nameless\n  Violation kzsh:Organization-prefLabel path skos:prefLabel" in out
    assert "Give this organization a preferred label." in out
    assert "kz:statement-2\n  Violation kzsh:Statement-quote" in out  # quote not in the source
    assert "kz:nameless-group\n  Violation kzsh:Organization-prefLabel" in out  # subclass, via the ontology
    assert "does not conform: 3 violation(s) on 3 focus node(s)" in out


def test_ntriples_by_extension(capsys):
    assert kzct_validate(str(VALIDATE / "bad.nt")) == 1


def test_stdin_needs_and_uses_input_format(monkeypatch, capsys):
    turtle = (VALIDATE / "good.ttl").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(turtle)))
    assert kzct_validate("--input-format", "turtle", "-") == 0
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(turtle)))
    assert kzct_validate("-") == 2
    assert "--input-format" in capsys.readouterr().err


@pytest.mark.parametrize("fmt,needle", [("turtle", "sh:ValidationReport"),
                                        ("json", "http://www.w3.org/ns/shacl#ValidationReport")])
def test_report_graph_formats(fmt, needle, capsys):
    assert kzct_validate("--format", fmt, str(VALIDATE / "bad.ttl")) == 1
    assert needle in capsys.readouterr().out


def test_syntax_error_exits_2_with_line_and_column(capsys):
    assert kzct_validate(str(VALIDATE / "syntax-error.ttl")) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("syntax-error.ttl:5:1: A dot is expected at the end of statements")
    assert "\n" not in err


def test_missing_file_and_bad_option_exit_2(capsys):
    assert kzct_validate(str(VALIDATE / "missing.ttl")) == 2
    assert "missing.ttl: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        kzct_validate("--inference", "magic", str(VALIDATE / "good.ttl"))
    assert info.value.code == 2


@pytest.mark.parametrize("name,message", [
    ("billion-laughs.rdf", "DOCTYPE"),
    ("external-entity.rdf", "DOCTYPE"),
    ("remote-context.jsonld", "@context must be inline"),
    ("import-context.jsonld", "@import"),
])
def test_hostile_documents_are_refused_cleanly(name, message, capsys):
    assert kzct_validate(str(HOSTILE / name)) == 2
    err = capsys.readouterr().err
    assert message in err and name in err and "Traceback" not in err


@pytest.mark.parametrize("media_type,data", [
    ("text/turtle", b"<https://w3id.org/kzct/id/a> <https://w3id.org/kzct/ontology#p> "
                    + b"(" * 100_000 + b")" * 100_000 + b" ."),
    ("text/turtle", b"<https://w3id.org/kzct/id/a> <https://w3id.org/kzct/ontology#p> "
                    + b"[ <https://w3id.org/kzct/ontology#p> " * 100_000 + b"]" * 100_000 + b" ."),
    ("application/ld+json", b"[" * 100_000 + b"]" * 100_000),
    ("application/ld+json", b'{"@id": "https://w3id.org/kzct/id/a", "https://w3id.org/kzct/ontology#p": '
                            + b'{"https://w3id.org/kzct/ontology#p": ' * 100_000 + b"{}" + b"}" * 100_001),
    ("application/rdf+xml", b"<a>" * 100_000 + b"</a>" * 100_000),
])
def test_deep_nesting_is_a_clean_error(media_type, data):
    with pytest.raises(UnsafeData, match="nesting deeper than") as info:
        parse_untrusted(data, media_type)
    assert info.value.line == 1


def test_size_cap():
    with pytest.raises(UnsafeData, match="more than the limit"):
        parse_untrusted(b"<https://a/> <https://b/> <https://c/> .", "application/n-triples", max_bytes=10)


def test_rdfxml_syntax_error_has_line_and_column():
    with pytest.raises(RdfSyntaxError) as info:
        parse_untrusted(b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n<a></b>",
                        "application/rdf+xml")
    assert (info.value.line, info.value.column) == (2, 6)


def test_uploaded_shapes_may_not_use_service():
    with pytest.raises(UnsafeData, match="SERVICE"):
        check_shapes(parse_file(HOSTILE / "service-shape.ttl"))
    check_shapes(parse_file(VALIDATE / "shapes" / "organization.ttl"))  # plain SPARQL is fine
