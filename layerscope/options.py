"""One options model for the library, the CLI and the Sphinx directive.

Every choice a user can make is an enum here (its values written once: the CLI's
choice lists, the error messages and the validation all read them), and every
group of options a small frozen dataclass validated on construction, so a bad value is a
:class:`~layerscope.errors.UsageError` quoting it before any model is loaded:

* :class:`AnalysisOptions` for :func:`layerscope.analysis.run_analyses` (batch size,
  optimizer, data-fit thresholds);
* :class:`DiagramOptions` for the diagram (rankdir, nested models expanded or not);
* :class:`HtmlOptions` for :func:`layerscope.render.html.render_html` (and the diagram in it).

The engine (:class:`Engine`) is chosen by :func:`layerscope.analyze`. This module imports
nothing heavy: the CLI builds the options before TensorFlow could load.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from layerscope.errors import UsageError

E = TypeVar("E", bound="Choice")
T = TypeVar("T")


class Choice(str, enum.Enum):
    """A string enum whose values are what users type."""

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(item.value for item in cls)

    @classmethod
    def parse(cls: type[E], value: Any, name: str, case_sensitive: bool = True) -> E:
        """The member for ``value`` (a member or its text); a UsageError naming ``name``."""
        if isinstance(value, cls):
            return value
        text = str(value) if isinstance(value, str) else None
        if text is not None:
            for item in cls:
                if item.value == text or (not case_sensitive and item.value == text.upper()):
                    return item
        raise UsageError(f"{name} must be one of {', '.join(cls.values())}; got {value!r}")

    def __str__(self) -> str:
        return str(self.value)


class Engine(Choice):
    """Which capture reads a model file."""

    AUTO = "auto"
    """The static reader when it can read the file exactly, else Keras."""
    STATIC = "static"
    """Read the ``.keras`` archive without TensorFlow or Keras."""
    KERAS = "keras"
    """Load the model with Keras and capture the live object."""


class Theme(Choice):
    """The HTML report's colours; ``auto`` follows the reader's ``prefers-color-scheme``."""

    AUTO = "auto"
    LIGHT = "light"
    DARK = "dark"


class Rankdir(Choice):
    """The diagram's direction: top to bottom, left to right, or reversed."""

    TB = "TB"
    LR = "LR"
    BT = "BT"
    RL = "RL"


