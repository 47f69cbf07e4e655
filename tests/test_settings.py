"""The process's settings: read once from FEEDSVC_* and options, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from feedsvc.cli import main
from feedsvc.settings import Settings, SettingsError, default_cache_dir


def test_defaults_and_the_environment() -> None:
    """Without variables: ./articles, a cache per folder, watching; variables set each one."""
    plain = Settings.from_env({})
    assert (plain.content, plain.base_url, plain.watch) == (Path("articles"), None, True)
    assert plain.cache == default_cache_dir(Path("articles"))
    env = {
        "FEEDSVC_CONTENT": "/srv/news",
        "FEEDSVC_BASE_URL": "https://example.com/news",
        "FEEDSVC_CACHE": "off",
        "FEEDSVC_WATCH": "0",
    }
    read = Settings.from_env(env)
    assert (read.content, read.base_url, read.cache, read.watch) == (
        Path("/srv/news"),
        "https://example.com/news/",
        None,
        False,
    )


def test_options_win_over_the_environment() -> None:
    """A command-line value replaces the variable; an option left out does not."""
    env = {"FEEDSVC_CONTENT": "/srv/news", "FEEDSVC_WATCH": "no"}
    read = Settings.from_env(env, content=Path("/tmp/other"), base_url=None)
    assert (read.content, read.watch) == (Path("/tmp/other"), False)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FEEDSVC_BASE_URL", "news.example.org"),
        ("FEEDSVC_BASE_URL", "ftp://news.example.org/"),
        ("FEEDSVC_BASE_URL", "https://[news.example.org/"),
        ("FEEDSVC_BASE_URL", "https://news.example.org:port/"),
        ("FEEDSVC_BASE_URL", "https://news..example.org/"),
        ("FEEDSVC_BASE_URL", "https://news.example.org/\ufffe/"),
        ("FEEDSVC_WATCH", "maybe"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    """A value that cannot be used is refused at once, naming the variable."""
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


def test_serve_refuses_a_bad_setting_with_a_message(content: Path) -> None:
    """`feedsvc serve` stops before starting anything, with the variable's name."""
    result = CliRunner().invoke(
        main, ["serve", "--content", str(content)], env={"FEEDSVC_WATCH": "sometimes"}
    )
    assert result.exit_code != 0
    assert "FEEDSVC_WATCH" in result.output and "Traceback" not in result.output
