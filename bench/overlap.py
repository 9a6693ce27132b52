"""Two-instance overlap: two ``cbdata serve`` processes on one store, 12 overlapping requests.

    python bench/overlap.py            # local files, then Azurite
Prints, per storage, the exchange page requests against the union's minimum (the issue's target:
within 5 %), whether every answer was exact, and the wall time. Without cross-instance claims the
same run asked for 228 pages where 145 would do (issue 11).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def main() -> None:
    from tests.e2e.overlap import run_overlap
    from tests.fixtures.azurite import run_azurite

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs = [("local", {"STORAGE_TYPE": "local", "STORAGE_LOCAL_ROOT_PATH": str(work / "data")})]
        with run_azurite(work / "azurite") as azurite:
            runs.append(
                (
                    "azurite",
                    {
                        "STORAGE_TYPE": "azure",
                        "STORAGE_AZURE_CONNECTION_STRING": azurite.connection_string,
                        "STORAGE_AZURE_CONTAINER_NAME": f"overlap-{uuid.uuid4().hex[:12]}",
                    },
                )
            )
            for name, env in runs:
                result = await run_overlap(env, work)
                print(
                    f"{name:8s} page requests {result.pages} / union minimum {result.minimum} "
                    f"(+{result.excess:.1%}), answers exact: {result.exact}, {result.seconds:.1f} s"
                )


if __name__ == "__main__":
    asyncio.run(main())
