"""Number and shape formatting shared by the text, Markdown, DOT and HTML renderers."""

from __future__ import annotations

from layerscope.report import LayerReport, ModelReport, Shape

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_bytes(size: int | float) -> str:
    """``1267240`` -> ``1.21 MiB`` (binary units, as memory is counted)."""
    value = float(size)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def human_count(count: int | float) -> str:
    """``3_860_000_000`` -> ``3.86 G`` (decimal units, as MACs and FLOPs are quoted)."""
    value = float(count)
    for unit in ("", "K", "M", "G", "T", "P"):
        if abs(value) < 1000 or unit == "P":
            return f"{int(value)}" if unit == "" else f"{value:.2f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def thousands(count: int) -> str:
    """``316810`` -> ``316,810``."""
    return f"{count:,}"


def percent(share: float) -> str:
    """``0.7433`` -> ``74.3%``; tiny non-zero shares show as ``<0.1%``."""
    if share == 0:
        return "0%"
    if share < 0.001:
        return "<0.1%"
    return f"{share * 100:.1f}%"


def shape_text(shape: Shape | None) -> str:
    """``(None, 300)`` -> ``(None, 300)``; unknown -> ``?``."""
    if shape is None:
        return "?"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def output_shape_text(row: LayerReport) -> str:
    """A row's output shape(s): one shape, several joined by commas, or ``?``."""
    if not row.output_shapes:
        return "?"
    return ", ".join(shape_text(s) for s in row.output_shapes)


def other_params(row: LayerReport) -> int:
    """Params that are neither weights nor biases (norm + stats + other)."""
    roles = row.by_role
    return roles.norm + roles.stats + roles.other


def shared_owners(row: LayerReport) -> list[tuple[str, int]]:
    """``[(owner path, params)]``: the parameters ``row`` uses that another row owns and
    counts (a tied embedding called again as an LM head), by owning row."""
    owners: dict[str, int] = {}
    for variable in row.shared_variables:
        assert variable.shared_from is not None
        owners[variable.shared_from] = owners.get(variable.shared_from, 0) + variable.count
    return list(owners.items())


def shared_note(row: LayerReport) -> str | None:
    """One sentence for a row using shared parameters, or ``None``; the same words in
    every format."""
    owners = shared_owners(row)
    if not owners:
        return None
    where = ", ".join(f"{thousands(count)} in '{owner}'" for owner, count in owners)
    return (
        f"'{row.path}' ({row.class_name}) also uses parameters counted in another row "
        f"({where}); they are counted once, there"
    )


AUTO_DEPTH_ROWS = 60
"""The default depth shows every level whose rows, with all shallower ones, fit in this many
table lines (but always depth 0): a few nested models show whole, while twelve transformer
blocks show as twelve rows rather than hundreds of their sub-layers."""


def check_depth(depth: object) -> int | None:
    """``None`` or a depth from 0; a UsageError quoting anything else."""
    from layerscope.errors import UsageError

    if depth is None:
        return None
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be a non-negative integer; got {depth!r}")
    return depth


def auto_depth(report: ModelReport) -> int:
    """What reads best: the deepest level such that the rows down to it number at most
    :data:`AUTO_DEPTH_ROWS` (0 when even the model's own rows are more)."""
    counts: dict[int, int] = {}
    for row in report.layers:
        counts[row.depth] = counts.get(row.depth, 0) + 1
    chosen, shown = 0, counts.get(0, 0)
    for level in sorted(counts):
        if level == 0:
            continue
        if shown + counts[level] > AUTO_DEPTH_ROWS:
            break
        chosen, shown = level, shown + counts[level]
    return chosen


def table_depth(report: ModelReport, depth: int | None = None) -> int:
    """The depth a table shows: ``depth``, else the report's ``display_depth``, else
    :func:`auto_depth`."""
    depth = check_depth(depth)
    if depth is not None:
        return depth
    if report.display_depth is not None:
        return report.display_depth
    return auto_depth(report)


def table_rows(report: ModelReport, depth: int | None = None) -> tuple[LayerReport, ...]:
    """The rows a table shows: those of depth 0 to :func:`table_depth`."""
    limit = table_depth(report, depth)
    return tuple(row for row in report.layers if row.depth <= limit)


def depth_note(report: ModelReport, depth: int | None = None) -> str | None:
    """The sentence saying rows were left out of a table, or ``None`` when all show."""
    limit = table_depth(report, depth)
    hidden = [row for row in report.layers if row.depth > limit]
    if not hidden:
        return None
    deepest = max(row.depth for row in report.layers)
    plural = "s" if len(hidden) != 1 else ""
    return (
        f"{len(hidden):,} row{plural} deeper than depth {limit} (of {deepest}) are not shown; "
        "--depth N (depth=N in Python) shows them, and the JSON document has every row"
    )
