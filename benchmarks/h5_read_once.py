"""The reference for the weights benchmark: read every tensor of a .keras file's weights once
with h5py.

This is the least any tool must do to look at every weight value: open the archive's
``model.weights.h5`` in place (Keras stores it uncompressed; zipfile's own member reader
re-reads from the start on every backward seek, 20x slower here, so a plain window onto the
member's bytes is used) and read each dataset whole into numpy, one at a time.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zipfile
from typing import Any


class Window(io.RawIOBase):
    """A read-only, seekable view of ``size`` bytes at ``start`` in a file."""

    def __init__(self, path: str, start: int, size: int) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.start, self.size, self.position = start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self.size - self.position))
        got = os.preadv(self.fd, [view[:count]], self.start + self.position)
        self.position += got
        return got

    def close(self) -> None:
        os.close(self.fd)
        super().close()


def member_window(path: str, name: str) -> Window:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with open(path, "rb") as file:
        file.seek(info.header_offset)
        header = file.read(30)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return Window(path, info.header_offset + 30 + name_length + extra_length, info.file_size)


def main(path: str) -> int:
    import h5py

    window = member_window(path, "model.weights.h5")
    total = 0
    with h5py.File(window, "r") as handle:

        def read(name: str, item: Any) -> None:
            nonlocal total
            if isinstance(item, h5py.Dataset):
                total += item[()].size

        handle.visititems(read)
    window.close()
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
