"""Loading rules: each broken file gives one clear problem at the right line."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import GOOD_ARTICLE as GOOD
from conftest import WriteFile
from feedsvc import runtime
from feedsvc.loading import load
from feedsvc.loading.dangling import SUGGESTIONS, closest
from feedsvc.loading.discover import folders, scan
from feedsvc.loading.site import SiteError
from feedsvc.model import Problem, Severity
from feedsvc.runtime import Child


def only_problem(root: Path) -> Problem:
    """The single problem a content folder has (the sample alone has none)."""
    problems = load(root).problems
    assert len(problems) == 1, [p.format() for p in problems]
    return problems[0]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter here\n", 1, "does not start with front matter"),
        ("---\ntitle: x\nauthor: j-williams\n", 1, "never closed"),
        ("---\ntitle: x\nauthor: [j-williams\ndate: 2025-10-20\n---\n", 4, "not valid YAML"),
        ("---\ntitle: x\n  bad: indent\n---\n", 3, "not valid YAML"),
        ("---\n- a list\n- of things\n---\n", 2, "a list, not a list of fields"),
        ("---\njust text\n---\n", 2, "plain text, not a list of fields"),
        ("---\nauthor: j-williams\ndate: 2025-10-20\n---\n", 1, "'title' is missing"),
        ("---\ntitle: x\ndate: 2025-10-20\n---\n", 1, "'author' is missing"),
        ("---\ntitle: x\nauthor: j-williams\n---\n", 1, "'date' is missing"),
        ("---\ntitle: [a, b]\nauthor: j-williams\ndate: 2025-10-20\n---\n", 2, "must be text"),
        ("---\ntitle: ''\nauthor: j-williams\ndate: 2025-10-20\n---\n", 2, "'title' is empty"),
        ("---\ntitle: x\nauthor: []\ndate: 2025-10-20\n---\n", 3, "empty list"),
        ("---\ntitle: x\nauthor: nobody\ndate: 2025-10-20\n---\n", 3, "unknown author 'nobody'"),
        ("---\ntitle: x\nauthor: j-williams\ndate: soon\n---\n", 4, "'soon' is not a date"),
        ("---\ntitle: x\nauthor: j-williams\ndate: October 2025\n---\n", 4, "has no day"),
        ("---\ntitle: x\nauthor: j-williams\ndate: Oct 20\n---\n", 4, "has no year"),
        (
            "---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nupdated: later\n---\n",
            5,
            "'updated': 'later' is not a date",
        ),
        ("---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\ndraft: maybe\n---\n", 5, "true or"),
        ("---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nslug: A B\n---\n", 5, "not a valid"),
        ("---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nid: 12\n---\n", 5, "absolute URI"),
        ("---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\ntags: {a: b}\n---\n", 5, "a list"),
        ("---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nimage: a.png\n---\n", 5, "web addr"),
        (
            "---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nrelated: [{title: t}]\n---\n",
            5,
            "needs either 'slug' or 'url'",
        ),
        (
            "---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nrelated: [ftp://x.org/]\n---\n",
            5,
            "not an absolute web address",
        ),
        (
            "---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\nslug: john-bolton-indicted\n---\n",
            5,
            "slug 'john-bolton-indicted' is already used by 2025/john-bolton-indicted.md",
        ),
        (
            "---\ntitle: x\nauthor: j-williams\ndate: 2025-12-01\naliases: [new-rail-timetable]\n---\n",
            5,
            "alias 'new-rail-timetable' is already used by 2025/rail-winter-timetable.md",
        ),
        (
            "---\ntitle: x\nauthor: j-williams\ndate: 2025-10-20\n"
            "id: 'tag:news.example.org,2025-10-16:john-bolton-indicted'\n---\n",
            5,
            "id 'tag:news.example.org,2025-10-16:john-bolton-indicted' is already used",
        ),
    ],
)
def test_broken_article(
    write: WriteFile, content: Path, text: str, line: int, message: str
) -> None:
    """Each broken file → one error naming the file and line; the file is left out."""
    write("2025/zz-broken.md", text)
    problem = only_problem(content)
    assert (problem.path, problem.line, problem.severity) == ("2025/zz-broken.md", line, "error")
    assert message in problem.message
    assert problem.hint, "every problem says how to fix it"
    assert "zz-broken" not in {a.slug for a in load(content).articles}


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("tittle: typo\n", 6, "unknown field 'tittle'"),
        ("updated: 2025-10-01\n", 6, "'updated' is before 'date'"),
        ("tags: [a]\n", 6, "'tags' is given twice"),
        ("related: [no-such-story]\n", 6, "related article 'no-such-story' does not exist"),
        ("related: [john-bolton-indictd]\n", 6, "the link is left out"),
        ("related: [john bolton indicted]\n", 6, "the link is left out"),
        ("related: [/articles/john-bolton-indicted/]\n", 6, "the link is left out"),
        ("related: [{slug: john--bolton}]\n", 6, "the link is left out"),
    ],
)
def test_warnings_still_publish(
    write: WriteFile, content: Path, extra: str, line: int, message: str
) -> None:
    """A warning is reported at its line, and the article still loads."""
    write("2025/zz-odd.md", GOOD.replace("---\nBody", extra + "---\nBody"))
    problem = only_problem(content)
    assert (problem.line, problem.severity, message in problem.message) == (line, "warning", True)
    assert "zz-odd" in {a.slug for a in load(content).articles}


def test_check_suggests_the_closest_slug_for_every_dangling_link(
    write: WriteFile, content: Path
) -> None:
    """The closest-slug hint is capped per live change, not in a whole load: `check`
    names it for every mistyped `related` entry, however many there are."""
    count = SUGGESTIONS + 10
    for n in range(count):
        odd = GOOD.replace("A Good Article", f"Odd {n}").replace(
            "---\nBody", f"slug: odd-{n}\n---\nBody"
        )
        write(f"2025/zz-odd-{n}.md", odd.replace("slug:", "related: [john-bolton-indictd]\nslug:"))
    hints = [p.hint for p in load(content).problems if "does not exist" in p.message]
    assert hints == ["did you mean 'john-bolton-indicted'?"] * count


def test_the_closest_slug_is_the_same_in_every_process() -> None:
    """Of equally close slugs the first in sorted order, whatever order they come in;
    nothing at all when none is close."""
    known = ["harbor-vots", "harbor-vote", "rail-winter-timetable"]
    assert closest("harbor-vot", known) == closest("harbor-vot", known[::-1]) == "harbor-vote"
    assert closest("zzzz", known) is None


@pytest.mark.parametrize(
    ("rel", "text"),
    [("authors/old/jw.md", "---\nname: J. W.\n---\nBio.\n"), ("authors/2025/post.md", GOOD)],
)
def test_a_file_in_a_folder_inside_authors_is_one_clear_error(
    write: WriteFile, content: Path, rel: str, text: str
) -> None:
    """Neither an author nor an article: one error that says where authors go, instead
    of an article's missing fields; nothing of it is published."""
    write(rel, text)
    problem = only_problem(content)
    assert (problem.path, problem.line, problem.severity) == (rel, 1, "error")
    assert "authors/<slug>.md" in problem.hint
    loaded = load(content)
    assert "post" not in {a.slug for a in loaded.articles} and "jw" not in loaded.authors