class SummaryFormat(Choice):
    """``layerscope summary --format``."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


SECTIONS: tuple[str, ...] = (
    "header",
    "data_fit",
    "architecture",
    "cost",
    "weights",
    "layers",
    "diagram",
    "charts",
)
"""Every section an HTML report can hold, in page order (``sections=`` picks a subset)."""

_ID_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def parse_sections(sections: Any) -> tuple[str, ...]:
    """``"header, layers"`` or a list -> the sections in page order; all of them for None."""
    if sections is None:
        return SECTIONS
    if isinstance(sections, str):
        parts: list[Any] = re.split(r"[,\s]+", sections)
    elif isinstance(sections, (list, tuple, set, frozenset)):
        parts = list(sections)
    else:
        raise UsageError(f"sections must be a list or a comma string; got {sections!r}")
    chosen = [str(part).strip().replace("-", "_") for part in parts if str(part).strip()]
    unknown = [part for part in chosen if part not in SECTIONS]
    if unknown or not chosen:
        raise UsageError(
            f"sections must be a comma list of {', '.join(SECTIONS)}; got {sections!r}"
        )
    return tuple(part for part in SECTIONS if part in chosen)


def template_folder(value: Any) -> str | None:
    """A user template folder as a path string; a UsageError unless it is a folder."""
    if value is None:
        return None
    folder = os.fspath(value)
    if not os.path.isdir(folder):
        raise UsageError(f"template_dir must be an existing folder; got {folder!r}")
    return str(folder)


def id_prefix(value: Any) -> str | None:
    """An HTML id prefix: a letter, then letters, digits, '-' and '_' (64 at most)."""
    if value is not None and (not isinstance(value, str) or not _ID_PREFIX.match(value)):
        raise UsageError(
            "id_prefix must start with a letter and hold only letters, digits, '-' and "
            f"'_'; got {value!r}"
        )
    return value


def _set(instance: object, name: str, value: Any) -> None:
    object.__setattr__(instance, name, value)  # normalising a frozen dataclass's field


def _from_mapping(cls: type[T], what: str, options: Mapping[str, Any]) -> T:
    dataclass_type: Any = cls  # T is one of the options dataclasses below
    known = [item.name for item in fields(dataclass_type)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise UsageError(f"unknown {what} option {unknown[0]!r}; known options: {', '.join(known)}")
    return cls(**options)


@dataclass(frozen=True)
class AnalysisOptions:
    """What the analyses assume (memory estimate and data-fit bands)."""

    batch_size: int = 1
    """Batch size for the activation-memory estimate (a positive int)."""
    optimizer: str = "adam"
    """Optimizer for the optimizer-state estimate (normalised: ``SGD`` -> ``sgd``)."""
    thresholds: Mapping[str, float] | None = field(default=None, compare=False)
    """Data-fit band thresholds overriding the defaults, e.g. ``{"high": 2.0}``."""

    def __post_init__(self) -> None:
        from layerscope.analysis.datafit import validate_thresholds
        from layerscope.analysis.memory import optimizer_slots

        batch = self.batch_size
        if isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0:
            raise UsageError(f"batch_size must be a positive integer; got {batch!r}")
        _set(self, "optimizer", optimizer_slots(self.optimizer)[0])
        validate_thresholds(self.thresholds)

    @classmethod
    def of(cls, **options: Any) -> AnalysisOptions:
        """From keyword options; an unknown name is a UsageError (``batchsize=`` fails)."""
        return _from_mapping(cls, "analysis", options)


@dataclass(frozen=True)
class DiagramOptions:
    """How the diagram is laid out."""

    rankdir: Rankdir = Rankdir.TB
    expand_nested: bool = False
    """Draw nested models as clusters of their layers instead of one box each."""

    def __post_init__(self) -> None:
        _set(self, "rankdir", Rankdir.parse(self.rankdir, "rankdir", case_sensitive=False))
        _set(self, "expand_nested", bool(self.expand_nested))


@dataclass(frozen=True)
class HtmlOptions:
    """What an HTML report holds and how it looks."""

    fragment: bool = False
    """One embeddable ``<div>`` with scoped styles instead of a whole page."""
    title: str | None = None
    """The report's title (default: the model's name)."""
    template_dir: str | None = None
    """A folder of templates searched before layerscope's own."""
    sections: tuple[str, ...] = SECTIONS
    """Which sections, from :data:`SECTIONS` (a comma string is accepted)."""
    theme: Theme = Theme.AUTO
    rankdir: Rankdir = Rankdir.TB
    expand_nested: bool = False
    id_prefix: str | None = None
    """The prefix of every id in the output (default: derived from the report)."""
    depth: int | None = None
    """How many levels inside nested models and blocks the table shows (default: the
    report's ``display_depth``, else what reads best); the diagram follows it."""

    def __post_init__(self) -> None:
        _set(self, "fragment", bool(self.fragment))
        if self.title is not None and not isinstance(self.title, str):
            raise UsageError(f"title must be a string; got {self.title!r}")
        _set(self, "template_dir", template_folder(self.template_dir))
        _set(self, "sections", parse_sections(self.sections))
        _set(self, "theme", Theme.parse(self.theme or Theme.AUTO, "theme"))
        diagram = DiagramOptions(self.rankdir or Rankdir.TB, self.expand_nested)
        _set(self, "rankdir", diagram.rankdir)
        _set(self, "expand_nested", diagram.expand_nested)
        id_prefix(self.id_prefix)

    @property
    def diagram(self) -> DiagramOptions:
        return DiagramOptions(self.rankdir, self.expand_nested)

    @classmethod
    def of(cls, **options: Any) -> HtmlOptions:
        """From keyword options; an unknown name is a UsageError."""
        return _from_mapping(cls, "render_html", options)


def choices(enum_class: type[Choice]) -> list[str]:
    """The values of a choice enum, for the CLI's choices and docs."""
    return list(enum_class.values())
