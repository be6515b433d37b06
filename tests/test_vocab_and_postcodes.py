"""Vocabularies in resources/ and postcode handling."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csn_desk import postcodes
from csn_desk.errors import InvalidInput
from csn_desk.vocab import all_vocabularies, vocab

CODE = re.compile(r"^[a-z0-9_]+$")


def test_every_vocabulary_has_unique_stable_codes_and_plain_labels() -> None:
    vocabs = all_vocabularies()
    assert {v.name for v in vocabs} >= {"needs", "channels", "enquirer_types", "routes",
                                        "age_bands", "referral_statuses", "unmet_reasons",
                                        "roles", "formats"}
    for v in vocabs:
        assert len(set(v.codes)) == len(v.codes), v.name
        for term in v.terms:
            assert CODE.match(term.code), (v.name, term.code)
            assert term.label.strip() == term.label != "", (v.name, term.code)
            assert term.label[0].isupper() or term.label[0].isdigit(), (v.name, term.code)


def test_need_categories_follow_the_directory_design() -> None:
    needs = vocab("needs")
    assert len(needs.codes) == 20
    assert needs.label("digital") == "Help getting online"
    assert all(t.description for t in needs.terms)  # one-line description for the counter


def test_vocab_check_names_the_field() -> None:
    with pytest.raises(InvalidInput, match="channel"):
        vocab("channels").check("carrier_pigeon", "channel")
    assert vocab("channels").check("phone") == "phone"


@pytest.mark.parametrize("typed, expected", [
    ("dl1 1aa", "DL1 1AA"), ("DL11AA", "DL1 1AA"), (" dl3  6hn ", "DL3 6HN"),
    ("sw1a1aa", "SW1A 1AA"), ("m1 1ae", "M1 1AE"), ("gir0aa", "GIR 0AA"),
])
def test_postcodes_normalise(typed: str, expected: str) -> None:
    assert postcodes.normalise(typed) == expected


@pytest.mark.parametrize("typed", ["", "DL1", "12345", "DL1 1A", "ZZZZ 1AA", "DL1 AAA"])
def test_not_postcodes_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="not a UK postcode"):
        postcodes.normalise(typed)


def test_district_from_full_postcode_or_district() -> None:
    assert postcodes.district("dl1 1aa") == "DL1"
    assert postcodes.district("dl14") == "DL14"
    assert postcodes.district("SW1A 1AA") == "SW1A"


@given(st.text(max_size=30))
def test_postcode_parsing_never_crashes(text: str) -> None:
    try:
        result = postcodes.normalise(text)
    except InvalidInput:
        return
    assert postcodes.normalise(result) == result
