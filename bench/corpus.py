"""Write a synthetic content folder: N articles over A authors, ~5 KB Markdown bodies.

    python bench/corpus.py OUT --articles 10000 --authors 1000

Deterministic for a given size (seeded), so runs compare like with like.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    *("harbor", "council", "budget", "transit", "river", "library", "museum", "tide"),
    *("weather", "election", "court", "market", "school", "bridge", "festival", "garden"),
    *("rail", "ferry", "storm", "vote", "report", "survey", "energy", "housing", "water"),
    *("science", "health", "policy", "city", "region", "coast", "volunteer", "program"),
    *("record", "season", "evening", "morning", "public", "local", "national", "review"),
    *("plan", "study", "data", "project"),
]
TAGS = ["politics", "science", "city", "transport", "culture", "sport", "economy", "health"]
SITE = """\
title: Bench Gazette
description: A synthetic site for the benchmark.
url: https://bench.example.org/
language: en
timezone: America/New_York
id_authority: bench.example.org
"""


def paragraph(rng: random.Random) -> str:
    """A paragraph of about 80 words, with a link now and then."""
    words = [rng.choice(WORDS) for _ in range(80)]
    if rng.random() < 0.3:
        words[10] = f"[{words[10]}](/articles/a{rng.randrange(100):06d}/)"
    return " ".join(words).capitalize() + "."


def body(rng: random.Random) -> str:
    """About 5 KB of Markdown: paragraphs and a subheading."""
    parts = [paragraph(rng) for _ in range(4)]
    parts.append(f"## {rng.choice(WORDS).title()} {rng.choice(WORDS)}")
    parts += [paragraph(rng) for _ in range(5)]
    return "\n\n".join(parts) + "\n"


def article(index: int, authors: int, count: int, rng: random.Random) -> str:
    """One article file's text."""
    # 37 minutes apart from 2015: even 100,000 articles are all in the past.
    date = datetime(2015, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * index)
    related = sorted({f"a{rng.randrange(count):06d}" for _ in range(2)} - {f"a{index:06d}"})
    tags = rng.sample(TAGS, 3)
    return (
        "---\n"
        f"title: Article {index} about the {rng.choice(WORDS)} {rng.choice(WORDS)}\n"
        f"author: w{index % authors:04d}\n"
        f"date: {date:%Y-%m-%dT%H:%M:%SZ}\n"
        f"tags: [{', '.join(tags)}]\n"
        f"related: [{', '.join(related)}]\n"
        f"summary: A synthetic article number {index} for the benchmark.\n"
        "---\n" + body(rng)
    )


def write_corpus(out: Path, articles: int, authors: int) -> Path:
    """Create (or replace) `out` with a site of `articles` articles by `authors` authors."""
    if out.exists():
        shutil.rmtree(out)
    (out / "authors").mkdir(parents=True)
    (out / "site.yaml").write_text(SITE, encoding="utf-8")
    for a in range(authors):
        (out / "authors" / f"w{a:04d}.md").write_text(
            f"---\nname: Writer {a}\nemail: w{a}@bench.example.org\n---\nBio of writer {a}.\n",
            encoding="utf-8",
        )
    rng = random.Random(articles)
    for i in range(articles):
        folder = out / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir()
        (folder / f"a{i:06d}.md").write_text(article(i, authors, articles, rng), encoding="utf-8")
    return out


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--authors", type=int, default=100)
    args = parser.parse_args()
    write_corpus(args.out, args.articles, args.authors)


if __name__ == "__main__":
    main()
