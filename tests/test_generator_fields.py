"""Jekyll and Hugo content as it comes: file names, fences, bundles, their fields, authors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import WriteFile, make_app
from feedsvc.feeds import every_feed
from feedsvc.live import Library
from feedsvc.loading import Content, load
from feedsvc.loading.conventions import route_of
from feedsvc.model import Article, Problem
from feedsvc.textpass import MAX_NOTES
from feedsvc.urls import FeedKey, site_path

ZONE = ZoneInfo("America/New_York")  # the sample site's
BASE = "---\ntitle: A Post\nauthor: j-williams\ndate: 2025-10-20 09:00\n"


def loaded(write: WriteFile, content: Path, rel: str, text: str) -> tuple[Article, Content]:
    """The article a file gives, and the whole load (which must have no errors)."""
    write(rel, text)
    found = load(content)
    errors = [p.format() for p in found.problems if p.severity == "error"]
    assert not errors, errors
    return next(a for a in found.articles if a.source == rel), found


def problems_of(found: Content, rel: str) -> list[Problem]:
    """The problems of one file."""
    return [p for p in found.problems if p.path == rel]


def at(text: str) -> datetime:
    """A time in the sample site's zone, in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


def put(content: Path, rel: str, text: str) -> None:
    """Write a file exactly (the `write` fixture strips leading blank lines)."""
    (content / rel).parent.mkdir(parents=True, exist_ok=True)
    (content / rel).write_text(text, encoding="utf-8")


# The mapping, row by row: front matter added to BASE → (field of the article, value).
MAPPING: list[tuple[str, str, Any]] = [
    ("tags: [city]\ncategories: [rail, city]\n", "tags", ("city", "rail")),
    ("category: rail\n", "tags", ("rail",)),
    ("categories: release news\n", "tags", ("release", "news")),  # Jekyll splits on spaces
    ("categories: rail, city news\n", "tags", ("rail", "city news")),
    ("tags: New York\ncategories: [rail]\n", "tags", ("New York", "rail")),  # feedsvc's own
    ("excerpt: Short.\n", "summary", "Short."),
    ("description: Short.\n", "summary", "Short."),
    ("summary: Own.\ndescription: Theirs.\n", "summary", "Own."),
    ("lastmod: 2025-10-21 09:00\n", "updated", at("2025-10-21 09:00")),
    ("updated: 2025-10-22 09:00\nlastmod: 2025-10-21 09:00\n", "updated", at("2025-10-22 09:00")),
    ("published: false\n", "draft", True),
    ("published: true\n", "draft", False),
    ("draft: false\npublished: false\n", "draft", False),
    ("publishDate: 2025-10-25 09:00\n", "published", at("2025-10-25 09:00")),
    ("publishDate: 2025-10-01 09:00\n", "published", at("2025-10-20 09:00")),  # the later
    ("expiryDate: 2026-01-01\n", "expires", at("2026-01-01 00:00")),
    ("images: ['https://x.org/a.png', 'https://x.org/b.png']\n", "image", "https://x.org/a.png"),
    ("image: /media/harbor.png\nimages: [https://x.org/a.png]\n", "image", "/media/harbor.png"),
    (
        "redirect_from: [/old/post/, /older/post.html]\n",
        "redirects",
        ("/old/post", "/older/post.html"),
    ),
    ("redirect_from: /old/post/\n", "redirects", ("/old/post",)),
    ("permalink: /2025/10/20/a-post.html\n", "redirects", ("/2025/10/20/a-post.html",)),
    ("url: /news/a-post/\n", "redirects", ("/news/a-post",)),
    ("aliases: [/0-20-1/, old-post]\n", "redirects", ("/0-20-1",)),
    ("aliases: [/0-20-1/, old-post]\n", "aliases", ("old-post",)),
    ("layout: post\nweight: 3\ntoc: true\ncomments: false\nmenu: main\n", "title", "A Post"),
    ("related: true\n", "related", ()),  # a theme's "related posts" switch
    ("resources: [{src: a.png, title: A}]\nisCJKLanguage: false\n", "title", "A Post"),
]


