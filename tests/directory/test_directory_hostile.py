"""Whatever is typed, search never raises an FTS5 syntax error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csn_desk.directory.search import match_expression, search_services, tokenize
from csn_desk.workspace import Workspace
from tests.directory.dirkit import org, service

HOSTILE = ['"', '""', "'", "*", "**", "a*b", "NEAR", "NEAR(a b, 3)", "a NEAR/2 b", "-",
           "-befr", "befr -", "(", ")", "((befr", "befr))", "AND", "OR", "NOT", "a AND",
           "OR befr", "NOT NOT", "^befr", "name:befr", "{name}: x", ":", "+", "\\", "\x00",
           "befr\x00ending", "é", "ǅ", "🙂", "日本語", "x" * 10_000, "befr " * 500,
           "💩" * 300, "\u0301\u0301", "ᴬᴮ", "١٢٣"]


@pytest.fixture
def ws_with_one(ws: Workspace) -> Workspace:
    service(ws, org(ws), "Befriending visits", categories=("personal_support",))
    return ws


@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_queries_do_not_raise(ws_with_one: Workspace, typed: str) -> None:
    hits = search_services(ws_with_one, typed)
    assert isinstance(hits, list)


def test_operators_are_plain_words(ws_with_one: Workspace) -> None:
    # "befr -" and "(befr" still find the service: the punctuation is not syntax.
    assert [h.name for h in search_services(ws_with_one, "(befr -")] == ["Befriending visits"]
    assert search_services(ws_with_one, "befr NOT") == []  # NOT is a word that must match


def test_tokenize_folds_and_bounds() -> None:
    assert tokenize("Café  DL1-befr_x") == ["cafe", "dl1", "befr", "x"]
    assert len(tokenize("w " * 1000)) <= 8
    assert all(len(t) <= 40 for t in tokenize("y" * 5000))
    assert match_expression(["befr", "dl1"]) == '"befr"* AND "dl1"*'
    # One or two letters search names, organisations and categories only.
    assert match_expression(["lu"]) == '{name organisation categories} : "lu"*'


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(ws_with_one: Workspace, typed: str) -> None:
    assert isinstance(search_services(ws_with_one, typed), list)
