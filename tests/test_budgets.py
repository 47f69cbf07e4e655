"""Memory stays bounded: the render budget of a worker."""

from __future__ import annotations

import pytest

from feedsvc.feeds.budget import RenderBudget
from feedsvc.settings import DEFAULT_RENDER_BUDGET, Settings, SettingsError

# --- the render budget ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "kept"),
    [
        ([("put", "a", 40), ("put", "b", 40), ("put", "c", 40)], {"b", "c"}),
        ([("put", "a", 40), ("put", "b", 40), ("get", "a", 0), ("put", "c", 40)], {"a", "c"}),
        ([("put", "a", 40), ("put", "huge", 101)], {"a"}),
        ([("put", "a", 50), ("put", "a", 90)], {"a"}),
        ([("put", "a", 50), ("put", "b", 50), ("discard", "a", 0), ("put", "c", 50)], {"b", "c"}),
        ([("put", "a", 100), ("put", "b", 1)], {"b"}),
    ],
    ids=["oldest-out", "used-stays", "too-big-alone", "same-key", "discard", "exact-limit"],
)
def test_the_render_budget_keeps_the_recently_used_within_its_bytes(
    steps: list[tuple[str, str, int]], kept: set[str]
) -> None:
    """Least recently used first out, an item over the whole budget is not kept, a key
    put again is counted once; the bytes counted never pass the limit."""
    budget = RenderBudget(100)
    costs: dict[str, int] = {}
    for step, key, cost in steps:
        if step == "put":
            budget.put(key, key.upper(), cost)
            costs[key] = cost
        elif step == "get":
            assert budget.get(key) == key.upper()
        else:
            budget.discard(key)
        assert budget.size <= budget.limit
    assert {key for key in costs if budget.get(key) is not None} == kept
    assert budget.size == sum(costs[key] for key in kept)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("64M", 64 * 2**20),
        ("64mb", 64 * 2**20),
        ("512K", 512 * 2**10),
        ("1g", 2**30),
        ("1048576", 1048576),
        (" 8 M ", 8 * 2**20),
        ("0", 0),
    ],
)
def test_the_render_budget_setting_reads_sizes(value: str, expected: int) -> None:
    """FEEDSVC_RENDER_BUDGET: bytes, or K, M or G in powers of 1024; 0 keeps nothing."""
    assert Settings.from_env({"FEEDSVC_RENDER_BUDGET": value}).render_budget == expected
    assert Settings.from_env({}).render_budget == DEFAULT_RENDER_BUDGET == 64 * 2**20


@pytest.mark.parametrize("value", ["lots", "-1", "1.5M", "64 MiB", "2T", "9" * 5000])
def test_a_bad_render_budget_names_its_variable(value: str) -> None:
    """A value that is not a size stops the process with the variable's name and a fix."""
    with pytest.raises(SettingsError, match=r"FEEDSVC_RENDER_BUDGET .* e\.g\. 64M"):
        Settings.from_env({"FEEDSVC_RENDER_BUDGET": value})