@pytest.mark.parametrize(("extra", "attribute", "value"), MAPPING)
def test_the_mapping(
    write: WriteFile, content: Path, extra: str, attribute: str, value: Any
) -> None:
    """Each Jekyll or Hugo field lands where it means; feedsvc's own wins; presentation
    fields are skipped without a word."""
    article, found = loaded(write, content, "2025/zz-post.md", BASE + extra + "---\nBody.\n")
    assert getattr(article, attribute) == value
    assert problems_of(found, "2025/zz-post.md") == []


def test_tags_in_a_jekyll_post_split_on_spaces(write: WriteFile, content: Path) -> None:
    """In a dated file (a Jekyll post) `tags: rail city` is two tags, as Jekyll reads it."""
    text = BASE + "tags: rail city\ncategories: 'release news'\n---\n"
    article, _ = loaded(write, content, "2025/2025-10-20-zz-post.md", text)
    assert article.tags == ("rail", "city", "release", "news")


@pytest.mark.parametrize(
    "extra",
    [
        "permalink: /:categories/:title/\n",
        "permalink: pretty\n",
        "redirect_from: [/:year/:month/:title.html, /old/post/]\n",
        "aliases: [/news/:slug/, /old/post/]\n",
    ],
)
def test_a_permalink_pattern_is_ignored_with_a_warning(
    write: WriteFile, content: Path, extra: str
) -> None:
    """Jekyll's permalink patterns and styles name no URL: never a redirect that cannot
    match, but one warning at the field's line; the article publishes."""
    article, found = loaded(write, content, "2025/zz-post.md", BASE + extra + "---\n")
    assert article.redirects == (("/old/post",) if "/old/post/" in extra else ())
    [problem] = problems_of(found, "2025/zz-post.md")
    assert (problem.line, problem.severity, "permalink pattern" in problem.message) == (
        5,
        "warning",
        True,
    )


def test_authors_and_a_site_default_author(write: WriteFile, content: Path) -> None:
    """`authors` stands for `author`; with site.yaml's `author`, an article may name nobody."""
    text = "---\ntitle: A Post\nauthors: [m-okafor, s-lindqvist]\ndate: 2025-10-20\n---\n"
    article, _ = loaded(write, content, "2025/zz-post.md", text)
    assert article.authors == ("m-okafor", "s-lindqvist")
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "author: M-Okafor\n", encoding="utf-8")
    nobody = "---\ntitle: Nobody's\ndate: 2025-10-20\n---\n"
    article, _ = loaded(write, content, "2025/zz-nobody.md", nobody)
    assert article.authors == ("m-okafor",)


def test_publish_date_keeps_the_id_of_date(write: WriteFile, content: Path) -> None:
    """The id's date is `date`: a later `publishDate` only says when it goes live."""
    text = BASE + "publishDate: 2025-11-01 09:00\n---\n"
    article, _ = loaded(write, content, "2025/zz-post.md", text)
    assert article.id == "tag:news.example.org,2025-10-20:zz-post"
    assert article.published == article.updated == at("2025-11-01 09:00")


def test_an_expiry_before_going_live_is_a_warning(write: WriteFile, content: Path) -> None:
    """An article that would never show says so at the line of `expiryDate`."""
    _, found = loaded(write, content, "2025/zz-post.md", BASE + "expiryDate: 2025-01-01\n---\n")
    [problem] = problems_of(found, "2025/zz-post.md")
    assert (problem.line, problem.severity, "never shows" in problem.message) == (
        5,
        "warning",
        True,
    )


def test_other_unknown_fields_are_one_warning_each(write: WriteFile, content: Path) -> None:
    """A field nobody reads is still a warning, at its line."""
    _, found = loaded(write, content, "2025/zz-post.md", BASE + "layout: post\nversion: 4\n---\n")
    assert [(p.line, p.message) for p in problems_of(found, "2025/zz-post.md")] == [
        (6, "unknown field 'version'")
    ]


