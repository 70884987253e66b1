"""Exercise checks: `checks.setup("1.2")` before an exercise, `checks.verify("1.2", answer)` after.

Each check inspects the mock's state and prints one pass line, or raises CheckFailed (an
AssertionError) whose message is a hint. `checks.progress(1)`, the last cell of each exercise
notebook, shows what this kernel's checks found (a view, not the grade).
"""

from smworkbook.checks import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06  # noqa: F401  (registers the lessons' exercises)
from smworkbook.checks._registry import EXERCISES, progress, setup, verify

__all__ = ["EXERCISES", "progress", "setup", "verify"]
# Layer 4 (tests/test_layers.py): the checks use the toolkit and the fixtures; grading runs them.
LAYER = 4
