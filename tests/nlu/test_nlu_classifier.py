"""The intent classifier's shortcut (a word's terms summed once and kept) ranks a message as
the definition does: every feature of the message looked up and summed one by one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu._classifier import NUMBER, PRODUCT, NaiveBayes, features_of_words, training_examples

# Words the examples have, words they have only some character grams of, and nonsense.
WORDS = [
    "ja",
    "nee",
    "graag",
    "wat",
    "kost",
    "mijn",
    "bestelling",
    "annuleren",
    "what's",
    "basket",
    "hallo",
    "dank",
    "bestellingetje",
    "mandjes",
    "xqzw",
    "a",
    PRODUCT,
    NUMBER,
]


@pytest.fixture(scope="module")
def classifier() -> NaiveBayes:
    return NaiveBayes(training_examples())


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=12))
def test_ranking_by_words_is_the_ranking_by_features(
    classifier: NaiveBayes, words: list[str]
) -> None:
    ranking, seen, total = classifier.rank_and_count(words)
    expected = dict(classifier.rank(features_of_words(words)))
    assert dict(ranking) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # The most likely label is the same, unless two labels are as likely as each other.
    best = max(expected.values())
    assert expected[ranking[0][0]] == pytest.approx(best, rel=1e-9)
    counted = [w for w in words if w not in (PRODUCT, NUMBER)]
    assert total == len(counted)
    assert seen == sum(f"w:{w}" in classifier.vocab for w in counted)
