"""`feedsvc check`: the authors' report, and its exit codes."""

from __future__ import annotations

import json
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
    write("2025/zz-odd.md", ODD.format(n=1, extra="colour: red\nupdated: 2025-10-19"))
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 0
    assert "2025/zz-odd.md:6: warning: 'updated' is before 'date'" in result.output
    assert "  'colour' in 1 file: 2025/zz-odd.md:5\n" in result.output


ODD = "---\ntitle: Odd {n}\nauthor: j-williams\ndate: 2025-10-20\n{extra}\n---\nText\n"


def test_check_groups_errors_warnings_and_folded_unknown_fields(
    write: WriteFile, content: Path
) -> None:
    """Errors first, by file; then warnings that change an article; then one line per
    unknown field name with its count and its first places, however many files have it."""
    for n in range(1, 6):
        write(f"2025/zz-odd-{n}.md", ODD.format(n=n, extra="layuot: wide\nsumary: Hi"))
    write("2025/zz-odd-6.md", ODD.format(n=6, extra="related: [no-such-article]"))
    write("2025/zz-broken.md", ODD.format(n=7, extra="draft: maybe"))
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    errors, warnings, unknown = (
        lines.index(heading)
        for heading in (
            "Errors (not published until fixed):",
            "Warnings (published, but not as written):",
            "Unknown fields (ignored; the rest of each file is read):",
        )
    )
    assert errors < warnings < unknown
    assert lines[errors + 1].startswith("2025/zz-broken.md:5: error: ")
    assert lines[warnings + 1].startswith("2025/zz-odd-6.md:5: warning: ")
    places = "2025/zz-odd-1.md:{0}, 2025/zz-odd-2.md:{0}, 2025/zz-odd-3.md:{0} and 2 more"
    assert lines[unknown + 1 :][:4] == [
        "  'layuot' in 5 files: " + places.format(5),
        "  'sumary' in 5 files: " + places.format(6),
        "    fix: did you mean 'summary'?",
        "Drafts (not published):",
    ]
    assert "unknown field" not in result.output  # never one line per file
    assert lines[-1].endswith("1 error, 11 warnings")


def test_check_json_keeps_every_problem(write: WriteFile, content: Path) -> None:
    """`--json` lists every problem one by one, in file order, and the same summary; the
    same folder gives the same bytes on every run."""
    for n in range(1, 4):
        write(f"2025/zz-odd-{n}.md", ODD.format(n=n, extra="layuot: wide"))
    run = CliRunner().invoke(main, ["check", "--json", "--content", str(content)])
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)
    assert [(p["path"], p["line"], p["message"]) for p in report["problems"]] == [
        (f"2025/zz-odd-{n}.md", 5, "unknown field 'layuot'") for n in range(1, 4)
    ]
    assert report["summary"] == {
        **{"published": 11, "drafts": 1, "scheduled": 1, "authors": 3},
        **{"errors": 0, "warnings": 3},
    }
    assert report["drafts"] == ["2025/harbor-seawall-council-vote.md"]
    again = CliRunner().invoke(main, ["check", "--json", "--content", str(content)])
    assert again.output == run.output


def test_check_json_on_a_broken_site_yaml(content: Path) -> None:
    """A site that cannot be served says so in JSON too, and exits 1."""
    (content / "site.yaml").write_text("title: T\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--json", "--content", str(content)])
    report = json.loads(result.output)
    assert (result.exit_code, report["site_usable"]) == (1, False)
    assert report["problems"][0]["message"] == "'url' is missing"


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


def test_one_problem_in_many_files_is_said_once(write: WriteFile, content: Path) -> None:
    """site.yaml's default `author` naming nobody stops every article that relies on it:
    one line with the first places and the count, not one per file; JSON keeps them all."""
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "author: nobody\n", encoding="utf-8")
    for n in range(5):
        write(f"2025/zz-unsigned-{n}.md", f"---\ntitle: Unsigned {n}\ndate: 2025-10-20\n---\n")
    output = CliRunner().invoke(main, ["check", "--content", str(content)]).output
    assert output.count("unknown author 'nobody'") == 1
    assert (
        "2025/zz-unsigned-0.md:1, 2025/zz-unsigned-1.md:1, 2025/zz-unsigned-2.md:1 and 2 more "
        "files: error: unknown author 'nobody'\n    fix: "
    ) in output
    assert output.splitlines()[-1].endswith("5 errors, 0 warnings")
    report = json.loads(
        CliRunner().invoke(main, ["check", "--json", "--content", str(content)]).output
    )
    assert sum("'nobody'" in p["message"] for p in report["problems"]) == 5
