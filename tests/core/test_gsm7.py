"""SMS segment counting and GSM-7 transliteration."""

from __future__ import annotations

import pytest

from core.gsm7 import count_segments, is_gsm7, split_for_sms, to_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("ë" * 70, "UCS-2", 1),
        ("ë" * 71, "UCS-2", 2),
        ("ë" * 134, "UCS-2", 2),
        ("ë" * 135, "UCS-2", 3),
        ("€" * 80, "GSM-7", 1),  # 160 septets: each € is an escape plus a character
        ("€" * 81, "GSM-7", 2),
        ("a" * 159 + "€", "GSM-7", 2),
    ],
)
def test_segments(text: str, encoding: str, count: int) -> None:
    segments = count_segments(text)
    assert (segments.encoding, segments.count) == (encoding, count)


def test_an_escaped_character_never_straddles_two_segments() -> None:
    # 152 plain characters then a €: the € does not fit in the first 153, so 3 segments are
    # needed once the second fills up, where a naive count would say 2.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).count == 3


def test_surrogate_pairs_count_two_and_stay_together() -> None:
    assert count_segments("🍞").units == 2
    assert count_segments("a" * 66 + "🍞" + "a" * 66).count == 3


def test_dutch_text_becomes_gsm7() -> None:
    # É and é are in GSM-7; ë, ĳ, € and typographic punctuation are not.
    text = "Één brood, ’s ochtends: € 3,45 – tweeëntwintig “ja”… ĳs"
    converted = to_gsm7(text)
    assert converted == 'Één brood, \'s ochtends: EUR 3,45 - tweeentwintig "ja"... ijs'
    assert is_gsm7(converted)


def test_gsm7_letters_with_accents_are_kept() -> None:
    assert to_gsm7("café Müller à") == "café Müller à"


def test_what_has_no_plain_form_is_kept() -> None:
    assert to_gsm7("brood 🍞") == "brood 🍞"
    assert count_segments(to_gsm7("brood 🍞")).encoding == "UCS-2"


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(f"Tas {n}: 2x Volkorenbrood, 200 g Goudse kaas belegen" for n in range(80)),
        "één lange regel zonder einde " * 120,  # UCS-2, and no line breaks to cut at
        "kort",
    ],
)
def test_long_texts_split_into_numbered_parts_that_each_fit(text: str) -> None:
    parts = split_for_sms(text, max_segments=4)
    assert all(count_segments(part).count <= 4 for part in parts)
    if len(parts) == 1:
        assert parts == [text]
        return
    assert [p.split(" ", 1)[0] for p in parts] == [
        f"({n}/{len(parts)})" for n in range(1, len(parts) + 1)
    ]
    rest = [p.split(" ", 1)[1] for p in parts]
    assert "".join(rest).replace("\n", "") == text.replace("\n", "")
