"""cb-trade data service: complete, exact historical OHLCV candles for quant research.

Everything with logic lives in this package; ``function_app.py`` only wires it to Azure Functions.
"""

import os

__version__ = "0.1.0"

# Arrow's C++ code allocates from the allocator named by this variable, read once when pyarrow loads;
# ``pa.set_memory_pool`` changes only what pyarrow's Python calls use. The system allocator returns
# freed memory to the OS, mimalloc keeps it: ~45 MB less peak RSS on a cold year (shared/memory.py).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
