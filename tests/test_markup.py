"""Plain text and derived summaries: sentences without the holes that markup leaves;
links in bodies made absolute under the site's sub-path."""

from __future__ import annotations

import functools
import html
import itertools
import re
import subprocess
import sys

import nh3
import pytest
from markdown_it import MarkdownIt

from feedsvc.markup import SUMMARY_LENGTH, plain_text, render, summarize, xml_text

LONG = " ".join(["The council met on Monday evening to discuss the harbor wall."] * 8)


@pytest.mark.parametrize(
    ("markdown", "summary"),
    [
        # images: the alt text in the sentence, or nothing
        ("See this ![a chart](x.png).", "See this a chart."),
        ("See this ![](x.png).", "See this."),
        ("See this ![](x.png), then that.", "See this, then that."),
        ("The ![*tide* gauge](g.png) readings.", "The tide gauge readings."),
        ("An image ![A chart of the tides.](x.png). Next.", "An image A chart of the tides. Next."),
        ("Raw <img src='x.png' alt='a chart'> and <img src='y.png'>.", "Raw a chart and."),
        # a paragraph that is only an image is a figure, not prose
        ("![a chart](x.png)\n\nThe text.", "The text."),
        ("[![a chart](x.png)](https://example.org/)\n\nThe text.", "The text."),
        ("![](x.png)\n\n![](y.png).\n\nThe text.", "The text."),
        # inline HTML, script and style
        ("Hello <span>world</span>, again.", "Hello world, again."),
        ("Un<em>believ</em>able.", "Unbelievable."),
        ("Run <script>alert('x')</script>now.", "Run now."),
        ("Styled <style>p { color: red }</style>text.", "Styled text."),
        ("Text <script>var a = 1;</script>.", "Text."),
        ("Framed <iframe src='https://x'>fallback</iframe>here.", "Framed here."),
        ("A comment <!-- not shown --> here.", "A comment here."),
        ("Hello, <span></span>.", "Hello."),
        ("<span></span>\n\nThe text.", "The text."),
        ("One<br>two  \nthree\nfour.", "One two three four."),
        # links, emphasis, code
        (
            "A [link](https://x.org/) and *some* **bold** ~~old~~ text.",
            "A link and some bold old text.",
        ),
        ("A [reference][r] link.\n\n[r]: https://example.org/", "A reference link."),
        ("Visit <https://example.org/> today.", "Visit https://example.org/ today."),
        ("Use `<script>` & friends.", "Use <script> & friends."),
        # entities: decoded once
        ("Tides &amp; Currents &copy; 2025.", "Tides & Currents © 2025."),
        ("Write &amp;lt;p&amp;gt; for a tag.", "Write &lt;p&gt; for a tag."),
        ("A&nbsp;B\u00a0C.", "A B C."),
        # punctuation next to removed content
        ("He said, ![](x.png), that it held.", "He said, that it held."),
        ("Stop. ![](x.png), he said.", "Stop. he said."),
        ("Done. ![](x.png).", "Done."),
        ("Term: ![](x.png).", "Term."),
        ("Look (![](x.png)) here.", "Look here."),
        ("Look ( ![](x.png) ) here.", "Look here."),
        ("A ( ![](x.png) aside ) here.", "A (aside) here."),
        ("Quote “ ![](x.png) ” here.", "Quote here."),
        ("The wall — ![](x.png) — held.", "The wall — held."),
        ("![](x.png), he said.", "he said."),
        # what prose writes after a space stays
        (
            "Up .5 percent on .gov sites in the \u201990s.",
            "Up .5 percent on .gov sites in the \u201990s.",
        ),
        ("Well ... maybe . . . not.", "Well ... maybe . . . not."),
        ("Say e.g., this; or etc., that at 10:30.", "Say e.g., this; or etc., that at 10:30."),
        # only paragraphs: headings, code blocks, HTML blocks and tables are left out
        ("# Title\n\nFirst.\n\n## Part\n\nSecond.", "First. Second."),
        ("First.\n\n    code block\n\n<div>block</div>\n\nSecond.", "First. Second."),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter.", "After."),
        ("> Quoted.\n\nSaid.", "Quoted. Said."),
        ("", ""),
        # XML 1.0 cannot carry these; Markdown itself turns &#xFFFF; into U+FFFD
        ("Bell\x07 and &#xFFFF; <img alt='a&#xFFFF;b'> gone.", "Bell and \ufffd ab gone."),
    ],
)
def test_summary(markdown: str, summary: str) -> None:
    """Each body gives the expected plain-text summary."""
    assert summarize(markdown) == summary


