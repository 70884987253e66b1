"""smworkbook: the helpers behind the AWS Secrets Manager with Python workbook.

Start here: `aws = smworkbook.start()` runs this kernel's mock AWS and points boto3 at it.
"""

from .errors import CheckFailed, WorkbookError, install_short_errors
from .history import LabelHistory
from .mock import MockAWS, current, start
from .versions import versions_table
from .widgets import VersionsView, show_versions

install_short_errors()

__all__ = [
    "CheckFailed",
    "LabelHistory",
    "MockAWS",
    "VersionsView",
    "WorkbookError",
    "current",
    "show_versions",
    "start",
    "versions_table",
]
__version__ = "0.1.0"