def test_unknown_field_suggests_the_known_one(write: WriteFile, content: Path) -> None:
    """A misspelt field name gets a suggestion."""
    write("2025/zz-odd.md", GOOD.replace("tags:", "tagz:"))
    assert only_problem(content).hint == "did you mean 'tags'?"


def test_dst_gap_is_a_warning(write: WriteFile, content: Path) -> None:
    """A time the clocks skip still publishes, moved forward, with a warning at its line."""
    write("2025/zz-gap.md", GOOD.replace("2025-10-20 09:00", "2025-03-09 02:30"))
    problem = only_problem(content)
    assert (problem.line, problem.severity) == (4, Severity.WARNING)
    article = next(a for a in load(content).articles if a.slug == "zz-gap")
    assert article.published == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)


def test_file_that_is_not_utf8(content: Path) -> None:
    """Bytes that are not UTF-8 give an error at the line they are on."""
    (content / "2025" / "zz-latin1.md").write_bytes(
        GOOD.replace("Body", "Caf\xe9").encode("latin-1")
    )
    problem = only_problem(content)
    assert (problem.line, problem.severity) == (7, Severity.ERROR)
    assert "not UTF-8" in problem.message


def test_unusual_but_valid_input_is_accepted(content: Path) -> None:
    """A BOM, CRLF line ends, Unicode everywhere and a Unicode file name just load."""
    text = "\ufeff" + GOOD.replace("A Good Article", "Ünïcödé — 東京 ☕").replace("\n", "\r\n")
    (content / "2025" / "café-東京.md").write_bytes(text.encode("utf-8"))
    loaded = load(content)
    assert loaded.problems == ()
    article = next(a for a in loaded.articles if a.title.startswith("Ünïcödé"))
    assert article.slug == "café-東京"
    assert loaded.body(article).strip() == "Body text."


