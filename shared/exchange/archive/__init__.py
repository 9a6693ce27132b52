"""Bulk candle archives of exchanges (``ArchiveSource``), tried before REST for complete past days."""

from shared.exchange.archive.source import (
    ArchiveCorrupt,
    ArchiveError,
    ArchiveFile,
    ArchiveMissing,
    ArchiveRows,
    ArchiveSource,
    ArchiveUnreachable,
    PublicationLag,
)

__all__ = [
    "ArchiveCorrupt",
    "ArchiveError",
    "ArchiveFile",
    "ArchiveMissing",
    "ArchiveRows",
    "ArchiveSource",
    "ArchiveUnreachable",
    "PublicationLag",
]
