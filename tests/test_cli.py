"""`feedsvc check`: the authors' report, and its exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conftest import SAMPLE, WriteFile
from feedsvc.cli import main


def test_check_on_the_sample_is_clean() -> None:
    """The sample has no problems: exit 0 and a summary that says so."""
    result = CliRunner().invoke(main, ["check", "--content", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "8 published, 1 draft, 1 scheduled, 3 authors; 0 errors, 0 warnings"
    )


def test_check_shows_authors_their_unpublished_work() -> None:
    """Drafts and scheduled articles are listed for authors, with the go-live time."""
    output = CliRunner().invoke(main, ["check", "--content", str(SAMPLE)]).output
    assert "Drafts (not published):\n  2025/harbor-seawall-council-vote.md\n" in output
    assert "2031-06-01 09:00 UTC  2031/harbor-tricentennial-festival.md" in output


def test_check_reports_errors_and_exits_1(write: WriteFile, content: Path) -> None:
    """Each problem is printed as file:line: severity: message, with the fix."""
    write("2025/zz-broken.md", "---\ntitle: Broken\nauthor: j-williams\ndate: Oct 20\n---\n")
    result = CliRunner().invoke(main, ["check"], env={"FEEDSVC_CONTENT": str(content)})
    assert result.exit_code == 1
    assert "2025/zz-broken.md:4: error: 'date': 'Oct 20' has no year\n    fix: " in result.output
    assert result.output.splitlines()[-1].endswith("1 error, 0 warnings")


def test_warnings_alone_exit_0(write: WriteFile, content: Path) -> None:
    """Warnings are printed but do not fail an authors' CI."""
    write(
        "2025/zz-odd.md",
        "---\ntitle: Odd\nauthor: j-williams\ndate: 2025-10-20\ncolour: red\n---\nText\n",
    )
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 0
    assert "2025/zz-odd.md:5: warning: unknown field 'colour'" in result.output


def test_broken_site_yaml_exits_1(content: Path) -> None:
    """A site.yaml that cannot be used is reported like any other problem."""
    (content / "site.yaml").write_text("title: T\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    assert "site.yaml:1: error: 'url' is missing" in result.output


def test_the_installed_command_runs(content: Path) -> None:
    """The real `feedsvc` entry point, as an author would run it."""
    exe = Path(sys.executable).with_name("feedsvc")
    done = subprocess.run(
        [exe, "check"], cwd=content.parent, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "0 errors, 0 warnings" in done.stdout
