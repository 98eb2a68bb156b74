"""Keeping views up to date: read the notification log once, feed every view, write in batches.

A catch-up reads a page of notifications, decodes each event once, lets every view that wants it
record its changes in memory, then writes each view's changes with the page's last position as its
tracking record, in one transaction per view. A view that crashed or was stopped resumes from its
own tracking position; a view that is ahead simply skips what it has seen.

Two ways to run it:
- `ProjectionWorker`, a loop (a thread in the web process on SQLite or a small deployment, or the
  `goldenthread projections run` process on PostgreSQL, several of them for different views);
- `ProjectionEngine.catch_up()` directly, for rebuilds, `verify` and tests.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Tracking

from projections.base import (
    UPSTREAM,
    Changes,
    View,
    apply_together,
    positions_of,
    sharing_transactions,
)
from projections.decoding import EventDecoder
from projections.reading import LogReader

log = logging.getLogger(__name__)

BATCH_SIZE = 2_000


@dataclass(frozen=True)
class Progress:
    processed: int
    position: int
    head: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds else 0.0


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk load in a process that does nothing
    else (see `ProjectionEngine.alone_in_process`), then put it back as it was.

    Filling views from empty keeps hundreds of thousands of rows in the row cache, and each full
    collection walks all of them again: about a fifth of a rebuild's time. Decoded events, rows
    and changes hold no reference cycles, so reference counting frees them as it always does;
    only the machinery's own cycles wait for the collector."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class ProjectionEngine:
    """Batched, exactly-once catch-up of several views from one application's log."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        views: Sequence[View],
        batch_size: int = BATCH_SIZE,
        *,
        alone_in_process: bool = False,
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.decoder = EventDecoder(mapper)
        self.reader = LogReader(recorder)
        self.views = list(views)
        self.batch_size = batch_size
        self._topics = {view: frozenset(view.model.topics) for view in self.views}
        self._lock = threading.Lock()
        self.alone_in_process = alone_in_process
        """Keeping these views is all this process does (a rebuild, `verify`, a `projections
        run` worker), so filling a view from empty may pause the cyclic garbage collector
        (`cycle_collection_paused`). Never in the web process, whose request threads share the
        collector and do make cycles."""

    def positions(self) -> dict[str, int]:
        return {view.model.name: position for view, position in positions_of(self.views).items()}

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def catch_up(
        self,
        stop: int | None = None,
        progress: Callable[[Progress], None] | None = None,
        max_batches: int | None = None,
    ) -> int:
        """Process everything after each view's position (up to `stop`); returns the number of
        notifications read. One caller at a time per engine."""
        with self._lock:
            return self._catch_up(stop, progress, max_batches)

    def _catch_up(
        self,
        stop: int | None,
        progress: Callable[[Progress], None] | None,
        max_batches: int | None,
    ) -> int:
        positions = positions_of(self.views)
        start = min(positions.values(), default=0)
        # The log's head only matters to a view filled from empty and to progress reports: an
        # idle worker's poll is then two queries (positions, the next page), not more.
        empty = any(position == 0 for position in positions.values())
        head = stop if stop is not None else self.head() if empty or progress else start
        bulk = False
        for view, position in positions.items():
            if position == 0 and head > 0:
                # Filled from empty: only when there is something to fill it with, so an idle
                # worker on an empty record does not drop and build indexes at every poll.
                view.assume_empty()
                view.begin_bulk_load()
                bulk = True
            else:
                view.end_bulk_load()
        pause = bulk and self.alone_in_process
        with cycle_collection_paused() if pause else nullcontext():
            return self._process(positions, start, head, stop, progress, max_batches)

    def _process(
        self,
        positions: dict[View, int],
        start: int,
        head: int,
        stop: int | None,
        progress: Callable[[Progress], None] | None,
        max_batches: int | None,
    ) -> int:
        decode = self.decoder.decode_parts
        processed, batches, started = 0, 0, time.perf_counter()
        while max_batches is None or batches < max_batches:
            rows = self.reader.page(start, self.batch_size, stop)
            if not rows:
                break
            last = rows[-1][0]
            behind = [view for view in self.views if positions[view] < last]
            # Views that have seen part of this page (after a crash of some of them) skip
            # what they have seen; the usual case needs no check per event.
            partly = any(positions[view] > start for view in behind)
            changes = {view: Changes(view) for view in behind}
            wanted: dict[str, list[tuple[View, Changes]]] = {}
            for position, originator_id, version, topic, state in rows:
                wanting = wanted.get(topic)
                if wanting is None:
                    wanting = wanted[topic] = [
                        (view, changes[view]) for view in behind if topic in self._topics[view]
                    ]
                if not wanting:
                    continue
                if partly:
                    wanting = [(v, c) for v, c in wanting if position > positions[v]]
                domain_event = decode(topic, state, originator_id, version)
                for view, view_changes in wanting:
                    view.model.handle(domain_event, view_changes, position)
            tracking = Tracking(UPSTREAM, last)
            for group in sharing_transactions(behind):
                apply_together([(view, changes[view]) for view in group], tracking)
                for view in group:
                    positions[view] = last
            processed += len(rows)
            batches += 1
            start = last
            if progress is not None:
                head = max(head, last)
                progress(Progress(processed, last, head, time.perf_counter() - started))
            if len(rows) < self.batch_size:
                break  # the log's end (or `stop`) when the page was read: no need to ask again
        for view in self.views:
            view.end_bulk_load()
        return processed

    def wait_for(self, position: int, timeout: float = 5.0, interval: float = 0.01) -> bool:
        """Read-your-writes: block until every view has processed `position`, polling at a
        short interval; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while True:
            if all(seen >= position for seen in positions_of(self.views).values()):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)


class ProjectionWorker:
    """Follows the log and keeps views current until stopped.

    An error in a handler stops nothing silently: it is logged (event position and type, never
    event contents) and the catch-up is retried after a back-off, from the views' own positions,
    so nothing is skipped. `failures` counts consecutive failures for the health endpoint.
    """

    def __init__(
        self, engine: ProjectionEngine, poll_interval: float = 0.05, busy_interval: float = 0.01
    ) -> None:
        self.engine = engine
        self.poll_interval = poll_interval
        self.busy_interval = busy_interval
        """After a catch-up that found events, this long before the next: under a steady flow
        of commands each batch then carries several events instead of one or two (the cost of
        a batch is mostly per batch, not per event), at the price of at most this much more lag.
        An idle worker that is nudged still starts at once."""
        self.failures = 0
        self._stop = threading.Event()
        self._nudge = threading.Event()
        self._thread: threading.Thread | None = None

    def nudge(self) -> None:
        """Something was just written: catch up now rather than at the next poll."""
        self._nudge.set()

    def run(self, *, exit_on_error: bool = False) -> None:
        while not self._stop.is_set():
            try:
                processed = self.engine.catch_up()
                self.failures = 0
            except Exception:
                self.failures += 1
                log.exception("projection catch-up failed (attempt %d)", self.failures)
                if exit_on_error:
                    raise
                self._stop.wait(min(30.0, 0.5 * 2**self.failures))
                continue
            if processed:
                self._stop.wait(self.busy_interval)
            else:
                self._nudge.wait(self.poll_interval)
                self._nudge.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._nudge.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