def test_author_file_problems(write: WriteFile, content: Path) -> None:
    """An author without a name is an error, and so are the articles that name them."""
    write("authors/no-name.md", "---\nemail: a@b.org\n---\nBio.\n")
    write("2025/zz-by-no-name.md", GOOD.replace("j-williams", "no-name"))
    problems = load(content).problems
    assert [(p.path, p.line, p.message) for p in problems] == [
        ("2025/zz-by-no-name.md", 3, "unknown author 'no-name'"),
        ("authors/no-name.md", 1, "'name' is missing"),
    ]


def test_sample_loads_clean() -> None:
    """The bundled sample content has no problems at all."""
    loaded = load(Path(__file__).parent.parent / "articles")
    assert loaded.problems == ()
    assert len(loaded.articles) >= 8
    assert set(loaded.authors) == {"j-williams", "m-okafor", "s-lindqvist"}


def test_article_fields(content: Path) -> None:
    """Front matter becomes a typed article: UTC dates, tuples, related links, id."""
    article = next(a for a in load(content).articles if a.slug == "trump-putin-budapest-summit")
    assert article.published == datetime(2025, 10, 16, 22, 30, tzinfo=UTC)
    assert article.updated == article.published
    assert article.authors == ("j-williams",)
    assert article.related[0].slug == "john-bolton-indicted"
    assert article.id == "tag:news.example.org,2025-10-16:trump-putin-budapest-summit"


def test_ids_survive_renames_and_moves(write: WriteFile, content: Path) -> None:
    """The id comes from the fixed authority, the first date and the first slug."""
    loaded = load(content, base_url="http://localhost:9999/")
    renamed = next(a for a in loaded.articles if a.slug == "regional-rail-winter-timetable")
    assert renamed.id == "tag:news.example.org,2025-10-24:new-rail-timetable"
    assert loaded.site.url == "http://localhost:9999/"
    write("2025/zz-pinned.md", GOOD.replace("tags:", "id: urn:uuid:1b4e28ba-2fa1-11d2-883f\ntags:"))
    pinned = next(a for a in load(content).articles if a.slug == "zz-pinned")
    assert pinned.id == "urn:uuid:1b4e28ba-2fa1-11d2-883f"


def test_tags_written_as_text(write: WriteFile, content: Path) -> None:
    """`tags: rail, city` is two tags."""
    write("2025/zz-tags.md", GOOD.replace("tags: [city]", "tags: rail, city, rail"))
    article = next(a for a in load(content).articles if a.slug == "zz-tags")
    assert article.tags == ("rail", "city")


@pytest.mark.parametrize("typo", ["john-bolton-indictd", "john bolton indicted", "John_Bolton-"])
def test_a_mistyped_related_slug_suggests_the_closest(
    write: WriteFile, content: Path, typo: str
) -> None:
    """A `related` typo, slug-shaped or not, is a warning naming the entry, with the
    closest existing slug."""
    write("2025/zz-link.md", GOOD.replace("tags:", f"related: [{typo}]\ntags:"))
    problem = only_problem(content)
    assert (problem.field, problem.hint) == ("related", "did you mean 'john-bolton-indicted'?")
    assert f"'{typo}' does not exist" in problem.message


@pytest.mark.parametrize("target", ["harbor-seawall-council-vote", "old-festival-slug"])
def test_related_to_an_unpublished_or_renamed_article_is_no_warning(
    write: WriteFile, content: Path, target: str
) -> None:
    """A draft or scheduled target is no warning (its link appears once it is published),
    and an old slug from `aliases` names the renamed article."""
    festival = content / "2031/harbor-tricentennial-festival.md"
    text = festival.read_text(encoding="utf-8")
    festival.write_text(text.replace("---\n", "---\naliases: [old-festival-slug]\n", 1))
    write("2025/zz-link.md", GOOD.replace("tags:", f"related: [{target}]\ntags:"))
    assert load(content).problems == ()


def test_related_to_a_broken_file_is_a_warning(write: WriteFile, content: Path) -> None:
    """A link to a file that does not load is left out, and said; the linker publishes."""
    write("2025/zz-broken.md", "---\ntitle: x\n---\n")
    write("2025/zz-linker.md", GOOD.replace("tags:", "related: [zz-broken]\ntags:"))
    loaded = load(content)
    assert [(p.path, p.severity) for p in loaded.problems] == [
        ("2025/zz-broken.md", "error"),
        ("2025/zz-broken.md", "error"),
        ("2025/zz-linker.md", "warning"),
    ]
    assert "zz-linker" in {a.slug for a in loaded.articles}


