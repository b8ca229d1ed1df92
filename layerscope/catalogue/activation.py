"""Activation layers: one operation per element, the channel count kept."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

KINDS = (
    LayerKind("Activation", "activation", stateless=True, elementwise=True, pass_through=True),
    LayerKind("ReLU", "activation", stateless=True, elementwise=True, pass_through=True),
    LayerKind("LeakyReLU", "activation", stateless=True, elementwise=True, pass_through=True),
    LayerKind("ELU", "activation", stateless=True, elementwise=True, pass_through=True),
    LayerKind("Softmax", "activation", stateless=True, elementwise=True, pass_through=True),
    LayerKind("PReLU", "activation", elementwise=True, pass_through=True),
)
