"""The pages of ``/validate``: the form for people and the report as HTML.

Self-contained: one inline style block and no scripts, fonts or images, under ``CSP``.
"""

from __future__ import annotations

from html import escape

from kzct.rdfparse import MEDIA_TYPES

CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
STYLE = """body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}
textarea{width:100%;font-family:monospace}pre{white-space:pre-wrap;background:#f4f4f4;padding:1em}
.no{color:#a00}.yes{color:#060}"""


def form_page(max_bytes: int, url: str) -> str:
    """The form at GET /validate; ``url`` is where it posts, shown in the curl example."""
    media = "".join(f"<option>{escape(m)}</option>" for m in MEDIA_TYPES)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validate RDF against the kzct shapes</title>
<style>{STYLE}</style></head>
<body>
<h1>Validate RDF against the kzct shapes</h1>
<p>Upload a file or paste RDF. It is checked against the project's SHACL shapes, with the
ontology merged in. Nothing is stored. At most {max_bytes} bytes; formats: Turtle, N-Triples,
N-Quads, RDF/XML, JSON-LD (inline contexts only) and TriG.</p>
<form method="post" action="validate" enctype="multipart/form-data">
<p><label>File <input type="file" name="file"></label></p>
<p><label for="data">or paste RDF</label><br>
<textarea id="data" name="data" rows="16" placeholder="PREFIX kzo: &lt;https://w3id.org/kzct/ontology#&gt;"></textarea></p>
<p><label>Pasted format <select name="data-format">{media}</select></label>
<label>Inference <select name="inference"><option>none</option><option>rdfs</option>
<option>owlrl</option></select></label>
<label>Answer <select name="format"><option value="html">page</option><option value="json">JSON summary</option>
<option value="turtle">Turtle report</option><option value="jsonld">JSON-LD report</option></select></label>
<button type="submit">Validate</button></p>
</form>
<p>From a shell: <code>curl -F file=@mine.ttl {escape(url)}</code></p>
</body></html>
"""


def report_page(conforms: bool, text: str, label: str) -> str:
    """The report as a page: the verdict and the text report grouped by focus node."""
    verdict = ("<p class=yes>Conforms.</p>" if conforms
               else "<p class=no>Does not conform: fix the violations below.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation report</title>
<style>{STYLE}</style></head>
<body>
<h1>Validation report for {escape(label)}</h1>
{verdict}
<pre>{escape(text)}</pre>
<p><a href="validate">Validate another</a></p>
</body></html>
"""
