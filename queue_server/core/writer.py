"""The hall's one writer: a thread with its own SQLite connection that commits queued writes in groups.

Route handlers never write on their own. They hand a synchronous operation ``fn(db)`` to
:meth:`Writer.run` and await its answer. The writer thread takes every operation waiting at that moment, runs
each under its own ``SAVEPOINT`` inside one ``BEGIN IMMEDIATE`` transaction (an operation that raises rolls back
alone, and its caller gets the exception), commits once (one fsync for the whole batch), and only then hands the
results back to the loop: events first, then answers, in commit order. So:

- an answer is never sent before its write is on disk (``synchronous=FULL`` in WAL mode: COMMIT returns after the
  WAL's fsync), and a crash before COMMIT loses the whole batch, none of which was acknowledged;
- while one batch is being made durable the loop keeps serving reads, WebSockets and health checks, and the next
  batch collects the requests that arrive meanwhile, so under load the hall writes at the disk's pace, not one
  fsync per request;
- events reach the bus in the order their writes committed (``seq`` order on the WebSocket is commit order).

Code that runs inside an operation reads and writes through the connection it is given, or through any object
whose ``db`` follows :func:`queue_server.core.db.thread_db` (the hall, the tidal runner): inside an operation that
is the writer's connection, elsewhere the loop's read connection. A nested ``write_transaction`` inside an
operation becomes a savepoint of the batch.

The queue's short operations (``run(…, on_loop=True)``) run first in their batch, on the event loop, while the
writer thread waits: the thread's SQLite calls trade the GIL with the loop one by one, which under load costs a
ticket more than its statements (:meth:`Writer._run_on_loop`); so do the batch hooks when every operation of the
batch ran there. The thread still forms the batch, runs the rest and the COMMIT, so the loop never waits for an
fsync.
"""
from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from queue_server.core.db import bind_thread_batch, bind_thread_db, connect
from queue_server.core.events import Event

log = logging.getLogger(__name__)
T = TypeVar("T")

#: at most this many operations share one transaction: a long backlog is committed in steps, so the first
#: callers are answered without waiting for the last ones to be run
MAX_BATCH = 256

#: Test-only: the path of a trigger file. While it exists, the writer stops before the COMMIT of each batch of
#: callers' operations, writes ``<trigger>.held`` (the number of operations in the held batch) and waits until the
#: file is removed, so a crash test can kill the server between a batch's writes and its commit. A paced hook's
#: catch-up run (no operations) is never held: it would hold the write lock at a moment no test chose, and a test
#: writing on its own connection meanwhile would wait on it. Never set in a hall.
HOLD_COMMIT_ENV = "GOVHALL_TEST_HOLD_COMMIT"


@dataclass(eq=False)
class _Op:
    fn: Callable[[Database], Any]
    future: asyncio.Future
    events: Callable[[Any], Iterable[Event]] | None
    on_loop: bool = False


#: runs after a batch's operations, in the same transaction, when they caused events: ``hook(db, events)`` returns
#: the events of what it wrote (the tidal policy reacting to the batch's tickets and calls)
BatchHook = Callable[[Database, list[Event]], list[Event]]


@dataclass(eq=False)
class _Hook:
    fn: BatchHook
    #: least seconds between two runs while more work is queued (see :meth:`Writer.add_batch_hook`)
    min_interval: float
    #: events of the batches it has not seen yet
    owed: list[Event]
    #: whether its next run is as short as the loop's operations (see :meth:`Writer.add_batch_hook`)
    loop_ok: Callable[[], bool]
    #: ``time.monotonic()`` of its last run: pacing the writer's own work, not a fact of the hall
    last_run: float = float("-inf")

    def due(self, now: float, busy: bool) -> bool:
        """Whether to run now: something is owed, and either the batch is one caller's write with nothing queued
        behind it (no burst) or the interval since its last run has passed."""
        return bool(self.owed) and (not busy or now - self.last_run >= self.min_interval)


_STOP = object()
#: each operation's ``(True, result, events)`` or ``(False, exception, [])``, in batch order
Outcomes = list[tuple[bool, Any, list[Event]]]


