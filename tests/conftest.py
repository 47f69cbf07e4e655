"""Shared fixtures: a private copy of the sample content, and the app over it."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedsvc import create_app
from feedsvc.settings import Settings

SAMPLE = Path(__file__).resolve().parent.parent / "articles"

WriteFile = Callable[[str, str], Path]

GOOD_ARTICLE = """\
---
title: A Good Article
author: j-williams
date: 2025-10-20 09:00
tags: [city]
---
Body text.
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the bundled articles that a test may change."""
    root = tmp_path / "articles"
    shutil.copytree(SAMPLE, root)
    return root


@pytest.fixture
def write(content: Path) -> WriteFile:
    """Write a file under the content copy; the text is dedented."""

    def write(rel: str, text: str) -> Path:
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def make_app(content: Path, **options: object) -> Flask:
    """The real application over `content`, with a private cache and no watcher thread;
    `options` are `Settings` fields (`base_url=…`)."""
    defaults: dict[str, object] = {"cache": content.parent / "cache", "watch": False}
    app = create_app(Settings(content=content, **{**defaults, **options}))  # type: ignore[arg-type]
    app.testing = True
    return app


@pytest.fixture
def app(content: Path) -> Flask:
    """The real application over the content copy."""
    return make_app(content)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for `app`."""
    return app.test_client()