@pytest.mark.parametrize(
    ("rel", "slug", "aliases", "day"),
    [
        ("2016-03-01-tram-line.md", "tram-line", ("2016-03-01-tram-line",), "2016-03-01"),
        (
            "news/2016-03-01-Tram Line.markdown",
            "tram-line",
            ("2016-03-01-tram-line",),
            "2016-03-01",
        ),
        ("news/tram-line.markdown", "tram-line", (), None),
    ],
)
def test_dated_file_names(  # noqa: PLR0917 - a parametrized table
    write: WriteFile, content: Path, rel: str, slug: str, aliases: tuple[str, ...], day: str | None
) -> None:
    """`YYYY-MM-DD-name`: the slug is the name, the date the file's when `date` is absent,
    and the full stem the first alias, so the id is the one the stem gave before."""
    head = "---\ntitle: A Post\nauthor: j-williams\n" + ("" if day else "date: 2016-03-01\n")
    article, _ = loaded(write, content, rel, head + "---\nBody.\n")
    assert (article.slug, article.aliases) == (slug, aliases)
    assert article.published == at("2016-03-01 00:00")
    assert article.id == f"tag:news.example.org,2016-03-01:{(aliases or (slug,))[0]}"


def test_a_dated_name_keeps_an_explicit_slug_and_older_aliases(
    write: WriteFile, content: Path
) -> None:
    """`slug:` wins and adds no alias; explicit aliases stay first, so the id stays."""
    text = "---\ntitle: T\nauthor: j-williams\naliases: [first-name]\n---\n"
    article, _ = loaded(write, content, "2016-03-01-tram-line.md", text)
    assert article.aliases == ("first-name", "2016-03-01-tram-line")
    assert article.id.endswith(":first-name")
    text = "---\ntitle: T\nauthor: j-williams\nslug: tram\n---\n"
    article, _ = loaded(write, content, "2016-03-02-tram-line.md", text)
    assert (article.slug, article.aliases, article.id[-5:]) == ("tram", (), ":tram")


def test_the_old_dated_name_redirects(write: WriteFile, content: Path) -> None:
    """/articles/<full stem>/ answers 301 to the article, as any alias does."""
    write("2016-03-01-tram-line.md", "---\ntitle: T\nauthor: j-williams\n---\nBody.\n")
    response = make_app(content).test_client().get("/articles/2016-03-01-tram-line/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/articles/tram-line/")


def test_toml_front_matter_and_its_lines(write: WriteFile, content: Path) -> None:
    """`+++` fences hold TOML: typed dates and numbers read as the YAML ones; problems
    name the line a scan found."""
    text = (
        '+++\ntitle = "3.10 is out"\nauthor = "j-williams"\n'
        "date = 2025-10-20T09:00:00+02:00\ntags = [3.10, 2025]\nweight = 4\n"
        'aliases = ["/3-10/"]\n[params]\nx = 1\n+++\nBody.\n'
    )
    article, found = loaded(write, content, "2025/zz-toml.md", text)
    assert (article.title, article.tags) == ("3.10 is out", ("3.10", "2025"))
    published = datetime(2025, 10, 20, 7, tzinfo=UTC)
    assert (article.published, article.redirects) == (published, ("/3-10",))
    assert [(p.line, p.message) for p in problems_of(found, "2025/zz-toml.md")] == [
        (8, "unknown field 'params'")
    ]
    write("2025/zz-toml.md", text.replace("weight = 4", 'updated = "later"'))
    [problem] = [p for p in problems_of(load(content), "2025/zz-toml.md") if p.line != 8]
    assert (problem.line, problem.severity, "'later' is not a date" in problem.message) == (
        6,
        "error",
        True,
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('+++\ntitle = "x"\ndate = \n+++\n', 3, "not valid TOML"),
        ('+++\ntitle = "x"\ntitle = "y"\n+++\n', 3, "not valid TOML"),
        ('\n\n+++\ntitle = "x"\n', 3, "never closed"),
        ("\n\n---\ntitle: x\nauthor: [j\n---\n", 6, "not valid YAML"),
    ],
)
def test_unreadable_front_matter(
    write: WriteFile, content: Path, text: str, line: int, message: str
) -> None:
    """Broken TOML or YAML after blank lines: one error at the right line."""
    put(content, "2025/zz-bad.md", text)
    [problem] = problems_of(load(content), "2025/zz-bad.md")
    assert (problem.line, message in problem.message) == (line, True)


