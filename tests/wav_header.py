"""A minimal RIFF/WAVE header reader, independent of libsndfile, to check what it reports."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

PCM, IEEE_FLOAT, EXTENSIBLE = 0x0001, 0x0003, 0xFFFE


@dataclass
class WavHeader:
    format_tag: int       # after resolving WAVE_FORMAT_EXTENSIBLE to its sub-format
    extensible: bool
    channels: int
    sample_rate: int
    bits_per_sample: int
    block_align: int
    data_bytes: int

    @property
    def frames(self) -> int:
        return self.data_bytes // self.block_align

    @property
    def subtype(self) -> str:
        if self.format_tag == IEEE_FLOAT:
            return {32: "FLOAT", 64: "DOUBLE"}[self.bits_per_sample]
        assert self.format_tag == PCM, self.format_tag
        return {8: "PCM_U8", 16: "PCM_16", 24: "PCM_24", 32: "PCM_32"}[self.bits_per_sample]


def read_wav_header(path: Path) -> WavHeader:
    data = Path(path).read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"{path} is not RIFF/WAVE"
    pos, fmt, data_bytes = 12, None, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            tag, channels, rate, _, block_align, bits = struct.unpack_from("<HHIIHH", data, body)
            extensible = tag == EXTENSIBLE
            if extensible:  # cbSize, valid bits, channel mask, then the sub-format GUID
                tag = struct.unpack_from("<H", data, body + 24)[0]
            fmt = (tag, extensible, channels, rate, bits, block_align)
        elif chunk_id == b"data":
            data_bytes = min(size, len(data) - body)
        pos = body + size + (size & 1)
    assert fmt is not None and data_bytes is not None, f"{path}: no fmt or data chunk"
    return WavHeader(*fmt, data_bytes=data_bytes)
