"""The Alembic migrations and the models describe the same schema, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from provenance.store import Ledger
from provenance.store.models import Base
from provenance.store.schema import REVISIONS, alembic_config, head_revision


def test_migrations_match_models(ledger: Ledger) -> None:
    with ledger._engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        assert context.get_current_revision() == head_revision()
    assert diff == []


def test_init_is_idempotent(ledger_url: str) -> None:
    ledger, before, after = Ledger.init(ledger_url)
    ledger.close()
    assert before == after == head_revision()


def test_known_revisions_match_the_scripts() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    assert tuple(reversed([s.revision for s in scripts.walk_revisions()])) == REVISIONS
    assert scripts.get_current_head() == head_revision()