@pytest.mark.parametrize(
    ("site_yaml", "line", "message"),
    [
        ("title: T\nid_authority: x.org\n", 1, "'url' is missing"),
        ("title: T\nurl: news.example.org\nid_authority: x.org\n", 2, "not an absolute web"),
        ("title: [T\n", 2, "not valid YAML"),
    ],
)
def test_site_settings_that_stop_a_first_start(
    content: Path, site_yaml: str, line: int, message: str
) -> None:
    """Without a usable url nothing can be linked: the load stops with the line and the fix."""
    (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load(content)
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == ("site.yaml", line)
    assert message in problem.message


@pytest.mark.parametrize(
    ("setting", "message", "field", "default"),
    [
        ("id_authority: https://x.org/\n", "not a domain", "id_authority", "x.org"),
        ("timezone: Mars/Base\n", "time zone", "timezone_name", "UTC"),
        ("language: English!\n", "language", "language", "en"),
        ("feed_size: 0\n", "at least 1", "feed_size", 50),
        ("ttl: 99999999999\n", "at least 1", "ttl", 5),
    ],
)
def test_other_site_setting_errors_take_the_default(
    content: Path, setting: str, message: str, field: str, default: object
) -> None:
    """Any other unusable setting is an error at its line, and its default stands in."""
    line = 3
    site_yaml = "title: T\nurl: https://x.org/\n" + setting
    (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
    loaded = load(content)
    problem = next(p for p in loaded.problems if p.severity == "error")
    assert (problem.path, problem.line, message in problem.message) == ("site.yaml", line, True)
    assert getattr(loaded.site, field) == default


@pytest.mark.parametrize(
    ("url", "authority"),
    [
        ("https://News.Example.org/", "news.example.org"),
        ("https://news.example.org:8443/news/", "news.example.org"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("https://faß.example/", "xn--fa-hia.example"),  # IDNA 2008, as browsers: not fass
        ("https://😀.example/", "xn--e28h.example"),  # refused by IDNA 2008: IDNA 2003's
        ("https://news.example.org./", "news.example.org"),
    ],
)
def test_a_missing_id_authority_is_the_host_of_url(content: Path, url: str, authority: str) -> None:
    """Without `id_authority` ids use the host of site.yaml's `url` (never FEEDSVC_BASE_URL),
    with a warning to pin it; pinning it to that host later changes no id."""
    (content / "site.yaml").write_text(f"title: T\nurl: {url}\n", encoding="utf-8")
    loaded = load(content, base_url="http://localhost:8000/")
    assert loaded.site.id_authority == authority
    [problem] = loaded.problems
    assert (problem.severity, problem.field) == ("warning", "id_authority")
    assert f"id_authority: {authority}" in problem.hint
    ids = {a.slug: a.id for a in loaded.articles}
    assert ids["john-bolton-indicted"] == f"tag:{authority},2025-10-16:john-bolton-indicted"
    pinned = f"title: T\nurl: {url}\nid_authority: {authority}\n"
    (content / "site.yaml").write_text(pinned, encoding="utf-8")
    assert {a.slug: a.id for a in load(content).articles} == ids


@pytest.mark.parametrize("written", ["bücher.example", "BÜCHER.example.", "xn--bcher-kva.example"])
def test_id_authority_is_one_host_however_written(content: Path, written: str) -> None:
    """A pinned `id_authority` gives the ids its host gives, in Unicode or IDNA, any case,
    with or without the final dot."""
    site = "title: T\nurl: https://bücher.example/\nid_authority: {}\n"
    (content / "site.yaml").write_text(site.format(written), encoding="utf-8")
    loaded = load(content)
    assert loaded.site.id_authority == "xn--bcher-kva.example" and not loaded.problems


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "title: T\nurl: https://x.org/\ncopyright: [unclosed\n",
            4,
            "not valid YAML: did not find",
        ),
        ("title: T\nurl: https://x.org/\nttl: " + "9" * 5000 + "\n", 1, "cannot read it: Exceeds"),
        ("title: &t T\nurl: https://x.org/\ncopyright: *t\n", 1, "it uses a YAML alias"),
    ],
)
def test_a_site_yaml_that_is_no_yaml_says_where(
    content: Path, text: str, line: int, message: str
) -> None:
    """YAML that cannot be read is an error at the line the parser stopped, in words."""
    (content / "site.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as raised:
        load(content)
    [problem] = raised.value.problems
    assert (problem.line, problem.message.startswith(message)) == (line, True), problem
    assert "0x" not in problem.message


def test_site_defaults(content: Path) -> None:
    """Only url is required; the rest has defaults (title and id_authority with a warning)."""
    (content / "site.yaml").write_text("url: https://x.org/news\n", encoding="utf-8")
    loaded = load(content)
    site = loaded.site
    assert (site.url, site.language, site.timezone_name, site.feed_size, site.ttl) == (
        "https://x.org/news/",
        "en",
        "UTC",
        50,
        5,
    )
    assert site.title == "x.org"
    assert {p.severity for p in loaded.problems} == {"warning"}


@pytest.mark.parametrize("title", ["A <em>bold</em> plan", "AT&amp;T merger", "Caf&#233; opens"])
def test_title_with_markup_is_a_warning(write: WriteFile, content: Path, title: str) -> None:
    """Titles are plain text in feeds: markup or entities in one are flagged at its line."""
    write("2025/zz-title.md", GOOD.replace("A Good Article", f"'{title}'"))
    problem = only_problem(content)
    assert (problem.line, problem.severity) == (2, "warning")
    assert "contains HTML" in problem.message


def test_scan_lists_sources_and_skips_hidden_names(write: WriteFile, content: Path) -> None:
    """`.`/`_` names, non-Markdown files and symlinked folders are not sources."""
    write("2026/deep/nested.md", GOOD)
    write("_drafts/idea.md", GOOD)
    write("2025/.wip.md", GOOD)
    write("2025/_note.md", GOOD)
    write("2025/notes.txt", "x")
    (content / "linked").symlink_to(content / "2026", target_is_directory=True)
    stamps = scan(content)
    assert "2026/deep/nested.md" in stamps
    assert "authors/j-williams.md" in stamps
    assert not [p for p in stamps if any(part[0] in "._" for part in p.split("/"))]
    assert not [p for p in stamps if p.startswith("linked/")]
    assert all(p.endswith(".md") for p in stamps)
    info = (content / "2026/deep/nested.md").stat()
    assert stamps["2026/deep/nested.md"] == (info.st_mtime_ns, info.st_size)
    assert sorted(folders(content)) == [
        ".",
        "2025",
        "2026",
        "2026/deep",
        "2031",
        "authors",
    ]  # not media/: its files are not content


def test_work_in_a_child_gives_what_it_gives_here(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan in a forked child finds the same stamps; if the child fails, or no process
    can be forked, it runs here; a child whose result is not wanted is stopped."""
    assert Child(lambda: scan(content)).result() == scan(content)
    with monkeypatch.context() as patch:
        patch.setattr(runtime.pickle, "dump", lambda *a, **k: 1 / 0)  # the child fails
        assert Child(lambda: scan(content)).result() == scan(content)

    def no_fork() -> int:
        raise OSError("no process to spare")

    with monkeypatch.context() as patch:
        patch.setattr(runtime.os, "fork", no_fork)
        assert Child(lambda: scan(content)).result() == scan(content)
    child = Child(lambda: [scan(content)] * 500)  # more than a pipe holds: it waits
    pid = child.pid
    child.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # stopped and reaped: no child left behind


@pytest.mark.parametrize(
    "make",
    [
        os.mkfifo,  # would block a reader until a writer comes
        lambda path: path.symlink_to("/dev/zero"),  # would read until memory runs out
        lambda path: path.write_text("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\nurl: x\n"),
    ],
)
def test_a_hostile_site_yaml_is_a_problem_not_a_hang(content: Path, make: Any) -> None:
    """site.yaml is read like any content file: a FIFO, a device or an alias is refused."""
    site = content / "site.yaml"
    site.unlink()
    make(site)
    with pytest.raises(SiteError) as caught:
        load(content)
    assert caught.value.problems[0].path == "site.yaml"


def test_a_looping_link_is_never_followed(content: Path) -> None:
    """Links that point at each other in a loop are skipped like any linked folder."""
    (content / "2025" / "loop-a").symlink_to(content / "2025" / "loop-b")
    (content / "2025" / "loop-b").symlink_to(content / "2025" / "loop-a")
    (content / "loop-self").symlink_to(content / "loop-self")
    loaded = load(content)
    assert "john-bolton-indicted" in {a.slug for a in loaded.articles}
