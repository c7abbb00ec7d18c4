"""A SQLite ledger engine never opens a connection to a file other than the one it first opened.

A connection opened to a file put back over the ledger while the process
holds connections to the old one resets the ``-shm`` index those connections
have mapped (SQLite's locks never conflict within one process), and the
daemon died of SIGBUS in CI. Such a connection is now refused, and the
connections already open go on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from provenance.errors import LedgerUnavailable
from provenance.store import Ledger
from provenance.store.engine import make_engine
from provenance.store.pinned import REPLACED
from tests.support.factories import observation


def _put_back_a_copy(path: Path) -> None:
    copy = path.with_name("backup.sqlite3")
    shutil.copyfile(path, copy)
    copy.replace(path)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_connection_to_another_file_is_refused_and_the_open_ones_go_on(
    tmp_path: Path, how: str
) -> None:
    path = tmp_path / "ledger.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        held = engine.connect()  # the pool must open a second one below
        held.execute(text("INSERT INTO t VALUES (1)"))
        held.commit()
        if how == "deleted":
            path.unlink()
        else:
            _put_back_a_copy(path)
        with pytest.raises(LedgerUnavailable, match=REPLACED) as raised:
            engine.connect()
        assert raised.value.where == str(path)
        held.execute(text("INSERT INTO t VALUES (2)"))  # through the old file, which it holds
        held.commit()
        assert held.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
        held.close()
    finally:
        engine.dispose()


def test_a_ledger_whose_file_was_replaced_refuses_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(f"sqlite:///{path}", actor="tester", host="h") as ledger:
        ledger.record([observation("plate", "/show/plate.exr")])
        ledger.close()  # every connection goes: the next read opens a new one
        _put_back_a_copy(path)
        assert ledger.file_problem() == REPLACED
        with pytest.raises(LedgerUnavailable, match=REPLACED):
            ledger.assets.totals()


def test_the_same_file_reopened_is_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(f"sqlite:///{path}", actor="tester", host="h") as ledger:
        ledger.record([observation("plate", "/show/plate.exr")])
        ledger.close()
        assert ledger.assets.totals()
        assert ledger.file_problem() is None
