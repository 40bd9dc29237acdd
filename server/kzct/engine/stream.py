"""Where a query process writes an answer: kept whole while small, sent on in chunks once large.

``AnswerWriter`` is the file-like object pyoxigraph's serializers write into. It counts rows (lines,
for the line formats) and bytes, and keeps the answer whole until it passes ``limits.stream_after``
bytes. Past that, when the caller can stream (``send`` given), every further ``stream_after``
bytes go to ``send`` at once and are forgotten, so a query process holds at most about twice that
much of any answer, however large. Without ``send`` (named queries, the command line) an answer
past ``limits.max_answer_bytes`` is refused whole. Past ``limits.max_rows`` (when set) either way
the writer stops the evaluation; a streamed answer then ends broken, never short and well-formed.

SELECT answers are written as TSV (one line per row; a newline inside a value is escaped) and
``TsvTo`` turns each run of whole lines into the requested format with pyoxigraph, keeping the
document's head for the first chunk and its tail for the last, so the chunks joined are exactly the
document pyoxigraph writes for the whole answer.
"""

from __future__ import annotations

from collections.abc import Callable

from pyoxigraph import QueryResultsFormat, parse_query_results

from kzct.config import Limits
from kzct.engine.errors import AnswerTooLarge, QueryFailed

TSV = QueryResultsFormat.TSV
# Where the rows go in a document pyoxigraph writes: (end of the head, start of the tail, separator).
_ROWS = {
    QueryResultsFormat.JSON: (b'"bindings":[', b"]}}", b","),
    QueryResultsFormat.XML: (b"<results>", b"</results></sparql>", b""),
}


class Full(Exception):
    """Raised inside the writer to stop serializing at a limit."""


def too_big(limits: Limits) -> AnswerTooLarge:
    """The refusal of an answer held whole that passed ``limits.max_answer_bytes``."""
    return AnswerTooLarge(f"the answer is larger than the {limits.max_answer_bytes:,} bytes this endpoint "
                          "sends whole; add LIMIT, or page with ORDER BY, LIMIT and OFFSET, or ask /sparql, "
                          "which streams large answers")


class TsvTo:
    """Converts runs of TSV rows into one results format, chunk by chunk."""

    def __init__(self, fmt: QueryResultsFormat) -> None:
        self.fmt = fmt
        self.header: bytes | None = None
        self.rows_sent = False

    def whole(self, tsv: bytes) -> bytes:
        if self.fmt == TSV:
            return tsv
        return parse_query_results(tsv, format=TSV).serialize(format=self.fmt)

    def part(self, lines: bytes, first: bool, last: bool) -> bytes:
        """``lines`` (whole TSV lines; the first call's start with the header) in the target format."""
        if self.header is None:
            end = lines.index(b"\n") + 1
            self.header, lines = lines[:end], lines[end:]
            if self.fmt == TSV:
                return self.header + lines
        if self.fmt == TSV:
            return lines
        doc = parse_query_results(self.header + lines, format=TSV).serialize(format=self.fmt)
        if self.fmt == QueryResultsFormat.CSV:  # a header line, then one line per row
            head_end = doc.index(b"\r\n") + 2
            return (doc[:head_end] if first else b"") + doc[head_end:]
        mark, tail, separator = _ROWS[self.fmt]
        head_end = doc.index(mark) + len(mark)
        if not doc.endswith(tail):
            raise QueryFailed("the answer could not be written in parts")
        rows = doc[head_end:len(doc) - len(tail)]
        out = doc[:head_end] if first else b""
        if rows:
            out += (separator if self.rows_sent else b"") + rows
            self.rows_sent = True
        return out + (tail if last else b"")


class AnswerWriter:
    """A sink counting rows and bytes; whole up to ``stream_after`` bytes, then chunks to ``send``.

    ``by_line``: a row is a line (TSV, N-Triples, N-Quads), and chunks end at line ends so ``convert``
    gets whole rows; ``header``: the first line is not a row. ``max_lines``: 0 for no row limit.
    """

    def __init__(self, limits: Limits, send: Callable[[bytes], None] | None, by_line: bool,
                 header: bool = False, convert: Callable[[bytes, bool, bool], bytes] | None = None) -> None:
        self.limits = limits
        self.send = send
        self.by_line = by_line
        self.max_lines = limits.max_rows + (1 if header else 0) if limits.max_rows > 0 else 0
        self.header = header
        self.convert = convert or (lambda data, first, last: data)
        self.pending = bytearray()
        self.lines = 0
        self.size = 0
        self.streamed = False
        self.too_many = False
        self.too_big = False

    @property
    def rows(self) -> int:
        return max(self.lines - (1 if self.header else 0), 0)

    def write(self, data) -> int:
        if self.too_many or self.too_big:
            raise Full
        data = bytes(data)
        if self.by_line:
            self.lines += data.count(b"\n")
            if self.max_lines and self.lines > self.max_lines:
                self.too_many = True
                raise Full
        self.size += len(data)
        self.pending += data
        if self.send is None:
            if self.limits.max_answer_bytes and self.size > self.limits.max_answer_bytes:
                self.too_big = True
                raise Full
        elif len(self.pending) >= self.limits.stream_after:
            self._flush(last=False)
        return len(data)

    def count(self, items):
        """Count the triples of a graph answer as the serializer takes them (formats not by line)."""
        for item in items:
            self.lines += 1
            if self.max_lines and self.lines > self.max_lines:
                self.too_many = True
                raise Full
            yield item

    def flush(self) -> None:
        pass

    def _flush(self, last: bool) -> None:
        cut = len(self.pending)
        if self.by_line and not last:
            cut = self.pending.rfind(b"\n") + 1
            if cut == 0:
                return
        ready = bytes(self.pending[:cut])
        del self.pending[:cut]
        self.send(self.convert(ready, not self.streamed, last))
        self.streamed = True

    def finish(self) -> bytes | None:
        """The whole answer, or None when it was streamed (the rest is sent now); raises at a limit."""
        if self.too_many:
            what = "rows" if self.header else "triples"
            raise AnswerTooLarge(f"the answer has more than {self.limits.max_rows:,} {what}, the most this "
                                 "endpoint sends; add LIMIT, or page with ORDER BY, LIMIT and OFFSET")
        if self.too_big:
            raise too_big(self.limits)
        if not self.streamed:
            return bytes(self.pending)
        self._flush(last=True)
        return None
