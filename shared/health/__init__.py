"""What ``/api/health`` reports: one status per part (ok / degraded / down, with a code), each
checked under a deadline so the whole answer comes within ``ANSWER_WITHIN_SECONDS``."""

from shared.health.parts import DEGRADED, DOWN, OK, Part
from shared.health.report import ANSWER_WITHIN_SECONDS, PART_DEADLINE_SECONDS, check_parts, overall

__all__ = [
    "ANSWER_WITHIN_SECONDS",
    "DEGRADED",
    "DOWN",
    "OK",
    "PART_DEADLINE_SECONDS",
    "Part",
    "check_parts",
    "overall",
]
