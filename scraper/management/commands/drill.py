"""`manage.py drill`: serve broken register pages from loopback and run the real sync on each.

A fault drill, not a test: it prints what happened, it asserts nothing, and it is not part of
the suite. Each scenario is one function in SCENARIOS; it gets a Drill (the loopback server and a
way to sync from it) and returns one line saying what the sync did. The command adds how the
site stands afterwards and the peak memory of the process during the scenario. Besides the
broken pages it kills a worker mid-sync (a child process, SIGKILL; PostgreSQL only) and stops
Redis (the cache and the broker at a closed port). A new fault is one more function in the list.

It works in a throwaway test database (created and dropped here, as `manage.py bench` does),
so real data is never touched, and lists 127.0.0.1 in REGISTER_URL_HOSTS for its own run only.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import resource
import signal
import socket
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.test import Client
from django.test.utils import override_settings, setup_databases, teardown_databases
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from registry.models import Register, SyncRun
from scraper.sync import RunAlreadyOpen, SyncResult, get_register, queue_sync, run_sync

ROWS = 13_000  # the Work register in October 2026 (register.md, section 10)
BOMB_BYTES = 10 * 1024**3  # what the gzip bomb inflates to: 10 GB of zeros, made as it is sent
TRICKLE_SECONDS = 0.05  # between two rows of the endless page
# The killed worker: the task time limit, after which a silent run is dead (30 min in
# production), and how far into its run the worker is killed (well inside its fetch).
KILL_TIME_LIMIT = 3
KILL_AFTER = 1.0


def register_page(rows: list[tuple[str, str]], *, updated: date) -> bytes:
    """A whole 2026 page: the table, then the rest of the document."""
    body = "\n".join(
        f'<tr><th scope="row">{escape(name)}</th><td>{kvk}</td></tr>' for name, kvk in rows
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Public register Work | IND</title></head><body><main>"
        f"<h1>Public register Work</h1><p>The overview was last updated on {updated.day} "
        f'{updated:%B %Y}.</p><table><thead><tr><th scope="col">Organisation</th>'
        '<th scope="col">KVK (Chamber of Commerce) number</th></tr></thead><tbody>\n'
        f"{body}\n</tbody></table></main><footer>IND</footer></body></html>"
    ).encode()


# --- the loopback server --------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], None]


def send_page(body: bytes, **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


def send_bomb(handler: BaseHTTPRequestHandler) -> None:
    """10 GB of zeros, gzipped as they are sent (about 10 MB on the wire); no Content-Length."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Encoding", "gzip")
    handler.end_headers()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    for _ in range(BOMB_BYTES // len(zeros)):  # the client hangs up long before the end
        handler.wfile.write(compressor.compress(zeros))
    handler.wfile.write(compressor.flush())


def send_endlessly(page: bytes, stop: threading.Event) -> Route:
    """The page's head, then one row every TRICKLE_SECONDS, for ever; no Content-Length."""
    head, _, rest = page.partition(b"<tbody>\n")
    rows = rest.split(b"\n")

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.end_headers()
        handler.wfile.write(head + b"<tbody>\n")
        position = 0
        while not stop.is_set():
            handler.wfile.write(rows[position % (len(rows) - 2)] + b"\n")
            handler.wfile.flush()
            position += 1
            time.sleep(TRICKLE_SECONDS)

    return route


class Pages(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Pages

    def do_GET(self) -> None:
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        # The sync hanging up mid-page is what a refusal looks like from here.
        with suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the drill prints its own lines


# --- scenarios --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drill:
    base_url: str

    def sync(self, path: str) -> SyncResult:
        """The real sync of the Work register, from this server, as `sync_register --url`."""
        run = queue_sync(
            register="work", trigger="drill", now=timezone.now(), url=self.base_url + path
        )
        return run_sync(run.pk)


def whole_page(drill: Drill) -> str:
    """a whole page (the edition the others must keep)"""
    return drill.sync("/whole").summary()


def cut_page(drill: Drill) -> str:
    """a page cut at 80 %, Content-Length matching"""
    return drill.sync("/cut").summary()


def gzip_bomb(drill: Drill) -> str:
    """a gzip bomb (10 GB of zeros)"""
    return drill.sync("/bomb").summary()


def endless_page(drill: Drill) -> str:
    """an endless page, a row every 50 ms"""
    return drill.sync("/endless").summary()


def shrunk_page(drill: Drill) -> str:
    """a whole page with 10 % of the rows removed"""
    return drill.sync("/shrunk").summary()


def killed_worker(drill: Drill) -> str:
    """a worker SIGKILLed mid-sync (the task time limit 3 s for the drill)"""
    if connection.vendor != "postgresql":
        return "skipped: a child process cannot reach this process's in-memory SQLite database"
    with override_settings(CELERY_TASK_TIME_LIMIT=KILL_TIME_LIMIT):
        run = queue_sync(
            register="work", trigger="drill", now=timezone.now(), url=drill.base_url + "/endless"
        )
        connections.close_all()  # the child opens its own: a shared socket would be garbled
        worker = multiprocessing.get_context("fork").Process(
            target=_sync_in_child, args=(run.pk,), daemon=True
        )
        with warnings.catch_warnings():  # fork beside the page server's thread: it is not used
            warnings.simplefilter("ignore", DeprecationWarning)
            worker.start()
        if not _wait_for(lambda: _status(run.pk) == SyncRun.Status.RUNNING, seconds=10):
            worker.kill()
            return f"the child never started run {run.pk} ({_status(run.pk)})"
        time.sleep(KILL_AFTER)  # mid-fetch: the endless page is still coming
        os.kill(worker.pid or 0, signal.SIGKILL)
        worker.join()
        killed = timezone.now()
        status_after_kill = _status(run.pk)
        blocked = 0
        waited = time.monotonic()
        while True:  # the next sync, again and again, as "Resync now" clicks would be
            try:
                result = drill.sync("/whole")
                break
            except RunAlreadyOpen:
                blocked += 1
                if time.monotonic() - waited > 4 * KILL_TIME_LIMIT:
                    return f"run {run.pk} still {_status(run.pk)} {4 * KILL_TIME_LIMIT} s after"
                time.sleep(0.1)
        dead = SyncRun.objects.get(pk=run.pk)
    last_sign = dead.heartbeat_at or dead.started_at or dead.created_at
    ended = dead.finished_at or killed
    return (
        f"killed the child {KILL_AFTER:g} s into run {dead.pk} (left {status_after_kill}); "
        f"{blocked} next syncs were told it is open, then one failed it "
        f"{(ended - last_sign).total_seconds():.1f} s after its last sign of life (limit "
        f"{KILL_TIME_LIMIT} s; {(ended - killed).total_seconds():.1f} s after the kill): "
        f"{dead.status}: {dead.message!r}; that sync went ahead: {result.summary()}"
    )


def _sync_in_child(run_id: int) -> None:
    """The worker: the real sync of a queued run, in a process of its own."""
    run_sync(run_id)


def _status(run_id: int) -> str:
    return SyncRun.objects.values_list("status", flat=True).get(pk=run_id)


def _wait_for(condition: Callable[[], bool], *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def redis_stopped(drill: Drill) -> str:
    """Redis stopped (the cache and the broker at a closed port)"""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    cache_down = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
        }
    }
    down = override_settings(
        REDIS_URL=url,
        CELERY_BROKER_URL=url,
        CELERY_TASK_ALWAYS_EAGER=False,
        CACHES=cache_down,
        SYNC_IN_THREAD=False,
        ALLOWED_HOSTS=["testserver"],
    )
    with down, broker_at(url):
        client = Client()
        answers = []
        for page in ("/", "/?q=voorbeeld", "/search.json?q=voorbeeld"):
            started = time.monotonic()
            status = client.get(page).status_code
            answers.append(f"{page} {status} in {(time.monotonic() - started) * 1000:.0f} ms")
        out = StringIO()
        started = time.monotonic()
        try:
            call_command("sync_register", "--url", drill.base_url + "/whole", stdout=out)
            command = out.getvalue().strip()
        except CommandError as error:
            command = f"did not complete: {error}"
        command += f" ({time.monotonic() - started:.1f} s)"
        admin = User.objects.create_superuser("drill", "drill@example.org", uuid4().hex)
        client.force_login(admin)
        resync = reverse("admin:registry_register_resync", args=[get_register("work").pk])
        started = time.monotonic()
        response = client.post(resync)
        took = time.monotonic() - started
        run = SyncRun.objects.filter(trigger="admin").latest("pk")
    return (
        f"{'; '.join(answers)}; sync_register --url: {command}; Resync now answered "
        f"{response.status_code} in {took:.1f} s, run {run.pk} {run.status}: {run.message!r}"
    )


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Celery's broker at `url` for the block. The app read its settings once (and reads
    CELERY_BROKER_URL from the environment first), and keeps connection pools: all three are
    set aside and put back."""

    def forget_pools() -> None:
        pool = getattr(celery_app, "_pool", None)
        if pool is not None:
            pool.force_close_all()
        setattr(celery_app, "_pool", None)  # noqa: B010 (private: made again on first use)
        setattr(celery_app.amqp, "_producer_pool", None)  # noqa: B010

    conf = celery_app.conf
    saved = {name: conf.get(name) for name in ("broker_url", "task_always_eager")}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    forget_pools()
    conf.update(broker_url=url, task_always_eager=False)
    os.environ["CELERY_BROKER_URL"] = url
    try:
        yield
    finally:
        forget_pools()
        conf.update(saved)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env


SCENARIOS: list[Callable[[Drill], str]] = [
    whole_page,
    cut_page,
    gzip_bomb,
    endless_page,
    shrunk_page,
    killed_worker,
    redis_stopped,
]


# --- memory -----------------------------------------------------------------------------------


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """The process's peak resident memory (MB) during the block, and before it.

    Linux lets a process reset its high-water mark (proc(5), clear_refs "5"); elsewhere the
    peak is the process's whole life so far, and says so.
    """
    measured: dict[str, float] = {}
    try:
        Path("/proc/self/clear_refs").write_text("5")
        measured["before"] = _status_mb("VmRSS")
    except OSError:
        measured["before"] = -1.0
    yield measured
    if measured["before"] >= 0:
        measured["peak"] = _status_mb("VmHWM")
    else:
        measured["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise OSError(f"no {field} in /proc/self/status")


# --- the command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Serve broken register pages from loopback and sync each (throwaway database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--deadline",
            type=float,
            default=5.0,
            help="FETCH_DEADLINE_SECONDS for the drill (default 5, so the endless page ends "
            "quickly; give 120 to drill with the production value)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout.write
        # Names of a real length: the page is about as big as the IND's (1-1.5 MB).
        rows = [
            (f"Voorbeeld Techniek en Logistiek Nederland {i} B.V.", f"{10_000_000 + i * 7:08d}")
            for i in range(ROWS)
        ]
        whole = register_page(rows, updated=date(2026, 10, 5))
        shrunk = register_page(
            [row for i, row in enumerate(rows) if i % 10 != 9], updated=date(2026, 11, 3)
        )
        cut = whole[: len(whole) * 8 // 10]
        stop = threading.Event()
        server = Pages(
            {
                "/whole": send_page(whole),
                "/cut": send_page(cut),
                "/bomb": send_bomb,
                "/endless": send_endlessly(whole, stop),
                "/shrunk": send_page(gzip.compress(shrunk), Content_Encoding="gzip"),
            }
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()

        if connection.vendor != "sqlite":  # SQLite's throwaway database is in memory
            test = connection.settings_dict["TEST"]
            # Not the database the test suite keeps (--reuse-db) under test_<NAME>.
            test["NAME"] = f"{test['NAME'] or 'test_' + connection.settings_dict['NAME']}_drill"
        config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        # A cache of its own: the throwaway database numbers its runs from 1 again.
        own_cache = {
            alias: {**cache_options, "KEY_PREFIX": f"drill-{uuid4().hex}"}
            for alias, cache_options in settings.CACHES.items()
        }
        drill_settings = override_settings(
            CACHES=own_cache,
            REGISTER_URL_HOSTS=["127.0.0.1"],
            FETCH_DEADLINE_SECONDS=options["deadline"],
            FETCH_BACKOFF_SECONDS=0,
        )
        drill_settings.enable()
        try:
            out(
                f"drill: {ROWS:,} rows ({len(whole) / 1e6:.1f} MB) from {server.base_url}, "
                f"{connection.vendor} database {connection.settings_dict['NAME']} (throwaway); "
                f"limits {settings.FETCH_MAX_BYTES / 1e6:g} MB sent, "
                f"{settings.FETCH_MAX_DECODED_BYTES / 1e6:g} MB inflated, "
                f"{settings.FETCH_DEADLINE_SECONDS:g} s"
            )
            drill = Drill(base_url=server.base_url)
            for scenario in SCENARIOS:
                with peak_rss() as memory:
                    what = scenario(drill)
                name = (scenario.__doc__ or scenario.__name__).strip()
                out(f"- {name}: {what}")
                out(f"    serving: {serving()}; peak RSS {_memory(memory)}")
        finally:
            drill_settings.disable()
            stop.set()
            server.shutdown()
            server.server_close()
            teardown_databases(config, verbosity=0)


def serving() -> str:
    """The edition the site shows for the Work register now."""
    edition = get_register(Register.Slug.WORK).current_edition
    if edition is None:
        return "no edition"
    return f"the edition of {edition.published_on:%-d %B %Y}, {edition.row_count:,} rows"


def _memory(memory: dict[str, float]) -> str:
    if memory["before"] < 0:
        return f"{memory['peak']:.0f} MB (the process's peak so far)"
    rise = memory["peak"] - memory["before"]
    return f"{memory['peak']:.0f} MB ({rise:+.0f} MB over the {memory['before']:.0f} MB before)"
