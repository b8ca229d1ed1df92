"""Run a command and print its peak RSS in bytes (from ``wait4``) on the last line of stderr.

Peak RSS is inherited across fork and exec on Linux, so a command started straight from a
benchmark process that holds TensorFlow and big models would report that process's size.
This small launcher starts the command from a fresh, small Python instead.

    python benchmarks/_measure.py COMMAND [ARGS...]
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(argv: list[str]) -> int:
    process = subprocess.Popen(argv)
    _, status, usage = os.wait4(process.pid, 0)
    print(f"peak_rss_bytes={usage.ru_maxrss * 1024}", file=sys.stderr)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
