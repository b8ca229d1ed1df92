"""Benchmark 6: keras_hub ``.keras`` files through the static engine, side by side with Keras.

* BERT-base (``BertBackbone``, 110 M params, a 438 MB file): ``layerscope summary FILE
  --format json`` (default engine: static, no TensorFlow) against a process doing
  ``keras.saving.load_model`` + ``model.summary()`` with keras_hub installed. Target: at most
  0.1x the time; peak RSS under 200 MB.
* A 1B Llama (Llama-3.2-1B shapes, bfloat16, untied: 1.50 B params, a 3.0 GB file):
  ``layerscope summary`` under 10 s and 400 MB peak RSS. The Keras path is measured once for
  its peak RSS (it must hold the whole model; it takes about a minute); ``--skip-keras-1b``
  leaves it out.

The files are built once (``_hub_files.py``, in a subprocess, with random weights from the
constructors; nothing is downloaded) and cached in ``~/.cache/layerscope-bench``.

    python benchmarks/bench_static_hub.py [--runs 3] [--skip-keras-1b]
"""

from __future__ import annotations

import argparse
import sys

from _common import Result, interleaved_processes, layerscope_command, median, run_process
from _hub_files import hub_file

TIME_TARGET = 0.1
BERT_RSS_MB = 200.0
LLAMA_SECONDS = 10.0
LLAMA_RSS_MB = 400.0
MIB = 1024 * 1024

KERAS_SUMMARY = (
    "import sys, keras, keras_hub\n"
    "model = keras.saving.load_model(sys.argv[1], compile=False)\n"
    "model.summary()\n"
)


def _summary(path: object) -> list[str]:
    return [*layerscope_command(), "summary", str(path), "--format", "json"]


def run(runs: int = 3, keras_1b: bool = True) -> list[Result]:
    results = []
    bert = hub_file("bert_base")
    bert_mb = bert.stat().st_size / 1e6
    timings = interleaved_processes(
        {
            "keras": [sys.executable, "-c", KERAS_SUMMARY, str(bert)],
            "layerscope": _summary(bert),
        },
        runs,
    )
    seconds = {case: [r.seconds for r in timings[case]] for case in timings}
    results.append(
        Result(
            "6. keras_hub files",
            f"BERT-base ({bert_mb:.0f} MB .keras): summary vs load_model + summary()",
            median(seconds["layerscope"]),
            median(seconds["keras"]),
            TIME_TARGET,
            note="layerscope: static engine, no TensorFlow; Keras: with keras_hub installed",
            samples=seconds,
        )
    )
    ours = run_process(_summary(bert), measure_memory=True)
    theirs = run_process([sys.executable, "-c", KERAS_SUMMARY, str(bert)], measure_memory=True)
    results.append(
        Result(
            "6. keras_hub files",
            "peak RSS, BERT-base summary, static",
            ours.peak_rss_bytes / MIB,
            BERT_RSS_MB,
            1.0,
            unit="MiB",
            note=(
                f"budget {BERT_RSS_MB:.0f} MiB; load_model + summary() peaked at "
                f"{theirs.peak_rss_bytes / MIB:.0f} MiB on the same file"
            ),
        )
    )

    llama = hub_file("llama_1b")
    llama_gb = llama.stat().st_size / 1e9
    llama_runs = [run_process(_summary(llama)) for _ in range(runs)]
    if any(r.returncode for r in llama_runs):
        raise RuntimeError(f"layerscope failed on the 1B Llama:\n{llama_runs[0].stderr[-2000:]}")
    results.append(
        Result(
            "6. keras_hub files",
            f"1B Llama bf16 ({llama_gb:.1f} GB .keras): summary time",
            median([r.seconds for r in llama_runs]),
            LLAMA_SECONDS,
            1.0,
            note=f"budget {LLAMA_SECONDS:.0f} s",
        )
    )
    memory = run_process(_summary(llama), measure_memory=True)
    note = f"budget {LLAMA_RSS_MB:.0f} MiB"
    if keras_1b:
        keras_run = run_process(
            [sys.executable, "-c", KERAS_SUMMARY, str(llama)], measure_memory=True
        )
        note += (
            f"; load_model + summary() took {keras_run.seconds:.0f} s and peaked at "
            f"{keras_run.peak_rss_bytes / MIB:.0f} MiB"
            + ("" if keras_run.returncode == 0 else " (it failed)")
        )
    results.append(
        Result(
            "6. keras_hub files",
            "peak RSS, 1B Llama summary, static",
            memory.peak_rss_bytes / MIB,
            LLAMA_RSS_MB,
            1.0,
            unit="MiB",
            note=note,
        )
    )
    return results


if __name__ == "__main__":
    from _common import format_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-keras-1b", action="store_true")
    args = parser.parse_args()
    table = format_table(run(args.runs, keras_1b=not args.skip_keras_1b))
    print(table)
