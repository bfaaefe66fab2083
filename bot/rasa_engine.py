"""Intents from a Rasa server (`nlu.engine: rasa`); products are still matched by us."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import httpx

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Interpretation, Parser


class RasaIntentParser:
    """Same shape as nlu.Parser: asks Rasa's /model/parse for the intent, keeps our items.

    When Rasa cannot be reached the resident still gets an answer: our own intent is used.
    """

    def __init__(self, *, parser: Parser, url: str, timeout: float = 2.0) -> None:
        self._parser = parser
        self._client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)

    def parse(
        self,
        text: str,
        *,
        catalog: CatalogIndex,
        history: Sequence[Sequence[HistoryLine]] = (),
    ) -> Interpretation:
        ours = self._parser.parse(text, catalog=catalog, history=history)
        try:
            response = self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            answer = response.json()
            intent = answer["intent"]
            name, confidence = str(intent["name"]), float(intent["confidence"])
            ranking = [
                (str(r["name"]), float(r["confidence"])) for r in answer.get("intent_ranking", [])
            ]
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            return ours
        return dataclasses.replace(
            ours, intent=name, confidence=confidence, intent_ranking=ranking or ours.intent_ranking
        )

    def read_amount(self, text: str, *, entry: CatalogEntry) -> int | None:
        """Amounts are read by our own parser: Rasa only names the intent."""
        return self._parser.read_amount(text, entry=entry)

    def close(self) -> None:
        self._client.close()
