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
    cache = str(content.parent / "cache")
    env = {**os.environ, "FEEDSVC_CONTENT": str(content), "FEEDSVC_CACHE": cache, **(env or {})}
    command = [
        *(str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--threads", "4"),
        *(args or ()),
        "feedsvc:create_app()",
    ]
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
                        f"gunicorn did not start: {process.stderr.read() if process.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=timeout)
