"""Every read model gives the same rows on SQLite and on PostgreSQL for the same history, and
answers the same after a rebuild: one view contract, two backends."""

from __future__ import annotations

from datetime import date

import pytest

from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from projections.engine import ProjectionEngine
from projections.registry import READ_MODELS, open_views

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_on_both(postgres_database, tmp_path_factory):
    import psycopg

    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA IF NOT EXISTS "views_contract"')
    sqlite = Settings(data_dir=tmp_path_factory.mktemp("sqlite"), database_url=None)
    postgres = Settings(
        data_dir=tmp_path_factory.mktemp("pg"),
        database_url=postgres_database,
        database_schema="views_contract",
    )
    results = {}
    for name, settings in (("sqlite", sqlite), ("postgres", postgres)):
        cases = build_case_record(settings)
        load_demo(cases, today=TODAY, seed=7)
        views = open_views(settings)
        ProjectionEngine(cases.recorder, cases.mapper, views, batch_size=500).catch_up()
        results[name] = {v.model.name: _comparable(v.all_rows()) for v in views}
        cases.close()
    return results


def _comparable(tables):
    """Ids and recording times differ between the two runs, so compare everything else:
    the multiset of each table's rows with uuids and positions masked."""
    masked = {}
    for table, rows in tables.items():
        masked[table] = sorted(
            repr(
                sorted(
                    (k, v)
                    for k, v in row.items()
                    if not (
                        k.endswith(("_id", "_at")) or k in {"position", "version", "stream_version"}
                    )
                )
            )
            for row in rows
        )
    return masked


@pytest.mark.parametrize("model", READ_MODELS, ids=lambda m: m.name)
def test_a_read_model_holds_the_same_rows_on_sqlite_and_postgresql(demo_on_both, model):
    sqlite_rows = demo_on_both["sqlite"][model.name]
    postgres_rows = demo_on_both["postgres"][model.name]

    assert any(sqlite_rows.values()), "the demo history gives this view something to hold"
    assert sqlite_rows == postgres_rows
