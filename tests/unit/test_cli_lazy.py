"""The command line's parser: the command listing, each command's help, every usage error's
exact words and exit status, and the values that reach the commands.

``layerscope --help`` lists the commands from :data:`layerscope.cli.COMMANDS` without
importing them (issue 17); these tests prove the listing matches the commands' own help and
that the parser turns every bad use into one ``Error:`` line after the usage (exit 2).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cli_runner import invoke

from layerscope.cli import COMMANDS
from layerscope.cli.shared import Command, ModelArgs


def command(name: str) -> Command:
    found = getattr(importlib.import_module(f"layerscope.cli.{name}"), name)
    assert isinstance(found, Command)
    return found


def parse(name: str, *argv: str) -> tuple[ModelArgs, dict[str, object]]:
    values = command(name).parser().parse(list(argv))
    return ModelArgs.take(values), values


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_help_is_the_first_paragraph_of_the_commands_help(name: str) -> None:
    found = command(name)
    assert found.name == name
    assert COMMANDS[name] == " ".join(inspect.cleandoc(found.help).split("\n\n")[0].split())


@pytest.mark.parametrize("width", [40, 50, 66, 80, 100, 200])
@pytest.mark.parametrize(("args", "status"), [(["--help"], 0), (["-h"], 0), ([], 2)])
def test_group_help_lists_every_command(
    width: int, args: list[str], status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = invoke(args)
    assert result.exit_code == status
    assert result.stdout.startswith("Usage: layerscope [OPTIONS] COMMAND [ARGS]...\n")
    assert "--version Show the version and exit." in " ".join(result.stdout.split())
    listing = result.stdout.split("\nCommands:\n", 1)[1]
    for name, summary in COMMANDS.items():
        assert f"\n  {name}  " in "\n" + listing
        assert " ".join(summary.split()) in " ".join(listing.split())
    longest = max(len(line) for line in result.stdout.splitlines())
    assert longest <= max(min(width, 100), 60), longest


def test_version() -> None:
    from layerscope import __version__

    result = invoke(["--version"])
    assert (result.exit_code, result.stdout) == (0, f"layerscope, version {__version__}\n")


USAGE_ERRORS = [
    (
        ["sumary"],
        "[OPTIONS] COMMAND [ARGS]...",
        "No such command 'sumary'. Did you mean 'summary'?",
    ),
    (["bogus"], "[OPTIONS] COMMAND [ARGS]...", "No such command 'bogus'."),
    (["--bogus"], "[OPTIONS] COMMAND [ARGS]...", "No such option '--bogus'."),
    (["summary"], "summary [OPTIONS] MODEL", "Missing argument 'MODEL'."),
    (["diff", "a.keras"], "diff [OPTIONS] MODEL OTHER", "Missing argument 'OTHER'."),
    (["diagram", "m.keras"], "diagram [OPTIONS] MODEL", "Missing option '-o' / '--output'."),
    (["summary", "m", "--bogus"], "summary [OPTIONS] MODEL", "No such option '--bogus'."),
    (["summary", "m", "--samp", "5"], "summary [OPTIONS] MODEL", "No such option '--samp'."),
    (["summary", "m", "n"], "summary [OPTIONS] MODEL", "Got unexpected extra argument (n)."),
    (
        ["summary", "m", "--samples"],
        "summary [OPTIONS] MODEL",
        "Option '--samples' requires an argument.",
    ),
    (
        ["summary", "m", "--unsafe=yes"],
        "summary [OPTIONS] MODEL",
        "Option '--unsafe' does not take a value.",
    ),
    (
        ["summary", "m", "--samples", "abc"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--samples': must be a positive integer; got 'abc'",
    ),
    (
        ["summary", "m", "--samples", "0"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--samples': must be a positive integer; got '0'",
    ),
    (
        ["summary", "m", "--format", "yaml"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--format': 'yaml' is not one of 'text', 'markdown', 'json'.",
    ),
    (
        ["report", "m", "--rankdir", "zz"],
        "report [OPTIONS] MODEL",
        "Invalid value for '--rankdir': 'zz' is not one of 'TB', 'LR', 'BT', 'RL'.",
    ),
    (
        ["summary", "m", "--depth", "-1"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--depth': -1 is not in the range x>=0.",
    ),
    (
        ["summary", "m", "--depth", "two"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--depth': 'two' is not a valid integer.",
    ),
    (
        ["summary", "m", "--width", "10"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--width': must be 0 (no limit) or at least 40; got 10",
    ),
    (
        ["summary", "m", "--width", "1001"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--width': 1001 is not in the range 0<=x<=1000.",
    ),
    (
        ["summary", "m", "--engine", "fast"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--engine': 'fast' is not one of 'auto', 'static', 'keras'.",
    ),
    (
        ["check", "m", "--max-params", "lots"],
        "check [OPTIONS] MODEL",
        "Invalid value for '--max-params': must be a size such as 25M, 1.5G or 300MiB; got 'lots'",
    ),
    (
        ["summary", "m", "--input-shape", "a=1", "--input-shape", "a=2"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--input-shape': input 'a' is given twice",
    ),
    (
        ["check", "m", "--max-macs", "-3G"],
        "check [OPTIONS] MODEL",
        "Invalid value for '--max-macs': must be a size such as 25M, 1.5G or 300MiB; got '-3G'",
    ),
    (
        ["summary", "m", "--samples", "-3"],
        "summary [OPTIONS] MODEL",
        "Invalid value for '--samples': must be a positive integer; got '-3'",
    ),
    (
        ["diff", "a", "b", "--theme", "pink"],
        "diff [OPTIONS] MODEL OTHER",
        "Invalid value for '--theme': 'pink' is not one of 'auto', 'light', 'dark'.",
    ),
]


@pytest.mark.parametrize(("args", "usage", "error"), USAGE_ERRORS)
def test_usage_errors_name_the_problem_after_the_usage(
    args: list[str], usage: str, error: str
) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    prog = "layerscope" if usage.startswith("[") else f"layerscope {usage.split()[0]}"
    assert result.stderr == (
        f"Usage: layerscope {usage}\nTry '{prog} --help' for help.\n\nError: {error}\n"
    )


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["summary", "m", "--\x1b[2Jx"], "No such option '--\\x1b[2Jx'."),
        (["sum\u202emary"], "No such command 'sum\\u202emary'. Did you mean 'summary'?"),
        (["summary", "m", "extra\x07"], "Got unexpected extra argument (extra\\x07)."),
    ],
)
def test_usage_errors_show_control_characters_as_escapes(args: list[str], shown: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {shown}\n")
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


def test_a_template_dir_that_is_a_file_and_a_config_that_is_a_folder(tmp_path: Path) -> None:
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    report = invoke(["report", "m", "--template-dir", str(afile)])
    assert report.exit_code == 2
    assert f"Invalid value for '--template-dir': Directory {str(afile)!r} is a file." in (
        report.stderr
    )
    check = invoke(["check", "m", "--max-params", "1M", "--config", str(tmp_path)])
    assert check.exit_code == 2
    assert f"Invalid value for '--config': File {str(tmp_path)!r} is a directory." in check.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_help_lists_every_option(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = invoke([name, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: layerscope {name} [OPTIONS] MODEL")
    assert COMMANDS[name] in " ".join(result.stdout.split())
    parser = command(name).parser()
    for action in parser._actions:
        for option in action.option_strings:
            assert option in result.stdout, option
    assert result.stdout.rstrip().endswith(
        "-h, --help                    Show this message and exit."
    )


def test_help_text_with_percent_signs_is_shown_literally() -> None:
    def words(argv: list[str]) -> str:
        return " ".join(invoke(argv).stdout.split())

    assert "5% (params, MACs, bytes) or macs=10%" in words(["check", "--help"])
    assert '{% extends "default:report.html" %}' in words(["report", "--help"])


def test_values_reach_the_command_converted() -> None:
    args, own = parse(
        "report",
        "m.keras",
        "--samples",
        "55,000",
        "--rankdir",
        "lr",
        "--input-shape",
        "token_ids=128",
        "--input-shape",
        "image=3x32x32",
        "--depth",
        "0",
        "--unsafe",
        "--seq-len",
        "1_024",
    )
    assert args == ModelArgs(
        model="m.keras",
        samples=55_000,
        unsafe=True,
        custom_objects=None,
        engine="auto",
        batch_size=None,
        optimizer="adam",
        debug=False,
        depth=0,
        seq_len=1024,
        input_shapes=(("token_ids", (128,)), ("image", (3, 32, 32))),
        weights=False,
    )
    assert own == {
        "output": "report.html",
        "fragment": False,
        "title": None,
        "template_dir": None,
        "rankdir": "LR",
        "expand_nested": False,
        "sections": None,
        "theme": "auto",
    }


def test_options_after_the_model_and_a_model_named_like_an_option() -> None:
    args, own = parse("diff", "--format", "json", "a.keras", "--all", "b.keras")
    assert (args.model, own["other"], own["output_format"], own["show_all"]) == (
        "a.keras",
        "b.keras",
        "json",
        True,
    )
    args, _ = parse("summary", "--", "-odd.keras")
    assert args.model == "-odd.keras"
    # an option's value is the next word, even one starting with "-"
    args, own = parse("report", "m", "-o", "-", "--title", "--fragment", "--fragment")
    assert (own["output"], own["title"], own["fragment"]) == ("-", "--fragment", True)
    args, own = parse("diff", "a", "--output", "-x.txt", "b", "--title=-t")
    assert (own["output"], own["other"], own["title"]) == ("-x.txt", "b", "-t")
    args, own = parse("check", "m", "--max-growth", "5%", "--max-growth", "macs=10%")
    assert own["max_growth"] == ["5%", "macs=10%"]
    assert parse("check", "m")[1]["max_growth"] is None