@pytest.mark.parametrize(
    ("markdown", "summary"),
    [
        # where nothing was removed, the text is as written (its whitespace aside)
        ("Press `?` for help; the `.` key repeats.", "Press ? for help; the . key repeats."),
        ("Use `;` between *statements* .", "Use ; between statements ."),
        ("Write { and } around it, and ]]> too.", "Write { and } around it, and ]]> too."),
        ("Quoi ? Oui ! Il a dit : « non ».", "Quoi ? Oui ! Il a dit : « non »."),
        ('He called it "![](x.png)" twice.', "He called it twice."),
        # a figure's caption once, though its image has it as alt text
        (
            'The pier {{< figure src="/media/p.jpg" caption="At dawn" >}} opens.',
            "The pier At dawn opens.",
        ),
        # a body imported as HTML: its paragraphs
        (
            "<p>Imported from <b>HTML</b>.</p>\n<p>Second <script>x</script>.</p>",
            "Imported from HTML. Second.",
        ),
        ("<div><img src='x.png' alt='a'>\nNo paragraph here.</div>\n\nAfter.", "After."),
        # a list's items, one after the other
        (
            "Approved:\n\n- a new pier\n- longer hours.\n- two lines\n\nAfter.",
            "Approved: a new pier; longer hours. two lines After.",
        ),
        ("1. first\n\n2. second\n", "first; second"),
    ],
)
def test_summary_keeps_what_was_written(markdown: str, summary: str) -> None:
    """Only around what was removed are spaces and marks closed up; the rest is the
    author's text, HTML paragraphs and list items included."""
    assert summarize(markdown) == summary


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>One</p><p>two</p>", "One two"),
        ("<ul><li>a</li><li>b</li></ul><table><tr><td>c</td><td>d</td></tr></table>", "a b c d"),
        ("x<br>y<br/>z", "x y z"),
        ("a <b>bold</b> <i>and</i> <code>code</code>", "a bold and code"),
        ('<img src="x.png" alt="a &quot;chart&quot; &amp; &lt;more&gt;">', 'a "chart" & <more>'),
        ("<script>alert(1)</script><style>p{}</style><template>t</template>shown", "shown"),
        ("&amp;amp; &lt;tag&gt;", "&amp; <tag>"),
        ("  spaced \n\t out  ", "spaced out"),
        ("see <img src=x.png> .", "see."),
        ("x&#1;y<img alt='a&#xFFFF;b'>", "xyab"),
    ],
)
def test_plain_text(fragment: str, text: str) -> None:
    """HTML fragments become one line of text: blocks separate words, images are alt text."""
    assert plain_text(fragment) == text


def test_long_text_is_cut_at_a_word() -> None:
    """A long body is cut at a word, within the length, with " …"."""
    summary = summarize(LONG)
    assert len(summary) <= SUMMARY_LENGTH
    assert summary.endswith(" …")
    head = summary.removesuffix(" …")
    assert LONG.startswith(head)
    assert LONG[len(head)] == " "


def test_text_that_fits_is_not_cut() -> None:
    """A summary exactly as long as the limit is kept whole."""
    text = "word " * 55 + "abcd"
    assert len(text) == 279
    assert summarize(text + "e") == text + "e"
    assert summarize(text + "e f") == "word " * 55 + "…"


@pytest.mark.parametrize(
    ("markdown", "summary"),
    [
        ("Here is the cut, and after it.", "Here is the cut …"),
        ("Here is the cut: and after it.", "Here is the cut …"),
        ("Here is the cut; and after it.", "Here is the cut …"),
        ("One two three — four five six.", "One two three …"),
        ("One two three, “four five six.", "One two three …"),
        ("One two ![](x.png), three four five six.", "One two, three …"),
        ("Averyveryverylongword.", "Averyveryverylongwo…"),
    ],
)
def test_cut_leaves_no_dangling_marks(markdown: str, summary: str) -> None:
    """No space, comma, colon, dash or opening bracket is left before the " …"."""
    assert summarize(markdown, length=20) == summary


def test_text_after_the_cut_changes_nothing() -> None:
    """Paragraphs past the cut are not needed: the summary is the same whatever they hold."""
    first = f"{LONG}\n\n"
    assert summarize(first + "More.") == summarize(first + "<script>x</script>\n\n" * 500)