def test_blank_lines_before_the_front_matter(write: WriteFile, content: Path) -> None:
    """Hugo's files often start with a blank line: lines still count from the file's top."""
    text = "\n\n" + BASE + "tittle: typo\n---\nBody.\n"
    put(content, "2025/zz-blank.md", text)
    found = load(content)
    [problem] = problems_of(found, "2025/zz-blank.md")
    assert (problem.line, problem.message) == (7, "unknown field 'tittle'")
    article = next(a for a in found.articles if a.slug == "zz-blank")
    assert found.body(article) == "Body.\n"


def test_yaml_front_matter_may_end_with_dots(write: WriteFile, content: Path) -> None:
    """Jekyll accepts YAML's document end `...` as the closing fence; a later `---` is body."""
    put(content, "2025/zz-dots.md", BASE + "...\nBody.\n\n---\n\nMore.\n")
    found = load(content)
    assert problems_of(found, "2025/zz-dots.md") == []
    article = next(a for a in found.articles if a.slug == "zz-dots")
    assert found.body(article) == "Body.\n\n---\n\nMore.\n"


@pytest.mark.parametrize(
    "extra",
    [
        "tags:\ncategories:\nimage:\nlastmod:\nredirect_from:\n",
        "description: ''\nimages: []\naliases: []\nsummary: ' '\n",
    ],
)
def test_optional_fields_left_empty_are_absent(write: WriteFile, content: Path, extra: str) -> None:
    """An archetype's fields not filled in (`tags:`, `images = []`) publish as if absent."""
    article, found = loaded(write, content, "2025/zz-post.md", BASE + extra + "---\nBody.\n")
    assert (article.tags, article.image, article.summary, article.redirects) == ((), None, None, ())
    assert article.updated == article.published
    assert problems_of(found, "2025/zz-post.md") == []


def test_page_bundles(write: WriteFile, content: Path) -> None:
    """`<name>/index.md` is the article `<name>`; other Markdown in the folder (and its
    sub-folders) is the bundle's, not an article; a relative image is a file beside it."""
    write("news/tram-line/notes.md", BASE + "---\nA resource.\n")
    write("news/tram-line/more/deep.md", BASE + "---\nA resource.\n")
    index = BASE + "image: cover.png\n---\nBody.\n"
    article, found = loaded(write, content, "news/tram-line/index.markdown", index)
    assert (article.slug, article.bundle) == ("tram-line", "news/tram-line")
    assert article.image == "/articles/tram-line/cover.png"
    assert not [
        a for a in found.articles if a.source.startswith("news/tram-line/") and a is not article
    ]
    assert not [p for p in found.problems if p.path.startswith("news/")]


def loaded_rel(write: WriteFile, content: Path, rel: str, text: str) -> Content:
    """The load after writing one file (errors allowed)."""
    write(rel, text)
    return load(content)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/rss.xml",
        "/atom.xml",
        "/healthz",
        "/articles/old-post/",
        "/media/a.png",
        "/static/style.css",
        "/authors/j-williams/",
        "/authors/j-williams/atom.xml",
    ],
)
def test_a_redirect_onto_a_route_is_an_error(write: WriteFile, content: Path, path: str) -> None:
    """An old path that the service answers itself keeps the file out, at its line."""
    found = loaded_rel(
        write, content, "2025/zz-post.md", BASE + f"redirect_from: ['{path}']\n---\n"
    )
    [problem] = problems_of(found, "2025/zz-post.md")
    assert (problem.line, problem.severity) == (5, "error")
    assert "zz-post" not in {a.slug for a in found.articles}


def test_every_route_of_the_app_is_refused() -> None:
    """Each rule the web app routes (with a sample value) is a route for redirects."""
    from feedsvc import create_app  # noqa: PLC0415
    from feedsvc.settings import Settings  # noqa: PLC0415

    sample = Path(__file__).resolve().parent.parent / "articles"
    app = create_app(Settings(content=sample, watch=False))  # type: ignore[call-arg]
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", "x").replace(f"<path:{argument}>", "x/y")
        assert route_of(site_path(path)) is not None, rule.rule


