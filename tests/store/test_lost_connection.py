"""A PostgreSQL connection lost in the middle of a write: one error, said once."""

from __future__ import annotations

import logging
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from provenance.errors import LedgerUnavailable
from provenance.store import Ledger
from tests.support.factories import observation
from tests.support.postgres import PG_URL, pg_dsn


def _terminate_before_a_batch(*args: Any) -> None:
    """``before_cursor_execute``: end this connection's backend before a batch of rows."""
    cursor, executemany = args[1], args[5]
    if executemany:
        pid = cursor.connection.info.backend_pid
        with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                time.sleep(0.01)


@pytest.mark.postgres
def test_a_connection_lost_in_a_batch_is_one_error_not_a_warning_too(
    pg_schema_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """psycopg logs "error ignored terminating <psycopg.Pipeline [BAD] at 0x...>" as it raises
    the loss; the loss is the command's one Error line, so the warning is a second line of noise."""
    Ledger.init(pg_schema_url)[0].close()
    with Ledger(pg_schema_url) as ledger:
        event.listen(ledger._engine, "before_cursor_execute", _terminate_before_a_batch)
        with caplog.at_level(logging.WARNING), pytest.raises(LedgerUnavailable):
            ledger.record([observation(f"{i:02x}", f"/show/{i}.png") for i in range(40)])
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
