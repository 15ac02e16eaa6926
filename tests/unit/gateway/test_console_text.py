"""The console's words (B5): both languages word every label, and no label hides behind a
dict method in a template (`t.clear` would print the method)."""

import re
from pathlib import Path

from gateway.console.text import TEXTS
from gateway.console.wizard_text import WIZARD_TEXTS

TEMPLATES = Path(__file__).resolve().parents[3] / "gateway" / "templates" / "console"


def test_japanese_and_english_word_the_same_labels_B5():
    english_only = {k for k in TEXTS["en"] if k.startswith("ct_")}  # ja: the service's labels
    assert set(TEXTS["ja"]) == set(TEXTS["en"]) - english_only
    assert set(WIZARD_TEXTS["ja"]) == set(WIZARD_TEXTS["en"])


def test_no_label_is_named_like_a_dict_method():
    for texts in (*TEXTS.values(), *WIZARD_TEXTS.values()):
        assert not set(texts) & set(dir(dict))


def test_every_label_a_template_names_exists():
    for template in TEMPLATES.glob("*.html"):
        for key in re.findall(r"\bt\.([a-z_0-9]+)\b", template.read_text()):
            if key != "get":
                assert key in TEXTS["ja"], (template.name, key)
        for key in re.findall(r"\bw\.([a-z_0-9]+)\b", template.read_text()):
            assert key in WIZARD_TEXTS["ja"], (template.name, key)
