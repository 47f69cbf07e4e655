"""feedsvc benchmark: run by hand, prints one table.

    .venv/bin/python bench/run.py                       # 1,000 / 10,000 / 100,000 articles
    .venv/bin/python bench/run.py --sizes 1000:100 --duration 3

For each size it writes a synthetic corpus (bench/corpus.py), then measures,
against `feedsvc serve` (gunicorn, 2 gevent workers) on loopback:
cold start and warm restart (until the first feed is served), peak RSS per
worker, the time from saving an edit to the new version in the feed (and from
adding or deleting an article, which links the corpus again), the first
(uncached) render of a 50-entry author feed, and cached-feed and 304
throughput and p99 with wrk (also while 300 idle connections and 50 that drip
a header byte by byte are held open), beside nginx serving the same bytes as a
static file and a plain Flask view serving them from memory, in the same run.
Needs Debian's wrk and nginx (`make bench` installs them).
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A GET that returns status, headers and body, also for 304 and 404."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def wait_until_served(
    url: str, process: subprocess.Popen[bytes], timeout: float = 300, since: float | None = None
) -> float:
    """Seconds until `url` answers 200, from `since` (a monotonic time) or from now."""
    start = time.monotonic() if since is None else since
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            status = get(url)[0]
        except OSError:
            status = 0  # not listening yet
        if status == 200:
            return time.monotonic() - start
        if status:
            raise RuntimeError(f"{url} answered {status}")
        time.sleep(0.02)
    raise RuntimeError(f"{url} not served within {timeout}s")


class Server:
    """A process group we start and stop: gunicorn or nginx."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def workers(self) -> list[int]:
        """The master's child processes (gunicorn workers)."""
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        """Stop the whole group and wait."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def feedsvc(corpus: Path, port: int, env: dict[str, str]) -> Server:
    """`feedsvc serve`: gunicorn with the content loaded before it forks 2 gevent workers."""
    command = [str(BIN / "feedsvc"), "serve", "--content", str(corpus), "--port", str(port)]
    return Server([*command, "--workers", "2"], env)


def gunicorn(app: str, port: int, env: dict[str, str]) -> Server:
    """gunicorn as `feedsvc serve` runs it: 2 gevent workers."""
    command = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gevent"]
    return Server([*command, "--keep-alive", "10", "--no-control-socket", app], env)


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident size (VmHWM) among `pids`, in MB."""
    peaks = [0.0]
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks)


@dataclass
class Load:
    """What wrk measured."""

    rps: float
    p99_ms: float


def wrk(url: str, duration: int, header: str | None = None) -> Load:
    """The best of three wrk runs (2 threads, 16 keep-alive connections each).

    A worker that wakes first can accept all 16 connections and leave the other
    worker idle for the whole run (seen here: one core, a third of the rate);
    real pollers come and go, so the best of three is the figure that matters.
    """
    return max((_wrk(url, duration, header) for _ in range(3)), key=lambda load: load.rps)


def in_turn(plain: Callable[[], Load], variant: Callable[[], Load]) -> tuple[Load, Load]:
    """The best of three runs of each of two loads, run in turn (plain, variant, plain…),
    so that both see the same spell of a shared machine."""
    runs = [(plain(), variant()) for _ in range(3)]
    plains, variants = zip(*runs, strict=True)
    return max(plains, key=lambda load: load.rps), max(variants, key=lambda load: load.rps)


def _wrk(url: str, duration: int, header: str | None) -> Load:
    """One wrk run, parsed."""
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return Load(rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit])


NGINX_CONF = """\
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 100000;
    types {{ application/rss+xml xml; }}
    client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
    uwsgi_temp_path {dir}; scgi_temp_path {dir};
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
    }}
}}
"""

PLAIN_FLASK = """\
import hashlib
from pathlib import Path
from flask import Flask, Response, request
app = Flask(__name__)
BODY = Path({path!r}).read_bytes()
ETAG = hashlib.sha256(BODY).hexdigest()[:32]

@app.get("/rss.xml")
def feed():
    response = Response(BODY, content_type="application/rss+xml; charset=utf-8")
    response.set_etag(ETAG)
    return response.make_conditional(request)
"""


