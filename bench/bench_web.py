#!/usr/bin/env python3
"""Benchmark: the web view (``provenance serve``) over a big PostgreSQL ledger, by p95.

Builds a ledger of ``--assets`` assets (default 1,000,000) and five events
each (5,000,000) in a schema of its own on the PostgreSQL server at
``PROVENANCE_TEST_PG`` (default 127.0.0.1:5432, database ``test``), with
PostgreSQL's COPY, straight into the schema ``provenance init`` creates:
40 shows of 25,000 assets, each a tree of shots whose frames are sequences;
a tenth generated (temporary, expiring over the next month, some flagged),
one location per asset and a ``detected``, ``seen``, ``moved``, ``audited``
and ``expiry-set`` event each. The events are filler with the right columns,
not a valid chain: the view reads them, it does not verify them.

Then asks the application (Flask's test client, in process: the figures are
the view's and the ledger's time, without HTTP) for searches, asset pages
and a show's dashboard, ``--repeat`` times each, and prints p50 and p95.
Targets (issue 18): search <= 150 ms, asset page <= 100 ms, dashboard <= 300 ms.

    python bench/bench_web.py [--assets 1000000] [--repeat 40] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.postgres import PG_URL, pg_dsn

SHOWS = 40
SHOTS_PER_SHOW = 250  # 100 frames a shot: 25,000 assets a show
NOW = datetime.now(UTC)
TOOLS = ("comfyui", "automatic1111", "midjourney", "adobe-firefly", "runway")


def sha(n: int) -> str:
    """The content hash of asset ``n``."""
    return hashlib.sha256(n.to_bytes(8, "big")).hexdigest()


def path_of(n: int) -> str:
    """Where asset ``n`` lives: /jobs/showNN/sqNNN/shNNNN/comp/shNNNN_comp_v001.FFFF.exr."""
    show, rest = divmod(n, SHOTS_PER_SHOW * 100)
    shot, frame = divmod(rest, 100)
    name = f"sh{shot:04d}"
    return (
        f"/jobs/show{show:02d}/sq{shot // 10:03d}/{name}/comp/{name}_comp_v001.{1001 + frame}.exr"
    )


def asset_row(n: int, rng: random.Random) -> list[object]:
    """One ``assets`` row: a tenth generated (temporary, expiring, some flagged)."""
    first = NOW - timedelta(days=365) + timedelta(seconds=n * 30)
    generated = n % 10 == 0
    flags = (
        [{"category": "talent-likeness", "source": "prompt-screen", "reason": "watchlist"}]
        if generated and n % 70 == 0
        else None
    )
    evidence = [{"detector": "exif", "kind": "none", "detail": "no marker", "signal": "neutral"}]
    return [
        sha(n), 4_000_000, "image", "image/x-exr", "exr", 2048, 1080, None,
        "genai" if generated else rng.choice(("unknown", "not_genai")),
        rng.choice(TOOLS) if generated else None, "strong" if generated else None,
        json.dumps(evidence), "a castle at dusk" if generated else None, None,
        "temporary" if generated else None, first, first,
        NOW + timedelta(hours=rng.randint(1, 24 * 30)) if generated else None,
        json.dumps(flags) if flags else None, None,
    ]  # fmt: skip


def event_rows(n: int, seq: int) -> Iterator[list[object]]:
    """Five events of asset ``n`` (filler hashes)."""
    sha256, path = sha(n), path_of(n)
    details = {
        "detected": {"verdict": "unknown"}, "seen": {}, "moved": {"from": path + ".tmp"},
        "audited": {"audit": 1, "package": "/deliveries/reel1", "package_path": "a.exr",
                    "verdict": "pass", "match": "exact"},
        "expiry-set": {"expires_at": NOW.isoformat(), "reason": "bench"},
    }  # fmt: skip
    for offset, (kind, body) in enumerate(details.items()):
        at = (NOW - timedelta(days=300)).isoformat()
        yield [seq + offset, at, kind, sha256, "owner", "ws01", path, json.dumps(body), "0" * 64,
               "0" * 64]  # fmt: skip


def build(url_dsn: str, schema: str, assets: int) -> None:
    """Fill the schema with ``assets`` assets, their locations and five events each."""
    rng = random.Random(18)
    started = time.perf_counter()
    with psycopg.connect(url_dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        # A bulk load, as a DBA does it: foreign keys are not checked row by row (every
        # location's check locked its asset's row, and 1,000,000 of them took over 15 min).
        conn.execute("SET session_replication_role = replica")
        copy(conn, "assets", ASSET_COLUMNS, (asset_row(n, rng) for n in range(assets)))
        copy(conn, "locations", LOCATION_COLUMNS, (location_row(n) for n in range(assets)))
        copy(conn, "events", EVENT_COLUMNS,
             (row for n in range(assets) for row in event_rows(n, 1 + n * 5)))  # fmt: skip
        conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a ledger: index-only scans work
    print(
        f"built {assets:,} assets, {assets * 5:,} events in {time.perf_counter() - started:.0f} s"
    )


def location_row(n: int) -> list[object]:
    """The one location of asset ``n``, present."""
    first = NOW - timedelta(days=365) + timedelta(seconds=n * 30)
    return [sha(n), "ws01", path_of(n), 4_000_000, 0, n, first, first, True]


ASSET_COLUMNS = ("sha256", "size", "kind", "mime", "format", "width", "height", "duration",
                 "verdict", "tool", "confidence", "evidence", "prompt", "problem", "status",
                 "first_seen", "updated_at", "expires_at", "flags", "replaced_by")  # fmt: skip
LOCATION_COLUMNS = ("asset_sha256", "host", "path", "size", "mtime_ns", "inode", "first_seen",
                    "last_seen", "present")  # fmt: skip
EVENT_COLUMNS = ("seq", "at", "type", "asset_sha256", "actor", "host", "path", "details",
                 "prev_hash", "hash")  # fmt: skip


def copy(
    conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterator[list[object]]
) -> None:
    """COPY ``rows`` into ``table``."""
    started = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row(row)
    print(f"  {table}: {time.perf_counter() - started:.0f} s", flush=True)


def timed(
    label: str, repeat: int, request: Callable[[int], str], get: Callable[[str], int]
) -> None:
    """Ask ``repeat`` times (after one warm-up); print p50 and p95 of wall and CPU time in ms.

    CPU time is the application's (this process) plus its PostgreSQL
    backends' (``/proc``, same machine): on a loaded machine the wall time
    also counts waiting for a core, the CPU time does not.
    """
    get(request(-1))
    walls, cpus = [], []
    for i in range(repeat):
        url = request(i)
        started, cpu = time.perf_counter(), cpu_seconds()
        status = get(url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((cpu_seconds() - cpu) * 1000)
        assert status == 200, (url, status)
    print(f"| {label} | {_p(walls, 50):.0f} | {_p(walls, 95):.0f} "
          f"| {_p(cpus, 50):.0f} | {_p(cpus, 95):.0f} |", flush=True)  # fmt: skip


def _p(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(percent / 100 * len(ordered)) - 1)]


APPLICATION = f"bench_web_{os.getpid()}"  # names this run's PostgreSQL backends


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and by its PostgreSQL backends."""
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        found = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APPLICATION,)
        )
        pids = [row[0] for row in found]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return time.process_time() + ticks / os.sysconf("SC_CLK_TCK")