BEFORE = ["", " ", " (", " “", ", ", ": ", ". ", " — "]
HOLES = [
    "![](x.png)",
    "![a chart](x.png)",
    "[![](x.png)](https://example.org/)",
    "<span></span>",
    "<span>kept</span>",
    "<script>alert(1)</script>",
    "<style>p{}</style>",
    "<!-- note -->",
    "<br>",
    "<img src=x.png>",
    '<img alt="a chart" src=x.png>',
]
AFTER = ["", " ", ".", ",", ";", ":", "!", "?", ")", "”", " .", " ,", " )", ", .", " , .", " — "]
# A space before a mark, a doubled mark, a bracket or dash before a mark, a bracket that opens
# onto a space, an empty pair, a doubled space.
HOLE = re.compile(r" [.,;:!?)\]”]|[,;:—] ?[.,;:!?]|[.!?] [,;:!?]|[.!?]\.|[(“][ .,;:!?]|\(\)|  ")


@functools.cache
def generated() -> tuple[tuple[str, str], ...]:
    """Bodies with every kind of removed content between every kind of punctuation, and
    their summaries."""
    bodies = []
    for before, hole, after in itertools.product(BEFORE, HOLES, AFTER):
        bodies.append(f"See{before}{hole}{after} more text.")
        bodies.append(f"{before.lstrip()}{hole}{after}\n\nNext paragraph.")
        bodies.append(f"First.\n\n{hole}{after}\n\n{hole}")
    return tuple((body, summarize(body)) for body in bodies)


def test_generated_bodies_have_no_holes() -> None:
    """Whatever is removed, the summary is plain text without holes or doubled spaces."""
    for body, summary in generated():
        assert "<" not in summary, body
        assert not HOLE.search(summary), (body, summary)
        assert summary == summary.strip(), body
        assert xml_text(summary) == summary, body


def test_generated_cuts_are_clean() -> None:
    """At any length, a cut summary fits, ends at a word with " …", and has no hole before it."""
    for index, (body, whole) in enumerate(generated()):
        length = 12 + index * 7 % 25  # 12 to 36 characters, against every kind of body
        summary = summarize(body, length=length)
        assert len(summary) <= length, body
        if len(whole) <= length:
            assert summary == whole, body
            continue
        assert summary.endswith("…"), body
        assert not re.search(r"[ ,;:(“—] …$", summary), (body, summary)
        assert whole.startswith(summary.removesuffix("…").removesuffix(" ")), (body, summary)


# --- links in bodies ---------------------------------------------------------------------

SITE = "https://example.com/news/"
PAGE = "https://example.com/news/articles/a/"


def hrefs(fragment: str) -> list[str]:
    """The href or src of every element in an HTML fragment, in order."""
    return re.findall(r'(?:href|src)="([^"]*)"', fragment)


@pytest.mark.parametrize(
    ("markdown", "links"),
    [
        # a path of the site keeps the site's sub-path
        ("[a](/articles/b/)", [f"{SITE}articles/b/"]),
        ("![i](/media/harbor.png)", [f"{SITE}media/harbor.png"]),
        (
            '<a href="/media/x.pdf">f</a> <img src="/media/raw.png">',
            [f"{SITE}media/x.pdf", f"{SITE}media/raw.png"],
        ),
        ("[home](/)", [SITE]),
        ("[q](/search?q=tides#top)", [f"{SITE}search?q=tides#top"]),
        # a relative link resolves against the page
        ("![r](pic.png)", [f"{PAGE}pic.png"]),
        ("[s](../other/)", [f"{SITE}articles/other/"]),
        ("[f](#notes) [q](?page=2)", [f"{PAGE}#notes", f"{PAGE}?page=2"]),
        # elsewhere: only made absolute
        ("[p](//cdn.example.net/lib.png)", ["https://cdn.example.net/lib.png"]),
        (
            "[e](https://other.example.org/x) [m](mailto:desk@example.com)",
            ["https://other.example.org/x", "mailto:desk@example.com"],
        ),
        ('<a href="http://example.com/elsewhere">h</a>', ["http://example.com/elsewhere"]),
        # as a browser reads an attribute: edges trimmed, backslashes are slashes
        ('<a href=" /media/x.pdf\n">t</a>', [f"{SITE}media/x.pdf"]),
        ('<a href="\\media\\x.pdf?a\\b">b</a>', [f"{SITE}media/x.pdf?a\\b"]),
        ('<a href="/\\evil.example/">e</a>', ["https://evil.example/"]),
        # and percent-encodes what a URL cannot carry
        ('<a href="/media/a b.pdf">s</a>', [f"{SITE}media/a%20b.pdf"]),
        ('<img src="/media/café.png">', [f"{SITE}media/caf%C3%A9.png"]),
        ("[c](/media/café.png)", [f"{SITE}media/caf%C3%A9.png"]),
        # unsafe or unusable: dropped
        ('<a href="javascript:alert(1)">j</a> <a href="//[oops/">o</a> <a href="///x">x</a>', []),
    ],
)
def test_links_resolve_under_the_sites_sub_path(markdown: str, links: list[str]) -> None:
    """Site paths resolve against the site's URL, relative links against the page."""
    assert hrefs(render(markdown, PAGE, SITE)) == links