def test_two_articles_with_one_old_path(write: WriteFile, content: Path) -> None:
    """The earlier article keeps a shared old path; the other is an error at its line."""
    write("2025/zz-first.md", BASE + "url: /news/x/\n---\n")
    text = BASE.replace("2025-10-20", "2025-10-21") + "tags: [a]\naliases: [/news/x]\n---\n"
    found = loaded_rel(write, content, "2025/zz-second.md", text)
    [problem] = problems_of(found, "2025/zz-second.md")
    assert (problem.line, problem.message) == (
        6,
        "old path '/news/x' is already used by 2025/zz-first.md",
    )
    assert {a.slug for a in found.articles} >= {"zz-first"}
    assert "zz-second" not in {a.slug for a in found.articles}


@pytest.mark.parametrize(
    ("file", "name", "reference"),
    [
        ("mattr-", "Matt R", "mattr-"),
        ("dirtyf", "Frank", "DirtyF"),
        ("DirtyF", "Frank", "dirtyf"),
        ("jdoe", "Jane  Doe", "jane doe"),
    ],
)
def test_author_references(
    write: WriteFile, content: Path, file: str, name: str, reference: str
) -> None:
    """A file name safe in a URL is a slug; a reference matches it in any case, or the
    author's name; the published article names the slug."""
    write(f"authors/{file}.md", f"---\nname: {name}\n---\n")
    text = BASE.replace("author: j-williams", f"author: '{reference}'") + "---\n"
    article, found = loaded(write, content, "2025/zz-post.md", text)
    assert article.authors == (file,)
    assert file in found.authors


def test_author_files_differing_in_case_and_shared_names(write: WriteFile, content: Path) -> None:
    """Two author files one case apart: the second is an error; a name two authors share
    is ambiguous, an error naming both."""
    write("authors/Jane.md", "---\nname: Jane Doe\n---\n")
    write("authors/jane.md", "---\nname: Jane Other\n---\n")
    write("authors/jdoe.md", "---\nname: jane doe\n---\n")
    write("2025/zz-post.md", BASE.replace("author: j-williams", "author: Jane Doe") + "---\n")
    found = load(content)
    assert [(p.path, p.severity) for p in found.problems] == [
        ("2025/zz-post.md", "error"),
        ("authors/jane.md", "error"),
    ]
    assert "'Jane' and 'jdoe'" in found.problems[0].message
    assert "Jane" in found.authors and "jane" not in found.authors


def test_an_unsafe_author_file_name_is_an_error(write: WriteFile, content: Path) -> None:
    """A file name that is no URL path segment says how to rename it."""
    write("authors/Jane Doe.md", "---\nname: Jane Doe\n---\n")
    [problem] = [p for p in load(content).problems if p.path.startswith("authors/")]
    assert "jane-doe.md" in problem.hint


def test_a_renamed_author_decides_again_live(write: WriteFile, content: Path) -> None:
    """An article naming an author by name follows that author's file: a new name drops
    it, the old name back brings it back."""
    lib = Library(content)
    write("2025/zz-post.md", BASE.replace("author: j-williams", "author: Jo Writer") + "---\n")
    write("authors/jw.md", "---\nname: Jo Writer\n---\n")
    lib.refresh({"2025/zz-post.md", "authors/jw.md"})
    assert lib.catalog().by_slug["zz-post"].authors == ("jw",)
    write("authors/jw.md", "---\nname: Jo Other\n---\n")
    lib.refresh({"authors/jw.md"})
    assert "zz-post" not in lib.catalog().by_slug
    assert any("unknown author 'Jo Writer'" in p.message for p in lib.problems)
    write("authors/jw.md", "---\nname: Jo Writer\n---\n")
    lib.refresh({"authors/jw.md"})
    assert lib.catalog().by_slug["zz-post"].authors == ("jw",)
    (content / "authors/jw.md").rename(content / "authors/JW.md")
    lib.refresh({"authors/jw.md", "authors/JW.md"})
    assert lib.catalog().by_slug["zz-post"].authors == ("JW",)