def measure(url: str, assets: int, repeat: int) -> None:
    """Time the view's pages over the ledger at ``url``."""
    rng = random.Random(7)
    with Ledger(url) as ledger, tempfile.TemporaryDirectory(prefix="bench-web-thumbs-") as tmp:
        cache = Path(tmp)
        app = create_app(ledger, Settings(db=url), Guard.for_host("127.0.0.1", None, None), cache)
        client = app.test_client()

        def get(path: str) -> int:
            return client.get(path).status_code

        def pick(_: int) -> int:
            return rng.randrange(assets)

        print("| request | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |")
        print("| --- | --- | --- | --- | --- |")
        timed("search: newest (empty form)", repeat, lambda _: "/", get)
        timed("search: a shot's name", repeat,
              lambda _: f"/?q=sh{rng.randrange(SHOTS_PER_SHOW):04d}_comp", get)  # fmt: skip
        timed("search: hash prefix (8 digits)", repeat, lambda i: f"/?hash={sha(pick(i))[:8]}", get)
        timed(
            "search: tool + status",
            repeat,
            lambda _: f"/?tool={rng.choice(TOOLS)}&status=temporary",
            get,
        )
        timed("search: show + verdict", repeat,
              lambda _: f"/?show=show{rng.randrange(SHOWS):02d}&verdict=genai", get)  # fmt: skip
        timed("asset page", repeat, lambda i: f"/asset/{sha(pick(i))}", get)
        timed("show dashboard (25,000 assets, 2,500 generated)", repeat,
              lambda _: f"/show/{quote(f'show{rng.randrange(SHOWS):02d}')}", get)  # fmt: skip


def main() -> None:
    """Build the ledger, measure, drop the schema (unless --keep)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--keep", help="reuse (or keep) this schema instead of a fresh one")
    parser.add_argument(
        "--random-page-cost",
        type=float,
        help="the planner's random_page_cost for the view's sessions (the README's advice for a"
        " ledger on SSD or in memory: 1.1); default: the server's",
    )
    args = parser.parse_args()
    global SHOWS  # noqa: PLW0603 - a smaller ledger has fewer shows
    SHOWS = max(1, min(SHOWS, args.assets // (SHOTS_PER_SHOW * 100)))
    schema = args.keep or f"bench_web_{uuid.uuid4().hex[:8]}"
    dsn = pg_dsn(PG_URL)
    cost = args.random_page_cost
    planner = "" if cost is None else f" -crandom_page_cost={cost}"
    options = quote(f"-csearch_path={schema}{planner}")
    url = f"{PG_URL}?options={options}&application_name={APPLICATION}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        if not exists:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        # Once for the database, as a DBA installs it (migration 0010 uses it where it is).
        with contextlib.suppress(psycopg.Error):
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    try:
        if not exists:
            Ledger.init(url)[0].close()
            build(dsn, schema, args.assets)
        measure(url, args.assets, args.repeat)
    finally:
        if not args.keep:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
