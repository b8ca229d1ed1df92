"""Benchmark 3: ``layerscope --help`` against ``python -c pass``, as whole processes.

The CLI promises a light start: click and layerscope's pure modules only, with TensorFlow
and Keras imported inside the commands that need them.
"""

from __future__ import annotations

import sys

from _common import Result, interleaved_processes, layerscope_command, median

TARGET = 8.0


def run(runs: int = 15) -> list[Result]:
    cases = {
        "python": [sys.executable, "-c", "pass"],
        "help": [*layerscope_command(), "--help"],
    }
    runs_by_case = interleaved_processes(cases, runs)
    python = [r.seconds for r in runs_by_case["python"]]
    help_ = [r.seconds for r in runs_by_case["help"]]
    return [
        Result(
            "3. start-up",
            "`layerscope --help` vs `python -c pass`",
            median(help_),
            median(python),
            TARGET,
            samples={"help": help_, "python": python},
        )
    ]


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run()))
