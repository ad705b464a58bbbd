"""Naming a binary file by its first bytes, so the model knows what it cannot read."""

from __future__ import annotations

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive (also wheel, jar, docx)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"(\xb5/\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable or library"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x00asm", "WebAssembly module"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O binary"),
    (b"\xff\xfe", "UTF-16 text (little-endian)"),
    (b"\xfe\xff", "UTF-16 text (big-endian)"),
)
TAR_MAGIC = (257, b"ustar")


def signature(data: bytes) -> str | None:
    """The format the first bytes announce (``PNG image``, ``tar archive``), if any."""
    name = next((name for magic, name in SIGNATURES if data.startswith(magic)), None)
    if name is None and data[TAR_MAGIC[0]:].startswith(TAR_MAGIC[1]):
        name = "tar archive"
    return name