def test_body_tags_are_problems_at_their_lines_and_links_are_checked(
    write: WriteFile, content: Path
) -> None:
    """An unsupported tag is a warning at its line in the file; a body link to no article
    is a warning at its line with the closest slug, and one to a draft is none."""
    rel = "news/2025-10-20-linking.md"
    text = (
        BASE + "---\n\nFirst paragraph.\n\n{% include note.html %}\n\n"
        "See [it]({% post_url 2025-10-01-draft-story %}) and [that]({% post_url bridge-repairz %}).\n"
    )
    write("news/2025-10-01-draft-story.md", BASE + "draft: true\n---\nLater.\n")
    write("news/bridge-repairs.md", BASE.replace("A Post", "Bridge") + "---\nText.\n")
    article, found = loaded(write, content, rel, text)
    assert article.links == ("draft-story", "bridge-repairz")
    assert [(p.line, p.severity, p.message) for p in problems_of(found, rel)] == [
        (9, "warning", "Liquid tag {% include %} is not supported: left out"),
        (
            11,
            "warning",
            "the body links to 'bridge-repairz', which is no article: shown as text",
        ),
    ]
    assert next(p for p in problems_of(found, rel) if p.line == 11).hint == (
        "did you mean 'bridge-repairs'?"
    )


def test_a_body_link_warning_goes_when_its_target_comes(write: WriteFile, content: Path) -> None:
    """Links are decided across files like `related`: the target arriving in a running
    library clears the warning."""
    write("news/linking.md", BASE + '---\nSee {{< ref "harbour" >}}.\n')
    library = Library(content)
    assert any("'harbour'" in p.message for p in library.problems)
    write("news/harbour/index.md", BASE.replace("A Post", "Harbour") + "---\nText.\n")
    library.refresh()
    assert not any("'harbour'" in p.message for p in library.problems)


def test_a_body_link_to_an_unpublished_article_is_text_until_it_goes_live(
    write: WriteFile, content: Path
) -> None:
    """A body's or a bio's link to a draft shows its text and never its slug, in every
    feed and page, until the draft is published; then the link appears everywhere, with
    no restart. A link by an old slug leads to the renamed article."""
    write(
        "news/2025-10-20-linking.md",
        BASE.replace("j-williams", "m-okafor") + "---\n"
        "See [the plan]({% post_url 2025-10-01-secret-plan %}#costs), "
        '[the vote]({{< ref "secret-vote" >}}), bare {% post_url secret-plan %}, '
        "and [the timetable]({% post_url new-rail-timetable %}).\n",
    )
    write("news/2025-10-01-secret-plan.md", BASE + "draft: true\n---\nLater.\n")
    write("news/secret-vote.md", BASE.replace("2025-10-20", "2099-01-01") + "---\nLater.\n")
    bio = content / "authors/j-williams.md"
    bio.write_text(
        bio.read_text(encoding="utf-8") + "\nNext: [a plan]({% post_url secret-plan %}).\n"
    )
    app = make_app(content)
    lib, client = app.extensions["feedsvc"], app.test_client()
    pages = ["/", "/articles/linking/", "/authors/j-williams/", "/authors/m-okafor/"]

    def served() -> dict[str, str]:
        feeds = [key.path() for key in every_feed(lib.catalog())]
        return {url: client.get(url).get_data(as_text=True) for url in [*pages, *feeds]}

    before = served()
    for url, text in before.items():
        assert "secret" not in text and "feedsvc-unpublished" not in text, url
    assert "the plan" in before["/articles/linking/"]
    page = before["/articles/linking/"]
    assert "<a>the plan</a>, <a>the vote</a>, bare , and" in page
    assert "/articles/regional-rail-winter-timetable/" in page  # through its alias
    write("news/2025-10-01-secret-plan.md", BASE + "---\nNow.\n")
    assert lib.refresh()
    after = served()
    plan = "/articles/secret-plan/#costs"
    assert plan in after["/articles/linking/"] and plan in after["/atom.xml"]
    # A feed the new article does not enter changes too: its entry links to it now.
    assert plan in after[FeedKey("author", "m-okafor", "atom").path()]
    assert "/articles/secret-plan/" in after["/authors/j-williams/"]
    assert "secret-vote" not in "".join(after.values())  # still scheduled


