"""The uploaded bytes the reader works from: a path, or a binary stream (spooled to a temporary
file first when it cannot seek), reopened from the start for each pass.
"""

import io
import os
import tempfile

from .limits import MIB, file_too_large


class UploadSource:
    """The uploaded bytes: a path, or a seekable binary stream (copied first when not seekable)."""

    def __init__(self, path_or_stream, limits):
        self._owned = None
        if isinstance(path_or_stream, (str, os.PathLike)):
            self.path, self.stream = os.fspath(path_or_stream), None
            self.size = os.path.getsize(self.path)
        else:
            stream = path_or_stream
            if not (hasattr(stream, "seekable") and stream.seekable()):
                stream = _spool(stream, limits.max_file_bytes)
                self._owned = stream
            self.path, self.stream = None, stream
            stream.seek(0, io.SEEK_END)
            self.size = stream.tell()
            stream.seek(0)

    def open(self):
        """Return a binary file positioned at the start (closing it never closes a caller's stream)."""
        if self.path is not None:
            return open(self.path, "rb")
        self.stream.seek(0)
        return io.BufferedReader(_Unclosed(self.stream), buffer_size=256 * 1024)

    def close(self):
        """Release a temporary copy made for a non-seekable stream."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None


class _Unclosed(io.RawIOBase):
    """A view of a caller's binary stream that leaves it open when closed."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        return self._stream.seek(offset, whence)

    def tell(self):
        return self._stream.tell()


def _spool(stream, max_bytes):
    copy = tempfile.SpooledTemporaryFile(max_size=8 * MIB)
    total = 0
    while chunk := stream.read(MIB):
        total += len(chunk)
        if total > max_bytes:
            copy.close()
            raise file_too_large(max_bytes)
        copy.write(chunk)
    copy.seek(0)
    return copy
