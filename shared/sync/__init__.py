"""The timer's sync: the watched targets (``targets``) and one run over all of them (``runner``)."""

from shared.sync.runner import SyncSummary, run_sync
from shared.sync.state import TargetState
from shared.sync.targets import TargetStore

__all__ = ["SyncSummary", "TargetState", "TargetStore", "run_sync"]
