"""Registration of unknown senders, through the real Registrar and a real database.

Each class is a behaviour that must hold for any phrasing; the parameters are examples of the
class in Dutch and English, not the sentences it was fixed for.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from bot.registration import Registrar, open_registration
from bot.settings import Settings
from bot.wiring import Runtime
from bot.words import Words
from conversations.models import Registration
from core.database import unit_of_work
from core.gsm7 import count_segments, is_gsm7
from orders.models import AddressKind, Resident
from orders.residents import find_resident

_phones = (f"+316555{n:05d}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def words() -> Words:
    return Words()


class Stranger:
    """Someone the bot does not know yet, writing to the registration."""

    def __init__(
        self, runtime: Runtime, words: Words, *, kind: AddressKind = AddressKind.PHONE,
        address: str | None = None, settings: Settings | None = None,
    ) -> None:  # fmt: skip
        self.runtime = runtime
        self.settings = settings or runtime.settings
        self.registrar = Registrar(settings=self.settings, words=words)
        self.kind = kind
        self.address = address or next(_phones)

    def send(self, text: str) -> str:
        with unit_of_work(self.runtime.sessions) as session:
            replies = self.registrar.step(session, kind=self.kind, address=self.address, text=text)
        return "\n".join(reply.text for reply in replies)

    def say(self, *texts: str) -> str:
        """Several messages in a row; the last reply."""
        reply = ""
        for text in texts:
            reply = self.send(text)
        return reply

    def record(self) -> tuple[str, dict[str, object]] | None:
        with self.runtime.sessions() as session:
            record = session.scalar(
                select(Registration).where(Registration.address == self.address)
            )
            return None if record is None else (record.step, dict(record.data))

    def resident(self) -> Resident | None:
        with self.runtime.sessions() as session:
            resident = find_resident(session, kind=self.kind, address=self.address)
            if resident is not None:
                session.expunge(resident)
            return resident


@pytest.fixture
def stranger(runtime: Runtime, words: Words) -> Stranger:
    return Stranger(runtime, words)


def _coordinator(runtime: Runtime) -> tuple[str, str]:
    return runtime.settings.coordinator.name, runtime.settings.coordinator.phone


NOT_NAMES = [
    "ja", "ja hoor", "Ja.", "jazeker", "oké", "yes", "yes please", "ok", "nee", "no", "nee hoor",
    "hallo", "goedemiddag", "Goedemorgen!", "hello", "good afternoon", "hi there", "12",
    "06 12345678", "H", "x", "2 broden", "een brood", "twee krentenbollen", "ik wil 2 broden",
    "I would like some bread", "wie bent u?", "mevrouw", "van de", "dank u wel", "thanks",
    "kaas", "brood en kaas", "a loaf", "one loaf please",
]  # fmt: skip


class TestANameIsAName:
    @pytest.mark.parametrize("text", NOT_NAMES)
    def test_what_is_no_name_is_asked_again_with_an_example(
        self, stranger: Stranger, text: str
    ) -> None:
        stranger.send("goedemiddag")
        reply = stranger.send(text)
        assert ("Wat is uw naam?" in reply and "Henk de Wit" in reply) or (
            "What is your name?" in reply and "Peter Brown" in reply
        )
        step, data = stranger.record() or ("", {})
        assert step == "name"
        assert "name" not in data

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("Henk de Wit", "Henk de Wit"),
            ("Ik ben Henk de Wit", "Henk de Wit"),
            ("mijn naam is Henk de Wit.", "Henk de Wit"),
            ("Ik heet Henk de Wit", "Henk de Wit"),
            ("Met Henk de Wit", "Henk de Wit"),
            ("u spreekt met mevrouw van Dam", "mevrouw van Dam"),
            ("Ja, Henk de Wit!", "Henk de Wit"),
            ("Henk de Wit hier", "Henk de Wit"),
            ("henk de wit", "Henk de Wit"),
            ("HENK DE WIT", "Henk de Wit"),
            ("mevrouw van der berg", "Mevrouw van der Berg"),
            ("de vries", "De Vries"),
            ("jan-willem van 't hof", "Jan-Willem van 't Hof"),
            ("Mevrouw De Boer", "Mevrouw De Boer"),
            ("my name is Peter Brown", "Peter Brown"),
            ("this is Peter Brown!", "Peter Brown"),
            ("I'm Peter Brown", "Peter Brown"),
            ("peter brown", "Peter Brown"),
            ("Peter Brown, thanks", "Peter Brown"),
            ("mary o'neill", "Mary O'Neill"),
            ("Jan Kaas", "Jan Kaas"),
            ("Can Yilmaz", "Can Yilmaz"),
            ("Henk en Ria de Wit", "Henk en Ria de Wit"),
        ],
    )
    def test_a_name_is_taken_without_its_lead_in(
        self, stranger: Stranger, text: str, name: str
    ) -> None:
        stranger.send("hallo")
        reply = stranger.send(text)
        assert "straat en huisnummer" in reply or "street and house number" in reply
        assert name in reply
        step, data = stranger.record() or ("", {})
        assert (step, data["name"]) == ("street", name)

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("Hallo, ik ben Henk de Wit", "Henk de Wit"),
            ("Goedemiddag, mijn naam is Henk de Wit.", "Henk de Wit"),
            ("Hello, my name is Peter Brown", "Peter Brown"),
        ],
    )
    def test_a_first_message_that_introduces_someone_asks_the_street_next(
        self, stranger: Stranger, text: str, name: str
    ) -> None:
        reply = stranger.send(text)
        assert name in reply
        assert "straat en huisnummer" in reply or "street and house number" in reply

    @pytest.mark.parametrize("text", ["ik ben benieuwd", "Ik ben op zoek naar brood", "hallo"])
    def test_a_first_message_without_a_name_asks_for_it(
        self, stranger: Stranger, text: str
    ) -> None:
        assert "Wat is uw naam?" in stranger.send(text)


DUTCH_ADDRESSES = [
    ("Kerkstraat 10", "Kerkstraat 10"),
    ("Kerkstraat 10a", "Kerkstraat 10a"),
    ("Kerkstraat 10-2", "Kerkstraat 10-2"),
    ("Kerkstraat 10 A", "Kerkstraat 10 A"),
    ("Van Goghlaan 3 bis", "Van Goghlaan 3 bis"),
    ("Laan van Nieuw Guinea 5", "Laan van Nieuw Guinea 5"),
    ("Kerkstraat   10.", "Kerkstraat 10"),
    ("ik woon op de Kerkstraat 10", "Kerkstraat 10"),
    ("Kerkstraat 10, Bunnik", "Kerkstraat 10"),
]
ENGLISH_ADDRESSES = [
    ("14 Station Road", "14 Station Road"),
    ("12 Main Street", "12 Main Street"),
    ("14a Church Lane", "14a Church Lane"),
    ("Flat 2, 14 Station Road", "Flat 2, 14 Station Road"),
    ("I live at 3 Mill Close", "3 Mill Close"),
]


class TestAddresses:
    @pytest.mark.parametrize(("text", "street"), DUTCH_ADDRESSES + ENGLISH_ADDRESSES)
    def test_dutch_and_english_address_forms_are_taken_as_written(
        self, stranger: Stranger, text: str, street: str
    ) -> None:
        reply = stranger.say("hallo", "Henk de Wit", text)
        assert "postcode" in reply
        step, data = stranger.record() or ("", {})
        assert (step, data["street"]) == ("postcode", street)

    @pytest.mark.parametrize(
        ("text", "wanted"),
        [
            ("10", "In welke straat is nummer 10?"),
            ("12b", "In welke straat is nummer 12b?"),
            ("Kerkstraat", "Wat is het huisnummer bij Kerkstraat?"),
            ("ik woon op de Kerkstraat", "Wat is het huisnummer bij Kerkstraat?"),
            ("Dorpsweg", "Wat is het huisnummer bij Dorpsweg?"),
            ("Station Road", "What is the house number in Station Road?"),
            ("ja", "Wat is uw straat en huisnummer?"),
            ("2 broden", "Wat is uw straat en huisnummer?"),
        ],
    )
    def test_half_an_address_is_asked_again_with_an_example(
        self, stranger: Stranger, text: str, wanted: str
    ) -> None:
        reply = stranger.say("hallo", "Henk de Wit", text)
        assert wanted in reply
        assert "Stuur bijvoorbeeld:" in reply or "Send for example:" in reply
        step, data = stranger.record() or ("", {})
        assert step == "street"
        assert "street" not in data

    @pytest.mark.parametrize(
        ("first", "second", "street"),
        [
            ("Kerkstraat", "10", "Kerkstraat 10"),
            ("10a", "Kerkstraat", "Kerkstraat 10a"),
            ("Station Road", "14", "14 Station Road"),
            ("ik woon op de Kerkstraat", "10", "Kerkstraat 10"),
            ("nummer 12", "Dorpsweg", "Dorpsweg 12"),
        ],
    )
    def test_a_street_and_its_number_in_two_messages_are_put_together(
        self, stranger: Stranger, first: str, second: str, street: str
    ) -> None:
        stranger.say("hallo", "Henk de Wit", first, second)
        step, data = stranger.record() or ("", {})
        assert (step, data["street"]) == ("postcode", street)

    @pytest.mark.parametrize(
        ("text", "street"),
        [
            ("Kerkstraat 10, 3981 AB", "Kerkstraat 10"),
            ("Kerkstraat 10 3981AB", "Kerkstraat 10"),
            ("Kerkstraat 10a, 3981 ab Bunnik", "Kerkstraat 10a"),
            ("14 Station Road, 3981 AB", "14 Station Road"),
        ],
    )
    def test_a_postcode_on_the_same_line_skips_the_postcode_question(
        self, stranger: Stranger, text: str, street: str
    ) -> None:
        reply = stranger.say("hallo", "Henk de Wit", text)
        resident = stranger.resident()
        assert resident is not None
        assert (resident.street, resident.postcode) == (street, "3981 AB")
        assert "3981 AB" in reply

    def test_a_postcode_outside_the_area_on_the_street_line_keeps_the_street(
        self, stranger: Stranger
    ) -> None:
        reply = stranger.say("hallo", "Henk de Wit", "Kerkstraat 10, 3511 AB")
        assert "bezorgen wij niet in 3511 AB" in reply
        step, data = stranger.record() or ("", {})
        assert (step, data["street"]) == ("postcode", "Kerkstraat 10")
        stranger.send("3981 AB")
        assert stranger.resident() is not None

    @pytest.mark.parametrize("text", ["3981 AB", "3981ab", "Het is 3981 AB.", "postcode 3981 ab"])
    def test_postcode_forms(self, stranger: Stranger, text: str) -> None:
        stranger.say("hallo", "Henk de Wit", "Kerkstraat 10", text)
        resident = stranger.resident()
        assert resident is not None
        assert resident.postcode == "3981 AB"

    @pytest.mark.parametrize("text", ["ja", "3981", "Kerkstraat 10", "weet ik niet"])
    def test_what_is_no_postcode_is_asked_again(self, stranger: Stranger, text: str) -> None:
        reply = stranger.say("hallo", "Henk de Wit", "Kerkstraat 10", text)
        assert "Dat is geen postcode" in reply
        assert stranger.resident() is None

    def test_everything_at_once_is_taken(self, stranger: Stranger) -> None:
        stranger.say("hallo", "Henk de Wit, Kerkstraat 10, 3981 AB")
        resident = stranger.resident()
        assert resident is not None
        assert (resident.name, resident.street, resident.postcode) == (
            "Henk de Wit",
            "Kerkstraat 10",
            "3981 AB",
        )


class TestReadBack:
    @pytest.mark.parametrize(
        ("messages", "expected"),
        [
            (
                ["goedemiddag", "ja hoor", "Henk de Wit", "Kerkstraat 10", "3981 AB"],
                ["Welkom, Henk de Wit!", "Kerkstraat 10", "3981 AB Bunnik", "Klopt iets niet?"],
            ),
            (
                ["hello", "Peter Brown", "14 Station Road", "3984 AB"],
                ["Welcome, Peter Brown!", "14 Station Road", "3984 AB Bunnik", "Is something"],
            ),
            (
                ["hi", "my name is Peter Brown", "Flat 2, 14 Station Road, 3985 xy"],
                ["Welcome, Peter Brown!", "Flat 2, 14 Station Road", "3985 XY Bunnik"],
            ),
        ],
    )
    def test_the_address_is_read_back_with_how_to_correct_it(
        self, stranger: Stranger, runtime: Runtime, messages: list[str], expected: list[str]
    ) -> None:
        reply = stranger.say(*messages)
        for part in expected:
            assert part in reply
        coordinator, phone = _coordinator(runtime)
        assert coordinator in reply and phone in reply
        resident = stranger.resident()
        assert resident is not None
        assert resident.language == ("nl" if "Welkom" in reply else "en")
        assert stranger.record() is None


HELP = ["help", "Help!", "hulp", "?", "help me please", "ik snap het niet", "I don't understand"]
AT_STEP = {
    "name": ["hallo"],
    "street": ["hallo", "Henk de Wit"],
    "postcode": ["hallo", "Henk de Wit", "Kerkstraat 10"],
}


class TestHelpGivesTheCoordinator:
    @pytest.mark.parametrize("step", list(AT_STEP))
    @pytest.mark.parametrize("text", HELP)
    def test_help_at_any_step_gives_the_coordinator_and_loses_nothing(
        self, stranger: Stranger, runtime: Runtime, step: str, text: str
    ) -> None:
        stranger.say(*AT_STEP[step])
        before = stranger.record()
        reply = stranger.send(text)
        coordinator, phone = _coordinator(runtime)
        assert coordinator in reply and phone in reply
        after = stranger.record()
        assert after is not None and before is not None
        assert after[0] == before[0] == step
        assert {k: v for k, v in after[1].items() if k in ("name", "street")} == {
            k: v for k, v in before[1].items() if k in ("name", "street")
        }

    def test_help_as_the_first_message(self, stranger: Stranger, runtime: Runtime) -> None:
        reply = stranger.send("help")
        assert runtime.settings.coordinator.phone in reply
        assert "Wat is uw naam?" in reply
        assert "straat en huisnummer" in stranger.send("Henk de Wit")

    @pytest.mark.parametrize(
        ("step", "wrong"),
        [
            ("name", ["ja", "12", "hallo"]),
            ("name", ["yes", "hello", "ok"]),
            ("street", ["ja", "10", "2 broden"]),
            ("street", ["Kerkstraat", "ja", "nee"]),
            ("postcode", ["ja", "3981", "nee"]),
            ("postcode", ["3511 AB", "3511 AC", "1000 AA"]),
        ],
    )
    def test_three_failed_tries_in_a_row_give_the_coordinator(
        self, stranger: Stranger, runtime: Runtime, step: str, wrong: list[str]
    ) -> None:
        stranger.say(*AT_STEP[step])
        coordinator, phone = _coordinator(runtime)
        replies = [stranger.send(text) for text in wrong]
        assert all("Stuur" in r or "Send" in r or "Helaas" in r for r in replies)
        assert not any("niet erg" in r or "no problem" in r for r in replies[:2])
        assert "niet erg" in replies[2] or "no problem" in replies[2]
        assert coordinator in replies[2] and phone in replies[2]
        record = stranger.record()
        assert record is not None and record[0] == step

    def test_a_good_answer_in_between_starts_the_count_again(
        self, stranger: Stranger, runtime: Runtime
    ) -> None:
        phone = runtime.settings.coordinator.phone
        replies = [stranger.send(t) for t in ["hallo", "ja", "12", "Henk de Wit", "ja", "10"]]
        assert not any(phone in reply for reply in replies)


class TestLanguage:
    @pytest.mark.parametrize(
        ("first", "language"),
        [
            ("hello", "en"),
            ("Hi, I would like to order", "en"),
            ("good morning", "en"),
            ("hallo", "nl"),
            ("goedemiddag", "nl"),
            ("2 krentenbollen", "nl"),
        ],
    )
    def test_the_first_message_sets_the_language(
        self, stranger: Stranger, first: str, language: str
    ) -> None:
        reply = stranger.send(first)
        assert ("What is your name?" in reply) == (language == "en")

    def test_english_words_later_switch_to_english(self, stranger: Stranger) -> None:
        stranger.send("hallo")
        assert "street and house number" in stranger.send("my name is Peter Brown")
        stranger.say("14 Station Road", "3984 AB")
        resident = stranger.resident()
        assert resident is not None and resident.language == "en"

    def test_a_name_alone_keeps_the_language(self, stranger: Stranger) -> None:
        stranger.send("hello")
        assert "street and house number" in stranger.send("Henk de Wit")


class TestChannels:
    def test_closed_registration_gives_the_coordinator(
        self, runtime: Runtime, words: Words
    ) -> None:
        closed = runtime.settings.model_copy(update={"registration_open": False})
        stranger = Stranger(runtime, words, settings=closed)
        reply = stranger.send("hello, my name is Peter Brown")
        assert "To join, contact" in reply
        assert runtime.settings.coordinator.phone in reply
        assert stranger.record() is None

    def test_telegram_with_a_shared_phone_number_links_both(
        self, runtime: Runtime, words: Words
    ) -> None:
        stranger = Stranger(runtime, words, kind=AddressKind.TELEGRAM, address="777001")
        with unit_of_work(runtime.sessions) as session:
            open_registration(
                session,
                kind=AddressKind.TELEGRAM,
                address="777001",
                language="nl",
                phone="+31655599999",
            )
        assert "Wat is uw naam?" in stranger.send("/start")
        stranger.say("Henk de Wit", "Kerkstraat 10 3981 AB")
        resident = stranger.resident()
        assert resident is not None
        with runtime.sessions() as session:
            by_phone = find_resident(session, kind=AddressKind.PHONE, address="+31655599999")
            assert by_phone is not None and by_phone.id == resident.id


@pytest.mark.parametrize(
    "messages",
    [
        [
            "goedemiddag",
            "ja",
            "Henk de Wit",
            "help",
            "Kerkstraat",
            "10",
            "ja",
            "3511 AB",
            "3981 AB",
        ],
        ["hello", "yes", "Peter Brown", "help", "12", "x", "y", "14 Station Road", "3984 AB"],
    ],
)
def test_every_registration_reply_is_plain_sms_of_at_most_three_segments(
    stranger: Stranger, messages: list[str]
) -> None:
    for text in messages:
        reply = stranger.send(text)
        assert is_gsm7(reply), reply
        assert count_segments(reply).count <= 3, reply