def test_every_link_of_a_body_or_bio_with_hundreds_of_them_is_served(
    write: WriteFile, content: Path
) -> None:
    """A round-up that links to more articles than a file's problems list can hold links
    to every published one, in its page and in a bio; a draft among them stays text."""
    count = MAX_NOTES + 20
    for n in range(count):
        write(f"news/story-{n}.md", BASE + f"draft: {str(n == count - 1).lower()}\n---\nText.\n")
    links = " ".join(f"[s{n}]({{% post_url story-{n} %}})" for n in range(count))
    write("news/round-up.md", BASE + "---\n" + links + "\n")
    bio = content / "authors/j-williams.md"
    bio.write_text(bio.read_text(encoding="utf-8") + "\n" + links + "\n", encoding="utf-8")
    client = make_app(content).test_client()
    for url in ["/articles/round-up/", "/authors/j-williams/"]:
        page = client.get(url).get_data(as_text=True)
        linked = set(re.findall(r'href="[^"]*/articles/(story-\d+)/"', page))
        assert linked == {f"story-{n}" for n in range(count - 1)}, url
        assert f"<a>s{count - 1}</a>" in page and f"story-{count - 1}/" not in page


def test_empty_stand_ins_give_way_and_an_empty_draft_leaves_published_false(
    write: WriteFile, content: Path
) -> None:
    """An archetype's empty fields are as if absent: Hugo's `authors = []` gives way to the
    site's author, an empty `date` to the file name's, and an empty `draft` to Jekyll's
    `published: false`, so that post stays a draft."""
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "author: m-okafor\n", encoding="utf-8")
    toml = '+++\ntitle = "Ferry Times"\nauthors = []\ndate = 2025-10-20\n+++\nBody.\n'
    article, _ = loaded(write, content, "news/ferry-times.md", toml)
    assert article.authors == ("m-okafor",)
    dated = "---\ntitle: Dated\ndate:\n---\nBody.\n"
    article, _ = loaded(write, content, "news/2025-10-21-dated.md", dated)
    assert article.published.date().isoformat() == "2025-10-21"
    hidden = "---\ntitle: Not Yet\ndate: 2025-10-20\ndraft:\npublished: false\n---\n"
    article, _ = loaded(write, content, "news/not-yet.md", hidden)
    assert article.draft


def test_a_bundle_resource_edited_live_is_no_article(content: Path) -> None:
    """The watcher names a file beside a bundle's index: it stays the bundle's, as a scan
    has it; an index added to a folder turns the files beside it into its resources."""
    put(content, "news/harbour/index.md", BASE + "---\nThe bundle.\n")
    library = Library(content)
    put(content, "news/harbour/notes.md", BASE.replace("A Post", "Notes") + "---\nNotes.\n")
    library.refresh({"news/harbour/notes.md"})
    assert [a.source for a in library.articles if a.source.startswith("news/harbour/")] == [
        "news/harbour/index.md"
    ]
    put(content, "news/pier/plan.md", BASE.replace("A Post", "Plan") + "---\nA plan.\n")
    library.refresh({"news/pier/plan.md"})
    assert "news/pier/plan.md" in {a.source for a in library.articles}
    put(content, "news/pier/index.md", BASE.replace("A Post", "The Pier") + "---\nPier.\n")
    library.refresh({"news/pier/index.md"})
    assert {a.source for a in library.articles if a.source.startswith("news/pier/")} == {
        "news/pier/index.md"
    }


def test_an_author_file_named_before_names_were_kept_is_still_found(
    write: WriteFile, content: Path
) -> None:
    """`authors/Jane_Doe.md` once had the slug `jane-doe`: articles that name it so still
    find the author, now `Jane_Doe`."""
    write("authors/Jane_Doe.md", "---\nname: J. Doe\n---\n")
    text = "---\ntitle: A Post\nauthor: jane-doe\ndate: 2025-10-20\n---\n"
    article, _ = loaded(write, content, "2025/zz-post.md", text)
    assert article.authors == ("Jane_Doe",)
