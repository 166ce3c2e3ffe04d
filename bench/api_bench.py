"""POST /api/assess over loopback: throughput and p50/p95/p99 latency, beside in-process.

Starts the real server (``her2path serve``, uvicorn, one worker, SQLite in a temporary
folder), sends a fixed number of requests from a fixed number of concurrent clients
(keep-alive connections), and writes the figures to bench/RESULTS.md. Every request
also appends an audit record (a committed, fsynced SQLite write), as in production.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section

from her2path.adapters.validation import read_json
from her2path.api.engine import assess_patient
from her2path.domain.patient import Patient
from her2path.kb import load_default

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 8
REQUESTS = 1600
WARMUP = 100
TOKEN = "bench-token"


def _patient_docs() -> list[dict[str, object]]:
    docs = []
    for path in sorted((ROOT / "examples" / "web-demo").glob("*.json")):
        doc = read_json(path)["patient"]
        assert isinstance(doc, dict)
        docs.append(doc)
    return docs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def in_process(docs: list[dict[str, object]]) -> float:
    kb = load_default()
    patients = [Patient.model_validate(d) for d in docs]
    as_of = date(2026, 11, 1)
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(100):
            for p in patients:
                assess_patient(kb, p, as_of)
        rounds.append((time.perf_counter() - t0) / (100 * len(patients)))
    return statistics.median(rounds)


def over_loopback(docs: list[dict[str, object]]) -> tuple[float, list[float], int]:
    port = _free_port()
    tmp = Path(tempfile.mkdtemp(prefix="her2path-bench-"))
    env = {
        **os.environ,
        "HER2PATH_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "HER2PATH_API_TOKEN": TOKEN,
    }
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "her2path.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health", headers=headers).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()
        per_client = REQUESTS // CONCURRENCY

        def client(n: int, record: bool) -> None:
            nonlocal errors
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                for i in range(n):
                    doc = docs[i % len(docs)]
                    t0 = time.perf_counter()
                    r = c.post("/api/assess", params={"as_of": "2026-11-01"}, json=doc)
                    dt = time.perf_counter() - t0
                    if record:
                        with lock:
                            latencies.append(dt)
                            errors += r.status_code != 200

        client(WARMUP, record=False)
        threads = [
            threading.Thread(target=client, args=(per_client, True)) for _ in range(CONCURRENCY)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        return wall, latencies, errors
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def main() -> None:
    docs = _patient_docs()
    per_item = in_process(docs)
    wall, lat, errors = over_loopback(docs)
    ms = [x * 1000 for x in lat]
    inproc = f"{per_item * 1e6:,.0f} µs per call ({1 / per_item:,.0f}/s on one core)"
    ratio = f"{_pct(ms, 50) / (per_item * 1000):,.0f}× the in-process time"
    body = f"""## REST API: POST /api/assess (loopback) beside in-process

`python bench/api_bench.py`: uvicorn, one worker process, SQLite (WAL, synchronous=FULL);
{len(lat)} requests from {CONCURRENCY} concurrent keep-alive clients over 127.0.0.1,
{len(docs)} demo patient documents in turn, after {WARMUP} warm-up requests. Each request
validates the document, assesses it and appends one audit record (a committed write).

| measure | value |
|---|---|
| concurrency | {CONCURRENCY} clients |
| throughput | {len(lat) / wall:,.0f} requests/s |
| latency p50 | {_pct(ms, 50):.1f} ms |
| latency p95 | {_pct(ms, 95):.1f} ms |
| latency p99 | {_pct(ms, 99):.1f} ms |
| non-200 answers | {errors} |
| in-process `assess_patient` (no HTTP, no audit write) | {inproc} |
| p50 request over loopback, relative to in-process | {ratio} |

At {CONCURRENCY} concurrent clients the latency includes queueing: one worker serialises
the committed audit writes, which dominate the cost of a request.
"""
    write_section("api", body)
    print(body)


if __name__ == "__main__":
    main()
