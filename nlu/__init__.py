"""Order-message understanding for Dorpsplein: Dutch and English text in, interpretation out.

Pure: it imports nothing else of the project and reads only its own data files (on first
construction of a CatalogIndex or Parser, never at import time).
"""

from nlu._classifier import load_training_data, training_examples
from nlu._index import CatalogIndex
from nlu._parser import Parser
from nlu._types import INTENTS, CatalogEntry, History, HistoryLine, Interpretation, Item

__all__ = [
    "INTENTS",
    "CatalogEntry",
    "CatalogIndex",
    "History",
    "HistoryLine",
    "Interpretation",
    "Item",
    "Parser",
    "load_training_data",
    "training_examples",
]
