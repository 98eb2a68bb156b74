"""The served application starts on the configured backend and keeps its views current."""

from __future__ import annotations

import time
from datetime import date

from fastapi.testclient import TestClient

from api.main import create_app
from goldenthread.demo import load_demo
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record


def test_the_app_catches_its_views_up_in_process_and_reports_the_lag(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=None)
    cases = build_case_record(settings)
    load_demo(cases, today=date(2026, 11, 26))
    cases.close()

    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 10
        while (
            client.get("/health/projections").json()["projection_lag"]
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        health = client.get("/health/projections").json()
        home = client.get("/")

    assert health == {"status": "ok", "projection_lag": 0}
    assert home.status_code == 200
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in home.text, "signed out: the sign-in page"
