"""The per-field tables of the two kinds of content file, articles and authors: each field's
reader, whether it is required, its default, and the Jekyll and Hugo names that stand for it."""

from __future__ import annotations

from datetime import datetime

from feedsvc.dates import DateError, parse_date
from feedsvc.loading import conventions, fields
from feedsvc.loading.fields import FieldError
from feedsvc.loading.table import FILE_DATE, SITE_AUTHOR, Field, Reading, plain


def _date(value: object, name: str, reading: Reading) -> datetime:
    """A date field, with its correction (if any) reported as a warning."""
    site = reading.site
    assert site is not None  # articles are read for a site
    try:
        parsed = parse_date(value, site.timezone, day_first=site.day_first)
    except DateError as failed:
        raise FieldError(f"'{name}': {failed.message}", failed.hint) from None
    if parsed.warning:
        reading.warn(name, parsed.warning, "write the time you mean, with its UTC offset")
    return parsed.value


# Each field of an article file. `also`: the names that stand for it when it is absent,
# the first one given being read (so feedsvc's own field wins): Jekyll's and Hugo's
# (J, H), the file's name, site.yaml. The rows below the line are theirs alone.
# Ignored without a word: `conventions.PRESENTATION` (layout, weight, toc, …).
ARTICLE_FIELDS: dict[str, Field] = {
    "title": Field(plain(fields.text), required=True),
    "author": Field(
        plain(fields.reference_list),  # a slug in any case, or a name: `rules` resolves it
        required=True,
        also=("authors", SITE_AUTHOR),  # authors: J, H
        missing="add a line 'author: …', or a default 'author' in site.yaml",
    ),
    "date": Field(
        _date,
        required=True,
        also=(FILE_DATE, "publishDate"),  # 2016-03-01-name.md: J; publishDate: H
        missing="add a line 'date: …', or start the file's name with the date: 2025-10-20-…",
    ),
    "updated": Field(_date, also=("lastmod", "last_modified_at")),  # H; J's plugin
    "summary": Field(plain(fields.text), also=("excerpt", "description")),  # J; H, J's SEO
    "tags": Field(conventions.terms, default=(), also=("categories", "category"), merge=True),
    "related": Field(conventions.related, default=()),  # `related: true`: a J theme's switch
    "slug": Field(plain(fields.slug)),  # H too
    "id": Field(plain(fields.uri)),
    "draft": Field(plain(fields.flag), default=False),  # H too
    "image": Field(conventions.image, also=("images",)),  # images: H, the first of a list
    "aliases": Field(conventions.aliases, default=((), ())),  # H: paths → redirects
    # --- Jekyll's and Hugo's alone -------------------------------------------------
    "published": Field(plain(fields.flag)),  # J: `published: false` is a draft
    "publishDate": Field(_date),  # H: goes live at the later of it and `date`
    "expiryDate": Field(_date),  # H: out of every feed from then on
    # Old site paths answering 301 to the article: J's plugin, J, H.
    "redirect_from": Field(conventions.redirects, default=()),
    "permalink": Field(conventions.redirects, default=()),
    "url": Field(conventions.redirects, default=()),
}
REDIRECT_FIELDS = ("aliases", "redirect_from", "permalink", "url")

AUTHOR_FIELDS: dict[str, Field] = {
    "name": Field(plain(fields.text), required=True),
    "email": Field(plain(fields.email)),
    "url": Field(plain(fields.web_url)),
    "avatar": Field(plain(fields.link)),
}
