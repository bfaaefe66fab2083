"""The same messages written and spoken: money and amounts each in their medium's way."""

from __future__ import annotations

import pytest

from bot.words import Words


@pytest.fixture(scope="module")
def words() -> Words:
    return Words()


@pytest.mark.parametrize(
    ("language", "medium", "expected"),
    [
        ("nl", "text", "- 1,5 kg Aardappelen (uw gewone): € 2,55"),
        ("nl", "voice", "1,5 kilo Aardappelen, uw gewone, 2 euro 55."),
        ("en", "text", "- 1.5 kg Aardappelen (your usual): € 2,55"),
        ("en", "voice", "1.5 kilo Aardappelen, your usual, 2 euros 55."),
    ],
)
def test_a_readback_line_in_each_medium(
    words: Words, language: str, medium: str, expected: str
) -> None:
    line = words(
        "readback_line", language, medium=medium,  # type: ignore[arg-type]
        quantity=1500, unit="kg", name="Aardappelen", usual=True, price=255,
    )  # fmt: skip
    assert line == expected


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("readback_question", {}),
        ("choose", {"word": "brood", "choices": ["Wit casinobrood", "Volkorenbrood"]}),
        ("ask_weight", {"name": "Kipfilet"}),
        ("ask_count", {"name": "Krentenbol"}),
        ("not_understood", {}),
        ("deny", {}),
        ("help", {"coordinator": "Stichting", "phone": "+31306560000"}),
        ("greet", {"greeting": "Goedemorgen", "name": "Jansen", "usual": "Volkorenbrood"}),
        (
            "placed",
            {
                "number": 7,
                "moment": "dinsdag",
                "total": 1234,
                "later": [("Vis", "za")],
                "replaces": 6,
            },
        ),
    ],
)
def test_spoken_words_ask_to_say_not_to_send_and_have_no_symbols(
    words: Words, language: str, key: str, values: dict[str, object]
) -> None:
    written = words(key, language, **values)
    spoken = words(key, language, medium="voice", **values)
    assert "€" not in spoken and '"' not in spoken
    assert "Stuur" not in spoken and "Send" not in spoken
    if "€" in written:
        assert "euro" in spoken