class Writer:
    """The single writer of one hall database.

    :param path: the SQLite file (already migrated).
    :param publish: where committed events go (the event bus's ``publish_all``), called on the loop.
    :param hold_commit: test-only trigger file (default: :data:`HOLD_COMMIT_ENV` from the environment).
    """

    def __init__(self, path: Path | str, publish: Callable[[list[Event]], None], *,
                 hold_commit: str | None = None) -> None:
        self.path = Path(path)
        self._publish = publish
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hold = hold_commit or os.environ.get(HOLD_COMMIT_ENV)
        self._hooks: list[_Hook] = []
        #: true while committed events are being published: a bus subscriber that is also a batch hook (the
        #: tidal policy) knows its work for these events is already done
        self.delivering = False
        #: figures for benches and logs: batches committed and operations run
        self.batches = 0
        self.operations = 0
        #: transactions begun: the batch number :func:`queue_server.core.db.batch_point` reports
        self._begun = 0

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start the writer thread; answers are delivered on ``loop`` (default: the running loop)."""
        if self._thread is not None:
            return
        self._loop = loop or asyncio.get_running_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(ready,), name="govhall-writer", daemon=True)
        self._thread.start()
        ready.wait()

    async def stop(self) -> None:
        """Finish what is queued, then close the writer's connection and end the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        thread, self._thread = self._thread, None
        await asyncio.get_running_loop().run_in_executor(None, thread.join)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def add_batch_hook(self, hook: BatchHook, *, min_interval: float = 0.0,
                       loop_ok: Callable[[], bool] | None = None) -> None:
        """Run ``hook`` after batches whose operations caused events, inside the batch's transaction.

        Its writes share the batch's fsync and its events are published right after the batch's own, so whoever
        reads after an answer already sees the hook's effect (the tidal window it opened). Hooks run in the order
        they were added, each given the batch's events followed by those of the hooks before it (the outbox, added
        last, also reports the tidal windows the policy opened). A failing hook is rolled back alone and logged;
        the batch still commits. After a batch of ``on_loop`` operations only, hooks run on the loop as well,
        unless a hook's ``loop_ok()`` says its next run is not as short and bounded as those operations (the
        tide's first run of a business day plans the day from weeks of history).

        :param min_interval: while callers write concurrently, run it at most once per this many seconds. A batch
            of several operations, or one after which more are queued, skips it if it ran less than
            ``min_interval`` ago; the events it did not see go to its next run: in the first batch of a single
            operation with nothing queued behind it, in the first once the interval has passed, or, if no write
            comes, in a run of its own on the writer thread when the interval is up (and when the writer stops).
            So when callers wait for their answers before writing again and nobody else writes meanwhile (a
            hall's usual pace, the tests) every batch runs it and each answer sees its effect; under concurrent
            writes a reader may see it up to ``min_interval`` late (a millisecond more for the run of its own).
            An empty queue alone does not show that a burst is over: under many clients the next requests come
            only once the batch's answers are out.
        """
        self._hooks.append(_Hook(hook, min_interval, [], loop_ok or (lambda: True)))

    # -- submitting ---------------------------------------------------------------------------------------------

    async def run(self, fn: Callable[[Database], T], *, events: Callable[[T], Iterable[Event]] | None = None,
                  on_loop: bool = False) -> T:
        """Run ``fn(db)`` in the next batch and return its result once the batch is on disk.

        :param fn: a synchronous operation; it must not await, and it reads and writes only through ``db`` (or
            objects following the thread's connection). Its exception is raised here, after its savepoint was
            rolled back; the rest of the batch still commits.
        :param events: picks the events to publish from ``fn``'s result (e.g. ``lambda r: r[-1]`` for the hall's
            ``(result, events)``); they are published after the commit, before any later batch's.
        :param on_loop: ``fn`` is one of the hall's short, bounded operations (a number taken, a window's call or
            finish): the batch runs it on the event loop, first in the batch, while the loop waits for nothing
            else (see :meth:`_run_on_loop`). Anything whose cost grows with the data stays on the writer thread.
        """
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        future = self._loop.create_future()
        self._queue.put(_Op(fn, future, events, on_loop))
        return await future

    # -- the thread ---------------------------------------------------------------------------------------------

    def _main(self, ready: threading.Event) -> None:
        db = connect(self.path)
        bind_thread_db(db)
        ready.set()
        try:
            while True:
                try:
                    first = self._queue.get(timeout=self._catch_up_in())
                except queue.Empty:  # a paced hook still owes events and no write came to run it
                    self._deliver_batch(db, [])
                    continue
                if first is _STOP:
                    if any(hook.owed for hook in self._hooks):
                        self._deliver_batch(db, [], force=True)
                    return
                batch = [first]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        op = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if op is _STOP:
                        stop = True
                        break
                    batch.append(op)
                self._deliver_batch(db, batch, force=stop)
                if stop:
                    return
        finally:
            bind_thread_db(None)
            db.close()

    def _catch_up_in(self) -> float | None:
        """Seconds until a paced hook that still owes events is due (``None``: none owes anything)."""
        owing = [hook.last_run + hook.min_interval for hook in self._hooks if hook.owed]
        if not owing:
            return None
        return max(min(owing) - time.monotonic(), 0.0) + 0.001  # a hair late, so the hook is due when we wake

    def _deliver_batch(self, db: Database, batch: list[_Op], force: bool = False) -> None:
        """Run and commit the batch (an empty one: only the hooks' catch-up run), then answer on the loop."""
        # the operations for the loop go first: the order they run in is the order they commit and are answered in
        batch = [op for op in batch if op.on_loop] + [op for op in batch if not op.on_loop]
        outcomes, trailing = self._run_batch(db, batch, force)
        self._loop.call_soon_threadsafe(self._deliver, batch, outcomes, trailing)

    def _run_batch(self, db: Database, batch: list[_Op], force: bool = False) -> tuple[Outcomes, list[Event]]:
        """Run the batch in one transaction: per operation ``(True, result, events)`` or ``(False, exception, [])``,
        and the events of the batch hooks (every hook that owes events when ``force``: the writer is stopping)."""
        conn = db.conn
        on_loop = sum(op.on_loop for op in batch)

        def hooks(outcomes: Outcomes) -> list[Event]:
            return self._run_hooks(db, [e for _, _, events in outcomes for e in events], len(batch), force)

        # A batch of the loop's operations alone runs its hooks there too, straight after them: on this thread the
        # tide's two dozen statements would each wait for the busy loop to hand the GIL back (1.2 ms, not 0.4).
        then = hooks if 0 < on_loop == len(batch) and all(hook.loop_ok() for hook in self._hooks) else None
        began, outcomes, trailing = (self._run_on_loop(db, batch[:on_loop], then) if on_loop
                                     else self._begin_and_run(db, []))
        if not began:  # no transaction, or the loop's part broke off: every caller hears why
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [outcomes[0]] * len(batch), []
        bind_thread_batch(self._begun)
        self._run_ops(db, batch[on_loop:], outcomes)
        try:
            if trailing is None:
                trailing = hooks(outcomes)
            if batch and self._hold and os.path.exists(self._hold):
                self._hold_commit(len(batch))
            conn.execute("COMMIT")
        except Exception as exc:
            log.exception("writer commit failed")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [(False, exc, [])] * len(batch), []
        finally:
            bind_thread_batch(None)
        self.batches += 1
        self.operations += len(batch)
        return outcomes, trailing

    def _run_on_loop(self, db: Database, ops: list[_Op], then: Callable | None) -> tuple[bool, Outcomes, list | None]:
        """Begin the batch and run ``ops`` (and ``then``) on the event loop, this thread waiting meanwhile (as
        :meth:`_begin_and_run`).

        Why: on this thread every SQLite call lets go of the GIL and then waits for the loop to give it back, so
        under load a ticket's few statements cost more in hand-overs than in work (docs/performance.md). On the
        loop the same statements run back to back, and this thread takes the batch on from there (the other
        operations, the hooks unless they ran there, COMMIT and its fsync). The connection is used by one thread
        at a time: the loop only while this thread waits. The transaction is begun there too, so this thread
        never holds the write lock while it waits for the loop.
        """
        # a plain lock, taken here and let go by the loop: a threading.Event's Python-level condition cost the loop
        # several per cent of its time under load
        finished = threading.Lock()
        finished.acquire()
        box: list = []

        def run_there() -> None:
            bind_thread_db(db)
            try:
                box.append(self._begin_and_run(db, ops, then))
            except BaseException as exc:  # noqa: BLE001 - a broken batch is answered, never left hanging
                log.exception("writer: the loop's part of a batch failed")
                box.append((False, [(False, exc, [])], None))
            finally:
                bind_thread_db(None)
                bind_thread_batch(None)
                finished.release()

        try:
            self._loop.call_soon_threadsafe(run_there)
        except RuntimeError:  # the loop is closed: nobody waits for these answers, but the writes still commit
            return self._begin_and_run(db, ops, then)
        finished.acquire()
        return box[0]

    def _begin_and_run(self, db: Database, ops: list[_Op],
                       then: Callable | None = None) -> tuple[bool, Outcomes, list[Event] | None]:
        """Open the batch's transaction and run ``ops`` in it, then ``then(outcomes)`` (the batch hooks) if given:
        ``(True, their outcomes, then's events or None)``, or ``(False, [(False, why, [])], None)`` when no
        transaction could be opened."""
        try:
            self._begin(db.conn)
        except Exception as exc:  # the database is unusable
            log.exception("writer could not begin a transaction")
            return False, [(False, exc, [])], None
        outcomes: Outcomes = []
        self._run_ops(db, ops, outcomes)
        return True, outcomes, (then(outcomes) if then is not None else None)

    def _run_ops(self, db: Database, ops: list[_Op], outcomes: Outcomes) -> None:
        """Run each operation under its own savepoint, adding its outcome: ``(True, result, events)`` or
        ``(False, exception, [])``."""
        conn = db.conn
        for op in ops:
            conn.execute("SAVEPOINT op")
            try:
                value = op.fn(db)
                events = list(op.events(value)) if op.events is not None else []
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    outcomes.append((False, exc, []))
                else:
                    # SQLite rolled the whole transaction back (disk full, I/O error): the earlier operations of
                    # the batch are lost too, so they fail as well; the rest start a new transaction
                    outcomes[:] = [(False, exc, [])] * (len(outcomes) + 1)
                    self._begin(conn)
            else:
                conn.execute("RELEASE op")
                outcomes.append((True, value, events))

    def _begin(self, conn) -> None:
        """Open the batch's transaction and number it for :func:`queue_server.core.db.batch_point`."""
        conn.execute("BEGIN IMMEDIATE")
        self._begun += 1
        bind_thread_batch(self._begun)

    def _hold_commit(self, size: int) -> None:
        """Test-only (:data:`HOLD_COMMIT_ENV`): wait before COMMIT while the trigger file exists."""
        held = Path(f"{self._hold}.held")
        held.write_text(str(size))
        while os.path.exists(self._hold):  # the crash test kills the process here
            time.sleep(0.01)
        held.unlink(missing_ok=True)

    def _run_hooks(self, db: Database, events: list[Event], size: int, force: bool = False) -> list[Event]:
        """Run the hooks that are due on the events of this batch (of ``size`` operations) and of the batches they
        skipped."""
        trailing: list[Event] = []
        # several callers' operations in one batch, or more queued behind it: callers are writing concurrently
        now, busy = time.monotonic(), size > 1 or not self._queue.empty()
        for hook in self._hooks:
            hook.owed += events + trailing  # a later hook sees what earlier ones caused
            if not (hook.due(now, busy) or (force and hook.owed)):
                continue
            seen, hook.owed, hook.last_run = hook.owed, [], now
            db.conn.execute("SAVEPOINT hook")
            try:
                trailing += hook.fn(db, seen)
            except Exception:
                log.exception("batch hook failed; its writes are rolled back")
                if not db.conn.in_transaction:
                    raise  # SQLite dropped the whole transaction: the batch fails as a whole
                db.conn.execute("ROLLBACK TO hook")
                db.conn.execute("RELEASE hook")
            else:
                db.conn.execute("RELEASE hook")
        return trailing

    def _deliver(self, batch: list[_Op], outcomes: Outcomes, trailing: list[Event]) -> None:
        """On the loop, in commit order: publish the batch's events (then its hooks'), then answer each caller."""
        self.delivering = True
        try:
            for _, _, events in outcomes:
                self._safe_publish(events)
            self._safe_publish(trailing)
        finally:
            self.delivering = False
        for op, (ok, value, _) in zip(batch, outcomes):
            if op.future.done():  # the caller went away; the write stands
                continue
            if ok:
                op.future.set_result(value)
            else:
                op.future.set_exception(value)

    def _safe_publish(self, events: list[Event]) -> None:
        if not events:
            return
        try:
            self._publish(events)
        except Exception:
            log.exception("publishing committed events failed")


def last(result: tuple) -> Iterable[Event]:
    """The events of an operation returning ``(…, events)``, as the hall's operations do."""
    return result[-1]
