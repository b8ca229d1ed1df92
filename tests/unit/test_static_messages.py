"""The static engine's one-line reasons read as English (no Keras needed)."""

from __future__ import annotations

import pytest

from layerscope.static.naming import a_class


@pytest.mark.parametrize(
    ("class_name", "text"),
    [
        ("AlbertBackbone", "an AlbertBackbone"),
        ("ElectraBackbone", "an ElectraBackbone"),
        ("ESMBackbone", "an ESMBackbone"),
        ("BertBackbone", "a BertBackbone"),
        ("FNetBackbone", "a FNetBackbone"),
        ("", "a "),
    ],
)
def test_a_class_takes_the_article_of_its_first_letter(class_name: str, text: str) -> None:
    assert a_class(class_name) == text
