"""kzct fmt: the canonical layout, idempotent and lossless, with --check and parse errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from kzct.cli import main
from kzct.rdfparse import RdfSyntaxError, parse_bytes
from kzct.turtle_format import dropped_comment_lines, format_turtle

DATA = Path(__file__).resolve().parent / "data"

MESSY = """# expect: kzsh:Organization-prefLabel Violation
# A second header line.
@prefix kz: <https://w3id.org/kzct/id/> .
@prefix kzo: <https://w3id.org/kzct/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
kz:aum-shinrikyo kzo:designatedBy kz:ban-2006-11-17 ; dcterms:source kz:source-article ;
  skos:prefLabel "Aum Shinrikyo"@en ; a kzo:Organization ; skos:altLabel "Aum"@en, "Aleph"@en .

# The ban.

kz:ban-2006-11-17 a kzo:Designation ; kzo:date "2006-11-17"^^xsd:date ; kzo:count 7 ;
  kzo:quote "a \\"quoted\\" word\\nand a new line"@en ;
  kzo:hasQuantity [ a kzo:Quantity ; kzo:value 2.5 ; kzo:unit [ kzo:name "x"@en ] ] ;
  kzo:list ( kz:a kz:b ) , ( [ kzo:p 1 ] ) , () ; kzo:other ex:thing .
[] a kzo:Group ; kzo:p kz:aum-shinrikyo .
_:shared kzo:p 1 . kz:x kzo:q _:shared . kz:y kzo:q _:shared .
_:c1 kzo:p _:c2 . _:c2 kzo:p _:c1 .
"""


def test_layout_of_a_block():
    out = format_turtle(MESSY)
    assert out.startswith("# expect: kzsh:Organization-prefLabel Violation\n# A second header line.\n\n"
                          "PREFIX dcterms: <http://purl.org/dc/terms/>\n")
    assert "PREFIX ex:" not in out and "<http://example.org/thing>" in out
    assert ("kz:aum-shinrikyo\n"
            "    a kzo:Organization ;\n"
            "    skos:prefLabel\n"
            "        \"Aum Shinrikyo\"@en ;\n"
            "    skos:altLabel\n"
            "        \"Aleph\"@en ,\n"
            "        \"Aum\"@en ;\n"
            "    dcterms:source kz:source-article ;\n"
            "    kzo:designatedBy kz:ban-2006-11-17 ;\n"
            ".\n") in out
    assert "# The ban.\n\nkz:ban-2006-11-17\n    a kzo:Designation ;\n" in out
    assert '    kzo:date "2006-11-17"^^xsd:date ;\n' in out
    # Multi-line text is written triple-quoted, its line breaks kept as they are.
    assert '        """a \\"quoted\\" word\nand a new line"""@en ;\n' in out
    assert "    kzo:hasQuantity\n        [\n            a kzo:Quantity ;\n" in out
    assert "( kz:a kz:b )" in out
    assert "[]\n    a kzo:Group ;\n" in out
    assert out.endswith(".\n") and "\n\n\n" not in out


def test_prefixes_are_only_the_used_ones_sorted():
    out = format_turtle(MESSY)
    prefixes = [line.split()[1] for line in out.splitlines() if line.startswith("PREFIX")]
    assert prefixes == ["dcterms:", "kz:", "kzo:", "skos:", "xsd:"]


def test_idempotent_and_lossless():
    once = format_turtle(MESSY)
    assert format_turtle(once) == once
    assert isomorphic(parse_bytes(MESSY, "text/turtle"), parse_bytes(once, "text/turtle"))


@pytest.mark.parametrize("path", [p for p in sorted(DATA.rglob("*.ttl")) if p.name != "syntax-error.ttl"],
                         ids=lambda p: str(p.relative_to(DATA)))
def test_idempotent_and_lossless_on_test_data(path):
    text = path.read_text(encoding="utf-8")
    once = format_turtle(text)
    assert format_turtle(once) == once
    assert isomorphic(parse_bytes(text, "text/turtle"), parse_bytes(once, "text/turtle"))


def test_comments_inside_blocks_are_counted_as_dropped():
    text = "@prefix kz: <https://w3id.org/kzct/id/> .\nkz:a kz:p 1 ;\n# inside\n kz:q 2 .\n"
    assert dropped_comment_lines(text) == 1
    assert "# inside" not in format_turtle(text)


def test_parse_error_has_line_and_column():
    with pytest.raises(RdfSyntaxError) as info:
        format_turtle("@prefix kz: <https://w3id.org/kzct/id/> .\nkz:a kz:p kz:b\nkz:c kz:p kz:d .\n", "f.ttl")
    assert str(info.value).startswith("f.ttl:3:")


def test_check_write_and_exit_codes(tmp_path, capsys):
    messy = tmp_path / "messy.ttl"
    messy.write_text(MESSY, encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert "would reformat" in capsys.readouterr().out
    assert messy.read_text(encoding="utf-8") == MESSY  # --check writes nothing
    assert main(["fmt", str(messy)]) == 0
    assert main(["fmt", "--check", str(messy)]) == 0
    assert messy.read_text(encoding="utf-8").startswith("# expect: kzsh:Organization-prefLabel Violation\n")


def test_unparsable_file_exits_2_with_file_and_line(tmp_path, capsys):
    shutil.copy(DATA / "validate" / "syntax-error.ttl", tmp_path / "broken.ttl")
    assert main(["fmt", "--check", str(tmp_path / "broken.ttl")]) == 2
    err = capsys.readouterr().err
    assert "broken.ttl:5:" in err and "dot" in err


def test_missing_path_exits_2(tmp_path, capsys):
    assert main(["fmt", "--check", str(tmp_path / "nope.ttl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_issue_17_fmt_check_says_what_it_checked(tmp_path, capsys):
    (tmp_path / "a.ttl").write_text(format_turtle("<https://w3id.org/kzct/id/x> a <https://w3id.org/kzct/ontology#T> .", "a.ttl"))
    assert main(["fmt", "--check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("checked 1 Turtle file in ") and "all in the canonical layout" in out
