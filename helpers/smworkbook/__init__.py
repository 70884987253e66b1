"""smworkbook: the helpers behind the AWS Secrets Manager with Python workbook.

Start here: `aws = smworkbook.start()` runs this kernel's mock AWS and points boto3 at it.
"""

import importlib

from . import graded
from .errors import CheckFailed, WorkbookError, install_short_errors
from .mock import MockAWS, current, start
from .rotation import register_rotation_function, rotation_log

install_short_errors()

# Loaded on first use: pandas and ipywidgets take longer to import than the rest of the set-up
# cell together, and lesson 1 needs neither; only lesson 4 needs the database.
_LAZY = {
    "Database": ".database",
    "start_database": ".database",
    "throttled": ".faults",
    "describe_table": ".describe",
    "LabelHistory": ".history",
    "versions_table": ".versions",
    "versions_snapshot": ".versions",
    "VersionsView": ".widgets",
    "show_versions": ".widgets",
}


def __getattr__(name: str):
    if name == "start_database" and graded.active():  # a graded kernel uses the grader's database
        return graded.start_database
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'smworkbook' has no attribute {name!r}")


__all__ = [
    "CheckFailed",
    "Database",
    "LabelHistory",
    "MockAWS",
    "VersionsView",
    "WorkbookError",
    "current",
    "describe_table",
    "register_rotation_function",
    "rotation_log",
    "show_versions",
    "start",
    "start_database",
    "throttled",
    "versions_snapshot",
    "versions_table",
]
__version__ = "0.1.0"