def test_no_url_is_left_unresolved() -> None:
    """`cite` (which nh3 does not resolve, and readers do not show) is dropped: no URL in a
    body is left relative, off the site's sub-path."""
    quoted = (
        '<blockquote cite="/articles/x/">a</blockquote> <q cite="n/">b</q> <ins cite="/m">c</ins>'
    )
    assert "cite" not in render(quoted, PAGE, SITE)


ROOT_PAGE = "https://example.com/articles/a/"
WRITTEN = [
    "/articles/b/",
    "/media/x.png?size=2#top",
    "pic.png",
    "../other/",
    "../../../../up",
    "#notes",
    "?page=2",
    "",
    "//cdn.example.net/lib.png",
    "///x",
    " /media/x.pdf\n",
    "/media/\ta b.pdf",
    "\\media\\x.pdf?a\\b#c\\d",
    "/\\evil.example/x",
    '/p{x}`"<>?q{x}\'`"#f{x}\'`"',
    "/media/café.png?ä#ö",
    "/media/100%25.png",
    "https://other.example.org/x",
]


@pytest.mark.parametrize("link", WRITTEN)
def test_links_at_the_host_root_resolve_as_before(link: str) -> None:
    """For a site at its host's root, a link comes out as nh3's own resolving (the WHATWG URL
    rules, which it used before sub-paths were kept) made it."""
    attribute = html.escape(link)
    body = f'<a href="{attribute}">x</a> <img src="{attribute}">'
    before = nh3.clean(
        MarkdownIt("commonmark").render(body),
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
        url_relative=("rewrite_with_base", ROOT_PAGE),
    )
    assert hrefs(render(body, ROOT_PAGE, "https://example.com/")) == hrefs(before)


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        (
            'Dusk then <figure><img src="b.png" alt="Dawn"><figcaption>At dawn</figcaption>'
            '</figure> and <img src="c.png" alt="noon">',
            "Dusk then At dawn and noon",
        ),
        (
            'Dusk then <figure><img src="a.png" alt="Bare"></figure> and <figure>'
            '<img src="b.png" alt="Dawn"><figcaption>At dawn</figcaption></figure>',
            "Dusk then Bare and At dawn",
        ),
    ],
)
def test_only_a_captioned_figures_image_gives_way_to_its_caption(fragment: str, text: str) -> None:
    """An image outside a figure, or in one with no caption, is its alt text."""
    assert plain_text(fragment) == text


def test_a_paragraph_of_thousands_of_images_is_summarized_at_once() -> None:
    """An article with no `summary` whose body is 50,000 inline images (a gallery pasted
    as HTML, 800 KB) is summarized in one pass: a lookahead from each image took minutes,
    in the request that renders its feeds (gunicorn stops a worker after 30 s)."""
    code = "from feedsvc.markup import summarize; summarize('Photos ' + '<img src=a.png>' * 50000)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


UNPUBLISHED_LINKS = (
    'See [the plan][p], [the vote]({% post_url secret-plan %} "The vote"), '
    "<{% post_url secret-plan %}> and [the timetable]({% post_url timetable %}).\n\n"
    "[p]: {% post_url secret-plan %}\n"
)
TARGETS = {"secret-plan": None, "timetable": "rail-winter-timetable"}


def test_a_link_to_an_unpublished_article_is_its_text_in_every_form() -> None:
    """Inline, titled, reference-style or an autolink: the text stays, the address and the
    slug go, in the HTML and in the summary; a link by an old slug leads to the new one."""
    page = "https://s.example/articles/x/"
    body = render(UNPUBLISHED_LINKS, page, "https://s.example/", TARGETS)
    assert "secret" not in body and "unpublished" not in body
    assert "<a>the plan</a>" in body and ">the vote</a>" in body
    assert 'href="https://s.example/articles/rail-winter-timetable/"' in body
    summary = summarize(UNPUBLISHED_LINKS, site="https://s.example/", targets=TARGETS)
    assert summary == "See the plan, the vote, and the timetable."


def test_what_stands_for_an_unpublished_link_is_nothing_an_author_can_write() -> None:
    """An author's own text that looks like an address of some scheme is kept as written."""
    text = "We write `feedsvc-unpublished:` and unpublished: both as text."
    assert "feedsvc-unpublished:" in render(text, "https://s.example/", "https://s.example/", {})
    assert summarize(text, targets={}) == text.replace("`", "")
