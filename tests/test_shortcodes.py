"""Jekyll's Liquid tags and Hugo's shortcodes: expanded as they mean, or reported and
left out; escapes shown as the generators show them; any input in one linear pass."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from feedsvc.markup import render, summarize
from feedsvc.shortcodes import MAX_NOTES, Markup, Problem, Target, expand, scan

SITE = "https://example.com/news/"
PAGE = SITE + "articles/here/"
TRAM = SITE + "articles/tram-line/"


@pytest.mark.parametrize(
    ("body", "expanded"),
    [
        # Jekyll: raw, comment
        ("a {% raw %}{{ x }} {% if %}{% endraw %} b", "a {{ x }} {% if %} b"),
        ("{% raw %}{{</* x */>}}{% endraw %}", "{{</* x */>}}"),
        ("a {% comment %}not {{ shown }}{% endcomment %}b", "a b"),
        ("a {% # a note %}b", "a b"),
        ("a {%- raw -%}  x  {%- endraw -%} b", "axb"),
        ("a {%- comment -%} gone {%- endcomment -%} b", "ab"),
        # Jekyll: highlight, with and without a language, backticks in the code
        ("{% highlight ruby %}\nx = 1\n{% endhighlight %}\nAfter.", "```ruby\nx = 1\n```\nAfter."),
        ("{% highlight ruby linenos %}\ny\n{% endhighlight %}", "```ruby\ny\n```\n"),
        ("{% highlight %}\ny\n{% endhighlight %}", "```\ny\n```\n"),
        ("{% highlight a`b %}\ny\n{% endhighlight %}", "```\ny\n```\n"),
        (
            "{% highlight md %}\nuse ```` fences\n{% endhighlight %}",
            "`````md\nuse ```` fences\n`````\n",
        ),
        ("Run {% highlight sh %}ls{% endhighlight %} now", "Run \n```sh\nls\n```\n now"),
        (
            "1. Step\n\n   {% highlight sh %}\n   ls\n   {% endhighlight %}\n",
            "1. Step\n\n   ```sh\n   ls\n   ```\n",
        ),
        # inside a highlight all is code but raw and Hugo's escapes
        (
            "{% highlight liquid %}\n{{ page.title }} {% if a %}\n{% endhighlight %}",
            "```liquid\n{{ page.title }} {% if a %}\n```\n",
        ),
        (
            "{% highlight liquid %}\n{% raw %}{% endhighlight %}{% endraw %}\n{% endhighlight %}",
            "```liquid\n{% endhighlight %}\n```\n",
        ),
        # Jekyll: links to articles, by dated name, path or slug; anchors kept
        ("[x]({% post_url 2016-03-01-tram-line %})", f"[x]({SITE}articles/tram-line/)"),
        (
            "[x]({% post_url /news/2016-03-01-tram-line %})",
            f"[x]({SITE}articles/tram-line/)",
        ),
        ("[x]({% link _posts/tram-line.md %})", f"[x]({TRAM})"),
        ("[x]({% link news/tram-line/index.markdown %})", f"[x]({TRAM})"),
        ('[x]({% link "tram-line.md" %}#the stops)', f"[x]({TRAM}#the stops)"),
        # Jekyll: the site's URL and paths (site.baseurl is in the site's URL already)
        ("{{ site.url }}/x", "https://example.com/news/x"),
        ("{{ site.url }}{{ site.baseurl }}/x.png", "https://example.com/news/x.png"),
        ("![a]({{ site.baseurl }}/x.png)", "![a](/x.png)"),
        ("![a]({{ '/x.png' | relative_url }})", "![a](/x.png)"),
        ('![a]({{ "media/a b.png" | relative_url }})', "![a](/media/a%20b.png)"),
        ('![a]({{ "/x.png" | absolute_url }})', f"![a]({SITE}x.png)"),
        ('{{ "https://other.org/x" | absolute_url }}', "https://other.org/x"),
        ('{{ "/x.png" | prepend: site.baseurl }}', "/x.png"),
        ('{{- "/x" | prepend: site.url | append: "/" -}}', "https://example.com/news/x/"),
        # Hugo: highlight, figure, ref, relref
        (
            '{{< highlight go "linenos=table" >}}\nfunc f() {}\n{{< /highlight >}}',
            "```go\nfunc f() {}\n```\n",
        ),
        ("{{% highlight lang=go %}}\nx\n{{% /highlight %}}", "```go\nx\n```\n"),
        (
            "{{< highlight html >}}\n{{ .Title }} {{< x >}}\n{{< /highlight >}}",
            "```html\n{{ .Title }} {{< x >}}\n```\n",
        ),
        ('{{< figure src="a.png" >}}', '<figure><img src="a.png" alt=""></figure>'),
        (
            '{{< figure src="a.png" alt="The <quay>" link="/big.png" width="640" title="Tides & "stuff"" >}}',
            '<figure><a href="/big.png"><img src="a.png" alt="The &lt;quay&gt;" width="640"></a><figcaption><h4>Tides &amp;</h4></figcaption></figure>',
        ),
        (
            '{{< figure src="a.png" caption="A <b>bold</b> \\"claim\\"\n\non two lines" attr="J. Doe" attrlink="https://x.org/" />}}',
            '<figure><img src="a.png" alt="A &lt;b&gt;bold&lt;/b&gt; &quot;claim&quot; on two lines"><figcaption><p>A &lt;b&gt;bold&lt;/b&gt; &quot;claim&quot; on two lines <a href="https://x.org/">J. Doe</a></p></figcaption></figure>',
        ),
        (
            "{{% figure src=`a.png` title=T %}}",
            '<figure><img src="a.png" alt=""><figcaption><h4>T</h4></figcaption></figure>',
        ),
        ('[x]({{< ref "tram-line" >}})', f"[x]({TRAM})"),
        ('[x]({{< ref "/news/tram-line/index.md#stops" >}})', f"[x]({TRAM}#stops)"),
        ('[x]({{< relref path="tram-line.md" lang="en" >}})', f"[x]({TRAM})"),
        ('[x]({{% relref "#stops" %}})', "[x](#stops)"),
        # escapes come out as the generators show them, in code or not
        ('{{</* figure src="a.png" */>}}', '{{< figure src="a.png" >}}'),
        ("`{{%/* note */%}}`", "`{{% note %}}`"),
        ("```\n{{</* ref x */>}}\n```", "```\n{{< ref x >}}\n```"),
        # Liquid in Markdown code is shown as written; shortcodes are expanded
        ("Use `{{ .Title }}` or `{% if %}`.", "Use `{{ .Title }}` or `{% if %}`."),
        (
            "```go-html-template\n{{ range .Pages }}{% x %}\n```\n",
            "```go-html-template\n{{ range .Pages }}{% x %}\n```\n",
        ),
        ("    {{ .Title }}\n", "    {{ .Title }}\n"),
        ('`{{< ref "tram-line" >}}`', f"`{TRAM}`"),
        ("`{% raw %}{{ x }}{% endraw %}`", "`{{ x }}`"),
        # unknown tags are left out, what a paired one encloses stays
        ("a {% include note.html %} b", "a  b"),
        ("{% if site.x %}kept{% endif %}", "kept"),
        ("{{< youtube abc >}}", ""),
        ("{{< note >}}kept{{< /note >}}", "kept"),
        ("{{% notice tip %}}**kept**{{% /notice %}}", "**kept**"),
        ("{{< x />}}after", "after"),
        ("{{ page.title }} and {{ site.title }}", " and "),
        # not markup: no closer
        ("a { b } {% c", "a { b } {% c"),
        ("5 {{ b", "5 {{ b"),
        # line ends as Markdown reads them
        ("a\r\n{% raw %}b\r{% endraw %}", "a\nb\n"),
    ],
)
def test_expansion(body: str, expanded: str) -> None:
    assert expand(body, SITE) == expanded


def test_a_body_without_braces_is_itself() -> None:
    body = "No markup here.\r\n"
    assert expand(body, SITE) is body
    assert scan(body) == Markup((), (), ())


LIQUID = "write what it renders to in Markdown, or put it in {% raw %}…{% endraw %}"
HUGO = "write what it renders to in Markdown, or escape it as {{</* … */>}}"


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (
            "one\n\n{% include x.html %}",
            [(3, "Liquid tag {% include %} is not supported: left out", LIQUID)],
        ),
        (
            "{% if a %}\nx\n{% endif %}",
            [(1, "Liquid tag {% if %} is not supported: left out", LIQUID)],
        ),
        ("x\n{% endif %}", [(2, "{% endif %} ends no {% if %}: left out", LIQUID)]),
        (
            "\n\n{{ page.title | upcase }}",
            [(3, "output tag {{ page.title | upcase }} is not supported: left out", LIQUID)],
        ),
        (
            "{{< tweet 1 >}}\n{{% note %}}x{{% /note %}}",
            [
                (1, "shortcode {{< tweet >}} is not supported: left out", HUGO),
                (2, "shortcode {{% note %}} is not supported: left out", HUGO),
            ],
        ),
        (
            "a\r\nb\r\n{{< /note >}}",
            [(3, "shortcode {{< /note >}} closes nothing: left out", HUGO)],
        ),
        (
            "{{< figure alt=x >}}",
            [(1, "shortcode {{< figure >}} has no src: left out", 'add src="…"')],
        ),
        ("{{< ?! >}}", [(1, "{{< ?! >}} is not a shortcode: left out", HUGO)]),
        (
            "x\n{% raw %}{{ y }}",
            [
                (2, "{% raw %} is never closed: left out", "end it with {% endraw %}"),
                (2, "output tag {{ y }} is not supported: left out", LIQUID),
            ],
        ),
        (
            "{% highlight go %}\nx",
            [(1, "{% highlight %} is never closed: left out", "end it with {% endhighlight %}")],
        ),
        (
            "{{< highlight go >}}\nx",
            [
                (
                    1,
                    "shortcode {{< highlight >}} is never closed: left out",
                    "end it with {{< /highlight >}}",
                )
            ],
        ),
        (
            "{% link {{ page.x }} %}",
            [
                (
                    1,
                    "{% link %} names no article ('{{ page.x }}'): left out",
                    "write the article's slug or file name, without variables",
                )
            ],
        ),
        (
            '{{< ref "" >}}',
            [
                (
                    1,
                    "shortcode {{< ref >}} names no article (''): left out",
                    "write the article's slug or file name, without variables",
                )
            ],
        ),
        # what is shown as written is not a problem
        ("`{{ x }}` {{</* y */>}} {% raw %}{% z %}{% endraw %}", []),
    ],
)
def test_problems_name_the_tag_and_its_line(
    body: str, problems: list[tuple[int, str, str]]
) -> None:
    assert scan(body).problems == tuple(Problem(*p) for p in problems)


def test_link_targets_are_slugs_with_their_first_line() -> None:
    body = (
        "[a]({% post_url 2016-03-01-tram-line %})\n"
        "[b]({% link _posts/tram-line.md %}) [c]({% link tram-line.md %})\n"
        '[d]({{< ref "news/harbour/index.md#wall" >}}) [e]({{< relref "#top" >}})\n'
    )
    found = scan(body)
    assert found.problems == ()
    assert found.links == (
        Target(1, "tram-line", "2016-03-01-tram-line"),  # the dated name's slug
        Target(3, "harbour", "news/harbour/index.md#wall"),
    )
    assert found.targets == ("tram-line", "harbour")


def test_problems_past_the_limit_are_counted() -> None:
    found = scan("{% x %}\n" * (MAX_NOTES + 50))
    assert len(found.problems) == MAX_NOTES + 1
    assert found.problems[-1] == Problem(MAX_NOTES, "… and 50 more like these", "")


def _finishes(work: Callable[[], object], seconds: float = 60) -> None:
    """`work` returns within `seconds` (generous: what is linear takes a second or so
    here, what is quadratic takes hours)."""
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "did not finish: not linear"


MB = 1_000_000
HOSTILE = {
    "openers": "{%" * (MB // 2),
    "shortcode openers": "{{<" * (MB // 3),
    "output openers": "{{ " * (MB // 3),
    "escape openers": "{{</*" * (MB // 5),
    "one closer at the end": "{%" * (MB // 2) + "%}",
    "unclosed raw": "{% raw %}" * (MB // 9),
    "unclosed comment": "{% comment %}" * (MB // 13),
    "unclosed highlight": "{% highlight x %}\n" * (MB // 18),
    "unclosed Hugo highlight": "{{< highlight x >}}" * (MB // 19),
    "nested tags": "{% a %}" * 10_000 + "x" + "{% enda %}" * 10_000,
    "nested shortcodes": "{{< a >}}" * 10_000 + "x" + "{{< /a >}}" * 10_000,
    "nested highlights": "{{< highlight go >}}" * 10_000 + "x" + "{{< /highlight >}}" * 10_000,
    "backtick runs": "".join("`" * n + " {{ x }} " for n in range(1, 1400)),
    "code spans and tags": "` {{ a }} " * (MB // 10),
    "quoted arguments": '{{< figure src="' + '\\"' * (MB // 2) + " >}}",
    "trimming": "{%- a -%}   " * (MB // 12),
    "lines of tags": "\n{% a %}" * (MB // 8),
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_bodies_finish_with_bounded_notes(body: str) -> None:
    def work() -> None:
        out = expand(body, SITE)
        found = scan(body)
        assert len(out) <= 3 * len(body)
        assert len(found.problems) <= MAX_NOTES + 1
        assert len(found.links) <= MAX_NOTES

    _finishes(work)


def test_render_shows_what_tags_mean() -> None:
    body = (
        "Intro, see [the line]({% post_url 2016-03-01-tram-line %}).\n\n"
        '{{< figure src="map.png" caption="Stops <script>alert(1)</script> & more" >}}\n\n'
        "{% highlight ruby %}\nputs '<b>'\n{% endhighlight %}\n\n"
        "Use `{{ .Title }}`; {% include gone.html %}done.\n"
    )
    html = render(body, PAGE, SITE)
    assert html == (
        f'<p>Intro, see <a href="{SITE}articles/tram-line/">the line</a>.</p>\n'
        f'<figure><img src="{PAGE}map.png" alt="Stops &lt;script&gt;alert(1)&lt;/script&gt; &amp; more">'
        "<figcaption><p>Stops &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p></figcaption></figure>\n"
        "<pre><code>puts '&lt;b&gt;'\n</code></pre>\n"
        "<p>Use <code>{{ .Title }}</code>; done.</p>\n"
    )


def test_summaries_have_no_markup() -> None:
    body = "{% include x.html %}On {{ site.url }}: {{< note >}}the tram{{< /note >}}."
    assert summarize(body, site=SITE) == "On https://example.com/news: the tram."
