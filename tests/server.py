"""A real gunicorn process over a content folder, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
