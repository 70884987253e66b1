"""smworkbook: the helpers behind the AWS Secrets Manager with Python workbook.

Start here: `aws = smworkbook.start()` runs this kernel's mock AWS and points boto3 at it.
"""

from .describe import describe_table
from .errors import CheckFailed, WorkbookError, install_short_errors
from .faults import throttled
from .mock import MockAWS, current, start

install_short_errors()

__all__ = ["CheckFailed", "MockAWS", "WorkbookError", "current", "describe_table", "start", "throttled"]
__version__ = "0.1.0"
