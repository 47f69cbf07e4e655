"""A real gunicorn process over a content folder, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

GUNICORN = Path(sys.executable).with_name("gunicorn")
FEEDSVC = Path(sys.executable).with_name("feedsvc")


def free_port() -> int:
    """A loopback port nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    content: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[str]:
    """Run `gunicorn 'feedsvc:create_app()'` on a free port; yield its base URL."""
    port = free_port()
    command = [
        *(str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--threads", "4", "--no-control-socket"),
        *(args or ()),
        "feedsvc:create_app()",
    ]
    env = {"FEEDSVC_CONTENT": str(content), **(env or {})}
    with _running(command, port, content, env, timeout) as url:
        yield url


@contextmanager
def feedsvc_serve(
    content: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[str]:
    """Run `feedsvc serve` on a free port; yield its base URL."""
    port = free_port()
    command = [str(FEEDSVC), "serve", "--content", str(content), "--port", str(port), *args]
    with _running(command, port, content, env or {}, timeout) as url:
        yield url


@contextmanager
def _running(
    command: list[str], port: int, content: Path, env: dict[str, str], timeout: float
) -> Iterator[str]:
    """Start a server (its cache beside the content), wait until it answers, stop it after."""
    env = {**os.environ, "FEEDSVC_CACHE": str(content.parent / "cache"), **env}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the server did not start: {process.stderr.read() if process.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=timeout)


class Crowd:
    """Connections that hold a server without asking anything of it: `idle` ones send
    nothing, `slow` ones send a request's first line, then a header one byte at a time,
    never finishing it (a slowloris). On loopback; a thread drips until `close`."""

    def __init__(self, url: str, *, idle: int, slow: int, drip: float = 0.5) -> None:
        parts = urlsplit(url)
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.idle = [socket.create_connection(address, timeout=10) for _ in range(idle)]
        self.slow = [socket.create_connection(address, timeout=10) for _ in range(slow)]
        for sock in self.slow:
            sock.sendall(b"GET /rss.xml HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        self.drip = drip
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        """One byte to every slow connection each `drip` seconds; closed ones are left."""
        while not self._stop.wait(self.drip):
            for sock in self.slow:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    def closed(self) -> tuple[int, int]:
        """How many idle and slow connections the server has closed by now."""
        return sum(map(_is_closed, self.idle)), sum(map(_is_closed, self.slow))

    def close(self) -> None:
        """Stop dripping and close every connection."""
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.idle + self.slow:
            sock.close()


def _is_closed(sock: socket.socket) -> bool:
    """Whether the server has let go of `sock`: for a request that never ends, anything to
    read (the end, a reset, an error answer before closing) means it gave up on it."""
    poll = select.poll()  # not select(): its descriptors stop at 1,024
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


@contextmanager
def crowd(url: str, *, idle: int, slow: int, drip: float = 0.5) -> Iterator[Crowd]:
    """A `Crowd` at `url` for the duration of the block."""
    held = Crowd(url, idle=idle, slow=slow, drip=drip)
    try:
        yield held
    finally:
        held.close()
