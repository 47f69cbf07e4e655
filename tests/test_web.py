"""The site through HTTP, with Flask's test client over the real app."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_home_lists_published_articles_only(client: FlaskClient) -> None:
    """The front page shows published articles and never drafts or scheduled ones."""
    page = client.get("/").get_data(as_text=True)
    assert "Trump and Putin" in page or "Budapest" in page
    assert "Seawall" not in page  # the draft
    assert "Tricentennial" not in page  # scheduled for 2031
