"""The JSON vocabulary's shared shapes: one timestamp form, one place form, asset rows."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.store.records import iso
from provenance.util.json_shapes import (
    asset_copy,
    asset_row,
    listing,
    location,
    maybe_timestamp,
    present_locations,
    timestamp,
)
from provenance.util.logs import JsonLogFormatter

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
zones: st.SearchStrategy[tzinfo] = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60)
)


# A day inside datetime's range, so that any offset still converts to UTC.
EARLIEST, LATEST = datetime(1, 1, 2), datetime(9999, 12, 30)


@given(st.datetimes(EARLIEST, LATEST, timezones=zones))
def test_any_aware_time_is_stated_in_utc_with_a_z_and_reads_back(moment: datetime) -> None:
    text = timestamp(moment)
    assert RFC3339_Z.match(text), text
    assert datetime.fromisoformat(text) == moment


@given(st.datetimes(EARLIEST, LATEST))
def test_a_naive_time_is_taken_as_utc(moment: datetime) -> None:
    assert datetime.fromisoformat(timestamp(moment)) == moment.replace(tzinfo=UTC)


def test_the_ledgers_times_and_the_outputs_are_one_function() -> None:
    moment = datetime(2026, 12, 6, 1, 49, 3, 123456, tzinfo=UTC)
    assert iso(moment) == timestamp(moment) == "2026-12-06T01:49:03.123456Z"
    assert maybe_timestamp(None) is None and maybe_timestamp(moment) == timestamp(moment)


def test_a_place_is_host_path_and_present() -> None:
    assert location("vm", "/a.png", False) == {"host": "vm", "path": "/a.png", "present": False}
    assert asset_copy("ab" * 32, "vm", "/a.png", True) == {
        "sha256": "ab" * 32,
        "host": "vm",
        "path": "/a.png",
        "present": True,
    }
    assert present_locations([("vm", "/a"), ("nas", "/b")]) == [
        {"host": "vm", "path": "/a", "present": True},
        {"host": "nas", "path": "/b", "present": True},
    ]


def test_an_asset_row_adds_fields_but_never_changes_a_fact() -> None:
    asset = {"sha256": "ab" * 32, "status": "temporary"}
    assert asset_row(asset, needs_approval=["talent-likeness"]) == {
        **asset,
        "needs_approval": ["talent-likeness"],
    }
    with pytest.raises(ValueError, match="status"):
        asset_row(asset, status="approved")


def test_a_listing_names_its_list() -> None:
    row = {"sha256": "ab" * 32}
    assert listing("assets", iter([row]), dry_run=True) == {"assets": [row], "dry_run": True}


def test_the_daemons_json_log_lines_state_their_time_the_same_way() -> None:
    record = logging.LogRecord("provenance.watch", logging.INFO, "x.py", 1, "hello", None, None)
    line = json.loads(JsonLogFormatter().format(record))
    assert RFC3339_Z.match(line["time"]), line["time"]
    assert datetime.fromisoformat(line["time"]).timestamp() == pytest.approx(record.created)
