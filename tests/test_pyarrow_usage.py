"""How the service reads Parquet: never through ``pq.read_table``.

``pq.read_table`` goes through ``pyarrow.dataset``, whose threads can still be running when a short
process exits: with pyarrow 26 about one ``cbdata`` run in four then ends in ``std::terminate``
(exit 134, "terminate called without an active exception") after its work is done. The service
reads with ``pq.ParquetFile(...).read()``, which does not start them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _calls_to(name: str, path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == name]


def test_the_service_never_reads_parquet_through_pyarrow_dataset():
    sources = [*ROOT.joinpath("shared").rglob("*.py"), *ROOT.joinpath("client").rglob("*.py")]
    assert len(sources) > 50
    found = {
        str(p.relative_to(ROOT)): lines
        for p in sources
        if (lines := _calls_to("read_table", p) + _calls_to("dataset", p))
    }
    assert found == {}
