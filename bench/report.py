"""Markdown tables of ``bench/endpoint.py``: one per scale, kzct's engines first, then each peer."""

from __future__ import annotations

import math
import os

KZCT = "oxigraph"  # kzct's engine whose rows and throughput the peers are compared with
BASELINE = "rdflib"


def geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def _ratio(cells: dict, top: str, bottom: str, into: dict, clients: int) -> str:
    if top in cells and bottom in cells and cells[top]["rps"] > 0 and cells[bottom]["rps"] > 0:
        value = cells[top]["rps"] / cells[bottom]["rps"]
        into.setdefault(clients, []).append(value)
        return f"{value:.1f}x"
    return ""


def _server_line(meta: dict) -> str:
    name = meta["engine"] + (" (peer)" if meta.get("peer") else "")
    if meta.get("failed"):
        return f"- {name}: could not start: {meta['failed']}"
    load = f"loaded in {meta['load_s']:.1f} s, " if not math.isnan(meta.get("load_s", math.nan)) else ""
    settled = meta.get("settled_s", math.nan)
    dumps = f"dumps and VoID ready {settled:.1f} s after start (cells begin then); " if not math.isnan(settled) else ""
    return (f"- {name}: {meta['command']}; {load}first answer {meta['ready_s']:.1f} s after start; {dumps}"
            f"server memory (PSS, all processes) {meta['memory_start_mb']:.0f} MB when ready, "
            f"{meta['memory_end_mb']:.0f} MB after its last cell")


def _means(label: str, ratios: dict[int, list[float]]) -> list[str]:
    lines = [f"\nThroughput ratio {label} at {clients} clients, geometric mean over {len(values)} queries: "
             f"**{geomean(values):.1f}x**" for clients, values in sorted(ratios.items())]
    every = [v for values in ratios.values() for v in values]
    if every:
        lines.append(f"\nOver all {len(every)} cells: **{geomean(every):.1f}x**")
    return lines


def _peer_means(ratios: dict[str, dict[int, list[float]]]) -> list[str]:
    """The peers' throughput ratios, geometric means per client count and over all cells, as a table."""
    ratios = {label: by_clients for label, by_clients in ratios.items() if by_clients}
    if not ratios:
        return []
    counts = sorted({n for by_clients in ratios.values() for n in by_clients})
    lines = ["\n| throughput ratio, geometric mean | " + " | ".join(f"{n} clients" for n in counts) + " | all cells |",
             "|" + "---|" * (len(counts) + 2)]
    for label, by_clients in ratios.items():
        every = [v for values in by_clients.values() for v in values]
        cells = [f"{geomean(by_clients[n]):.2f}x" if n in by_clients else "" for n in counts]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | **{geomean(every):.2f}x** ({len(every)}) |")
    return lines


def report(results: list[dict], servers: list[dict], order: list[str]) -> str:
    lines = [f"CPUs: {os.cpu_count()}. Load average (1 min) at the start of each cell in the last column "
             "(one value per server, in column order). Cells marked † hit their time budget (requests still "
             f"running then were cut and not counted); ✗N counts failed requests (not counted either). Peer rows marked ‡ differ from kzct's ({KZCT}): "
             "rows are bindings, or triples for DESCRIBE and CONSTRUCT, in the first answer."]
    for scale in sorted({r["scale"] for r in results}):
        runs = [r for r in results if r["scale"] == scale]
        engines = list(dict.fromkeys(r["engine"] for r in runs if not r.get("peer")))
        peers = list(dict.fromkeys(r["engine"] for r in runs if r.get("peer")))
        lines.append(f"\n### {scale}x ({runs[0]['triples']} triples)\n")
        lines += [_server_line(meta) for meta in servers if meta["scale"] == scale]
        head = ["query", "clients"] + [f"{e} {c}" for e in engines for c in ("req/s", "p50 ms", "p99 ms")]
        head += ["rows", "ratio"]
        head += [f"{p} {c}" for p in peers
                 for c in ("req/s", "p50 ms", "p99 ms", "rows", f"/{BASELINE}", "/kzct")]
        head += ["load"]
        lines.append("\n| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        keys = sorted({(r["query"], r["clients"]) for r in runs}, key=lambda k: (order.index(k[0]), k[1]))
        ratios: dict[str, dict[int, list[float]]] = {}
        differ: dict[str, str] = {}
        for query, clients in keys:
            cells = {r["engine"]: r for r in runs if r["query"] == query and r["clients"] == clients}
            row = [query, str(clients)]
            for e in engines + peers:
                c = cells.get(e)
                mark = (" †" if c and c["hit_budget"] else "") + (f" ✗{c['errors']}" if c and c["errors"] else "")
                row += [f"{c['rps']:.1f}{mark}", f"{c['p50_ms']:.1f}", f"{c['p99_ms']:.1f}"] if c else ["-"] * 3
                if e == engines[-1]:
                    kzct = cells.get(KZCT) or next((cells[x] for x in engines if x in cells), None)
                    row += [str(kzct["rows"] if kzct else None),
                            _ratio(cells, KZCT, BASELINE, ratios.setdefault(f"{KZCT}/{BASELINE}", {}), clients)]
                elif e in peers:
                    rows = c["rows"] if c and c["rows"] is not None else "-"
                    if rows != "-" and KZCT in cells and rows != cells[KZCT]["rows"]:
                        differ[query + " " + e] = f"{e} {rows}, kzct {cells[KZCT]['rows']}"
                        rows = f"{rows} ‡"
                    row += [str(rows), _ratio(cells, e, BASELINE, ratios.setdefault(f"{e}/{BASELINE}", {}), clients),
                            _ratio(cells, e, KZCT, ratios.setdefault(f"{e}/kzct", {}), clients)]
            for e in engines:
                if e != BASELINE:
                    for p in peers:
                        _ratio(cells, e, p, ratios.setdefault(f"kzct {e} / {p}", {}), clients)
            row.append("/".join(f"{cells[e]['load']:.1f}" for e in engines + peers if e in cells))
            lines.append("| " + " | ".join(row) + " |")
        lines += _means(f"{KZCT}/{BASELINE}", ratios.pop(f"{KZCT}/{BASELINE}", {}))
        lines += _peer_means(ratios)
        if differ:
            lines.append("\nRows that differ from kzct's: " + "; ".join(
                f"{key.split()[0]}: {value}" for key, value in differ.items()) + ".")
    return "\n".join(lines)