@dataclass
class Row:
    """One line of the table."""

    size: str
    cold_s: float = 0.0
    warm_s: float = 0.0
    rss_mb: float = 0.0
    edit_s: float = 0.0
    add_s: float = 0.0
    delete_s: float = 0.0
    render_ms: float = 0.0
    after_edit_ms: float = 0.0
    loads: dict[str, Load] = field(default_factory=dict)


def measure(articles: int, authors: int, work: Path, duration: int, starts: int) -> Row:
    """Every figure for one corpus size: starts, first renders and the edit latencies are
    medians (of `starts` cold and warm starts), loads the best of three."""
    row = Row(f"{articles:,} / {authors:,}")
    corpus = write_corpus(work / "articles", articles, authors)
    time.sleep(2.5)  # files younger than 2 s are read again by the next scan, by design
    cache = work / "cache"
    env = {"FEEDSVC_CACHE": str(cache)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    site_feed = base + "/rss.xml"
    colds, warms, renders = [], [], []
    while True:
        shutil.rmtree(cache, ignore_errors=True)
        start = time.monotonic()
        server = feedsvc(corpus, port, env)
        colds.append(wait_until_served(site_feed, server.process, since=start))
        wait_for_cache(cache / "content.pickle")
        server.stop()
        # The cold start wrote hundreds of MB of bodies: flushed first, the restart is
        # timed on its own and not on the disk writing the previous run's pages meanwhile.
        os.sync()
        time.sleep(1)
        start = time.monotonic()
        server = feedsvc(corpus, port, env)
        warms.append(wait_until_served(site_feed, server.process, since=start))
        start = time.monotonic()
        status, _, _ = get(base + f"/authors/w{min(7, authors - 1):04d}/rss.xml")
        renders.append((time.monotonic() - start) * 1000)
        if status != 200 or len(warms) == starts:
            break
        server.stop()
    row.cold_s, row.warm_s = statistics.median(colds), statistics.median(warms)
    row.render_ms = statistics.median(renders)
    try:
        assert status == 200
        # Load first: an edit makes the cache be written again 30 s later, which
        # would take CPU from the load test.
        row.loads.update(load_200_and_304("feedsvc", site_feed, duration))

        # Each of these is measured in turn with the same load without it, so that the
        # ratio compares runs minutes apart on a shared machine as little as possible.
        def crowded() -> Load:
            with Crowd(port, idle=CROWD[0], slow=CROWD[1]):
                return _wrk(site_feed, duration, None)

        alongside = {"crowd": crowded} | {
            f"{rate} edits/s": partial(load_with_edits, corpus, articles, site_feed, duration, rate)
            for rate in EDIT_RATES
        }
        for name, loaded in alongside.items():
            plain, row.loads[f"feedsvc 200, {name}"] = in_turn(
                partial(_wrk, site_feed, duration, None), loaded
            )
            row.loads[f"feedsvc 200, beside {name}"] = plain
        row.after_edit_ms = statistics.median(
            first_request_after_edit(corpus, articles, base, n) for n in range(5)
        )
        row.edit_s = statistics.median(edit_latency(corpus, articles, base, n) for n in range(3))
        changes = [add_delete_latency(corpus, articles, base, n) for n in range(3)]
        row.add_s = statistics.median(added for added, _ in changes)
        row.delete_s = statistics.median(deleted for _, deleted in changes)
        row.rss_mb = peak_rss_mb(server.workers())
        body = get(base + "/rss.xml")[2]
    finally:
        server.stop()
    row.loads.update(load_nginx(body, work, duration))
    row.loads.update(load_plain_flask(body, work, duration))
    return row


def wait_for_cache(path: Path, timeout: float = 600) -> None:
    """Wait until the background cache write has landed (its size stops changing)."""
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size > 0 and size == last:
            return
        last = size
        time.sleep(0.5)


def edit_latency(corpus: Path, articles: int, base: str, n: int) -> float:
    """Seconds from saving an edit to the newest article until the feed shows it."""
    marker = f"Edited {n} {time.time_ns()}"
    start = time.monotonic()
    save_edit(corpus, articles, marker)
    return seconds_until(base, marker, shown=True, start=start)


EDIT_RATES = (1, 10)  # edits a second to the newest article, during a load
CROWD = (300, 50)  # idle connections, and connections that drip a header, during a load


class Crowd:
    """Connections held open on loopback while a load runs, as a careless or hostile
    crowd would: idle ones send nothing, slow ones a header one byte a second, never
    finishing it. A thread drips and opens again each one the server lets go of (its
    header timeout), so that the count stays; it stops when the block ends."""

    def __init__(self, port: int, *, idle: int, slow: int) -> None:
        self.port = port
        self.idle = [self._open(slow=False) for _ in range(idle)]
        self.slow = [self._open(slow=True) for _ in range(slow)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _open(self, *, slow: bool) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if slow:
            sock.sendall(b"GET /rss.xml HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        return sock

    def _hold(self) -> None:
        while not self._stop.wait(1.0):
            for group, slow in ((self.idle, False), (self.slow, True)):
                for index in range(len(group)):
                    try:
                        poll = select.poll()
                        poll.register(group[index], select.POLLIN)
                        if poll.poll(0):  # let go of by the server: open another
                            group[index].close()
                            group[index] = self._open(slow=slow)
                        elif slow:
                            group[index].send(b"a")
                    except OSError:
                        continue

    def __enter__(self) -> Crowd:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for sock in self.idle + self.slow:
            sock.close()


def save_edit(corpus: Path, articles: int, marker: str) -> None:
    """Save the newest article with a new title."""
    path = newest_file(corpus, articles)
    text = re.sub(r"^title: .*$", f"title: {marker}", path.read_text(), count=1, flags=re.M)
    path.write_text(text)


def first_request_after_edit(corpus: Path, articles: int, base: str, n: int) -> float:
    """Milliseconds of the first request for the site feed once an edit has been applied
    (the worker that answers renders the feed anew)."""
    marker = f"First {n} {time.time_ns()}"
    save_edit(corpus, articles, marker)
    time.sleep(1.0)  # both workers have applied it by now (an edit shows in ~0.1 s)
    start = time.monotonic()
    body = get(base + "/rss.xml")[2]
    elapsed = (time.monotonic() - start) * 1000
    assert marker.encode() in body, "the edit was not applied within a second"
    return elapsed


def load_with_edits(corpus: Path, articles: int, url: str, duration: int, rate: int) -> Load:
    """The site feed under one wrk run while the newest article is saved `rate` times a
    second."""
    stop = threading.Event()

    def edit() -> None:
        n = 0
        while not stop.wait(1 / rate):
            save_edit(corpus, articles, f"Load {rate} {n} {time.time_ns()}")
            n += 1

    editor = threading.Thread(target=edit, daemon=True)
    editor.start()
    try:
        return _wrk(url, duration, None)
    finally:
        stop.set()
        editor.join()


def add_delete_latency(corpus: Path, articles: int, base: str, n: int) -> tuple[float, float]:
    """Seconds until a new article, newer than all, is in the feed; then until its deletion is.

    Unlike an edit in place, these link the whole corpus again (slugs, ids, links).
    """
    newest = newest_file(corpus, articles)
    marker = f"Added {n} {time.time_ns()}"
    date = re.search(r"^date: (.*)$", newest.read_text(), flags=re.M)
    assert date
    published = datetime.fromisoformat(date[1]) + timedelta(minutes=1)
    path = newest.with_name(f"added-{n}.md")
    text = f"---\ntitle: {marker}\nauthor: w0000\ndate: {published.isoformat()}\n---\nNew.\n"
    start = time.monotonic()
    path.write_text(text)
    added = seconds_until(base, marker, shown=True, start=start)
    start = time.monotonic()
    path.unlink()
    return added, seconds_until(base, marker, shown=False, start=start)


def newest_file(corpus: Path, articles: int) -> Path:
    """The file of the newest article in a corpus from `corpus.write_corpus`."""
    index = articles - 1
    return corpus / f"{index // 1000:03d}" / f"a{index:06d}.md"


def seconds_until(base: str, marker: str, *, shown: bool, start: float) -> float:
    """Seconds from `start` until the site feed shows (or no longer shows) `marker`, on two
    requests running, so that both workers have it (each request may reach either)."""
    seen = 0
    while seen < 2:
        seen = seen + 1 if (marker.encode() in get(base + "/rss.xml")[2]) is shown else 0
        if time.monotonic() - start > 120:
            raise RuntimeError(f"the change never showed: {marker}")
        time.sleep(0.005)
    return time.monotonic() - start


def load_200_and_304(name: str, url: str, duration: int) -> dict[str, Load]:
    """Cached 200s, then 304s with the ETag the server gave."""
    etag = get(url)[1]["ETag"]
    return {
        f"{name} 200": wrk(url, duration),
        f"{name} 304": wrk(url, duration, f"If-None-Match: {etag}"),
    }


def load_server(name: str, server: Server, url: str, duration: int) -> dict[str, Load]:
    """Wait for a server we started, load it, stop it."""
    try:
        wait_until_served(url, server.process)
        return load_200_and_304(name, url, duration)
    finally:
        server.stop()


def load_nginx(body: bytes, work: Path, duration: int) -> dict[str, Load]:
    """nginx serving the same bytes as a static file."""
    folder = work / "nginx"
    (folder / "www").mkdir(parents=True, exist_ok=True)
    (folder / "www" / "rss.xml").write_bytes(body)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, port=port))
    server = Server(["nginx", "-c", str(conf), "-g", "daemon off;"])
    return load_server("nginx", server, f"http://127.0.0.1:{port}/rss.xml", duration)


def load_plain_flask(body: bytes, work: Path, duration: int) -> dict[str, Load]:
    """A plain Flask view returning the same bytes from memory, under the same gunicorn."""
    (work / "feed.xml").write_bytes(body)
    (work / "plainflask.py").write_text(PLAIN_FLASK.format(path=str(work / "feed.xml")))
    port = free_port()
    server = gunicorn("plainflask:app", port, {"PYTHONPATH": str(work)})
    return load_server("flask view", server, f"http://127.0.0.1:{port}/rss.xml", duration)


def cell(row: Row, name: str, against: str | None = None) -> str:
    """Requests per second (and the ratio to `against`, in the same run) and p99."""
    load = row.loads[name]
    ratio = f" ({load.rps / row.loads[against].rps:.2f}x)" if against else ""
    return f"{load.rps:,.0f}/s{ratio}, p99 {load.p99_ms:.1f} ms"


HEADER = (
    "| articles / authors | cold start | warm restart | peak RSS/worker | edit visible "
    "| add / delete visible | first render | first request after an edit | feedsvc 200 "
    "| feedsvc 200, 1 edit/s | feedsvc 200, 10 edits/s "
    f"| feedsvc 200, {CROWD[0]} idle + {CROWD[1]} slow connections "
    "| feedsvc 304 | nginx 200 | nginx 304 | plain Flask 200 | plain Flask 304 |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def table_row(row: Row) -> str:
    """One size's figures as a Markdown table row, ratios beside absolute figures."""
    return (
        f"| {row.size} | {row.cold_s:.2f} s | {row.warm_s:.2f} s | {row.rss_mb:.0f} MB "
        f"| {row.edit_s:.2f} s | {row.add_s:.2f} / {row.delete_s:.2f} s | {row.render_ms:.0f} ms "
        f"| {row.after_edit_ms:.0f} ms | {cell(row, 'feedsvc 200', 'nginx 200')} "
        f"| {cell(row, 'feedsvc 200, 1 edits/s', 'feedsvc 200, beside 1 edits/s')} "
        f"| {cell(row, 'feedsvc 200, 10 edits/s', 'feedsvc 200, beside 10 edits/s')} "
        f"| {cell(row, 'feedsvc 200, crowd', 'feedsvc 200, beside crowd')} "
        f"| {cell(row, 'feedsvc 304', 'nginx 304')} "
        f"| {cell(row, 'nginx 200')} | {cell(row, 'nginx 304')} "
        f"| {cell(row, 'flask view 200', 'nginx 200')} "
        f"| {cell(row, 'flask view 304', 'nginx 304')} |"
    )


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="1000:100,10000:1000,100000:1000",
        help="comma-separated ARTICLES:AUTHORS (default: %(default)s)",
    )
    parser.add_argument("--duration", type=int, default=3, help="seconds of load per wrk run")
    parser.add_argument(
        "--starts", type=int, default=3, help="cold and warm starts per size (median)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"bench needs {tool}: run `make bench`, which installs it")
    work = Path(tempfile.mkdtemp(prefix="feedsvc-bench-"))
    work.chmod(0o755)  # nginx workers run as another user and must read the feed file
    print(HEADER, flush=True)
    try:
        for spec in args.sizes.split(","):
            articles, authors = (int(x) for x in spec.split(":"))
            print(f"measuring {articles:,} articles by {authors:,} authors…", file=sys.stderr)
            row = measure(articles, authors, work / str(articles), args.duration, args.starts)
            print(table_row(row), flush=True)  # each size as soon as it is measured
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
