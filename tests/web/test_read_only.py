"""A ledger opened read-only (as `provenance serve` opens it): the database refuses writes."""

from __future__ import annotations

import pytest

from provenance.errors import ProvenanceError
from provenance.store import Ledger
from tests.support.factories import observation
from tests.web.demo import Demo


def test_a_read_only_ledger_reads_and_refuses_every_write(demo: Demo) -> None:
    with Ledger(demo.ledger.url, host=demo.ledger.host, read_only=True) as reader:
        assert reader.assets.get(demo.generated) is not None
        assert len(reader.events.of(demo.generated)) >= 2
        before = reader.assets.totals()
        with pytest.raises((ProvenanceError, Exception)) as refused:
            reader.record([observation("read-only", "/tmp/never.png")])
        assert "read-only" in str(refused.value).lower() or "readonly" in str(refused.value).lower()
        assert reader.assets.totals() == before
    # The writable ledger on the same database still writes.
    demo.ledger.record([observation("writable", "/tmp/written.png")])
