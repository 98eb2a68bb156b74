"""However the log is cut into batches, and however often the worker restarts in between, the
views end up exactly as one full rebuild leaves them: no event lost, none applied twice."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldenthread.demo import DEMO_STORIES, Storyteller
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine

TODAY = date(2026, 11, 26)

stories = st.lists(
    st.tuples(st.sampled_from(DEMO_STORIES), st.integers(min_value=1, max_value=60)),
    min_size=1,
    max_size=4,
)
steps = st.lists(
    st.tuples(st.integers(min_value=1, max_value=120), st.booleans()), min_size=1, max_size=40
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories=stories, steps=steps, seed=st.integers(min_value=0, max_value=10_000))
def test_any_batch_split_with_restarts_gives_the_same_views_as_one_full_rebuild(
    stories, steps, seed
):
    with tempfile.TemporaryDirectory() as tmp:
        record = Settings(data_dir=Path(tmp) / "record", database_url=None)
        cases = build_case_record(record)
        teller = Storyteller(cases, random.Random(seed), TODAY)
        for number, (story, weeks) in enumerate(stories):
            teller.tell(number, replace(story, weeks_since_icpc=weeks))
        head = cases.recorder.max_notification_id()

        whole = build_projection_engine(record, cases, scratch="whole")
        whole.batch_size = 100_000
        whole.catch_up()

        piecewise = build_projection_engine(record, cases, scratch="pieces")
        for batch_size, restart in steps:
            piecewise.batch_size = batch_size
            piecewise.catch_up(max_batches=1)
            if restart:
                piecewise = build_projection_engine(record, cases, scratch="pieces")
        piecewise.catch_up()

        assert set(piecewise.positions().values()) == {head}
        for complete, pieced in zip(whole.views, piecewise.views, strict=True):
            assert pieced.all_rows() == complete.all_rows(), complete.model.name
        cases.close()
