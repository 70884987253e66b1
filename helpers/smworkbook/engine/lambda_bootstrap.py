"""The program a deployed Lambda function runs in: one invocation, in a child process of the learner's kernel.

    python -I lambda_bootstrap.py CODE_DIR HANDLER EVENT_FILE RESULT_FILE PARENT_PID

It plays the part of Lambda's Python runtime (AWS Lambda Developer Guide, "Building Lambda functions with
Python", "Log and monitor Python Lambda functions" and "AWS Lambda function errors in Python"):
- the code folder (the unzipped deployment package, LAMBDA_TASK_ROOT) is first on sys.path and the
  working folder; HANDLER is "module.function" (a module in a subfolder: "folder/module.function");
- the root logger has one handler that writes "[LEVEL]\\t<time>Z\\t<request id>\\t<message>" to the log
  (the runtime's format; the root logger's level stays WARNING until the function sets it, as AWS's rotation
  templates do with logger.setLevel(logging.INFO));
- print() output goes to the log too;
- the handler's return value is the invocation's result (JSON); an exception becomes the error document
  {"errorMessage", "errorType", "requestId", "stackTrace"} and is logged as "[ERROR] Type: message" with
  its traceback; a module that cannot be imported is "Runtime.ImportModuleError" ("Unable to import module
  'x': ..."), a missing function "Runtime.HandlerNotFound" ("Handler 'f' missing on module 'x'"), a
  HANDLER without a dot "Runtime.MalformedHandlerName" ("Bad handler 'x': not enough values to unpack"), a
  result that is not JSON "Runtime.MarshalError" ("Unable to marshal response: ...").

It imports nothing of the workbook: it runs with the kernel's Python, as the learner's own code.
"""

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback

_STARTED = time.monotonic()


def _watch_parent(parent_pid: int) -> None:
    # Nothing is left running when the kernel dies: Linux kills this process with the parent thread
    # (PR_SET_PDEATHSIG, set below); elsewhere, and as a second guard, this thread notices the new parent.
    while True:
        if os.getppid() != parent_pid:
            os._exit(137)
        time.sleep(0.5)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(137)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


class Context:
    """The `context` argument (Developer Guide, "Using the Lambda context object to retrieve Python function
    information")."""

    def __init__(self, request_id: str) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["SMWORKBOOK_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = request_id
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self._deadline = _STARTED + float(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _Formatter(logging.Formatter):
    def __init__(self, request_id: str) -> None:
        line = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t" + request_id + "\t%(message)s"
        super().__init__(line, "%Y-%m-%dT%H:%M:%S")
        self.converter = time.gmtime


def _as_on_lambda(frame: str, code_dir: str) -> str:
    """A formatted frame as Lambda names its files: the function's under /var/task, the runtime's packages and
    standard library under /var/lang/lib/<runtime>; without the column markers (^^^) that only some Pythons print."""
    import sysconfig

    runtime = os.environ.get("AWS_EXECUTION_ENV", "").removeprefix("AWS_Lambda_") or "python3"
    places = [(code_dir, "/var/task")]
    places += [(path, f"/var/lang/lib/{runtime}/site-packages") for path in sys.path if path.endswith("site-packages")]
    places.append((sysconfig.get_paths()["stdlib"], f"/var/lang/lib/{runtime}"))
    for real, shown in sorted(places, key=lambda place: -len(place[0])):
        frame = frame.replace(f'"{real}/', f'"{shown}/')
    lines = [line for line in frame.splitlines(keepends=True) if line.strip().strip("^~")]
    return "".join(lines)


def _error(error_type: str, message: str, request_id: str, stack: list[str]) -> dict:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def _load(handler: str, request_id: str):
    """The handler function, or the error document Lambda's runtime answers for a handler it can't load."""
    module_path, dot, function_name = handler.rpartition(".")
    if not dot or not module_path:
        return None, _error(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
            request_id,
            [],
        )
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # whatever the module raised while it was imported: AWS reports them all alike
        return None, _error(
            "Runtime.ImportModuleError", f"Unable to import module '{module_path}': {error}", request_id, []
        )
    function = getattr(module, function_name, None)
    if function is None:
        return None, _error(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_path}'", request_id, []
        )
    return function, None


def _stop_at_timeout(result_file: str) -> None:
    """The function's Timeout counts from the handler's call (the import is Lambda's init phase, which has a limit
    of its own): when it runs out, this process and whatever it started are killed, as Lambda ends the invocation.
    """
    import signal

    def stop(signum, frame):
        with open(result_file, "w", encoding="utf-8") as file:
            json.dump({"timed_out": True}, file)
        sys.stdout.flush()
        os.killpg(0, signal.SIGKILL)  # its own process group: the kernel started it as a session of its own

    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, float(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"]))


def main() -> None:
    code_dir, handler, event_file, result_file, parent_pid = sys.argv[1:6]
    _die_with_parent(int(parent_pid))
    request_id = os.environ["SMWORKBOOK_REQUEST_ID"]
    os.chdir(code_dir)
    sys.path.insert(0, code_dir)
    sys.path.extend(path for path in json.loads(os.environ.get("SMWORKBOOK_PACKAGES", "[]")) if path not in sys.path)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr = sys.stdout  # one log, in the order things happened
    root = logging.getLogger()
    log_handler = logging.StreamHandler(sys.stdout)
    log_handler.setFormatter(_Formatter(request_id))
    root.addHandler(log_handler)
    with open(event_file, encoding="utf-8") as file:
        event = json.load(file)

    function, error = _load(handler, request_id)
    if error is None:
        _stop_at_timeout(result_file)
        try:
            result = function(event, Context(request_id))
        except Exception as raised:  # the function's error, whatever it is, ends the invocation as in Lambda
            frames = traceback.extract_tb(raised.__traceback__)[1:]  # from the handler down, as Lambda shows it
            stack = [_as_on_lambda(line, code_dir) for line in traceback.format_list(frames)]
            error = _error(type(raised).__name__, str(raised), request_id, stack)
        else:
            try:
                answer = {"result": json.loads(json.dumps(result))}
            except (TypeError, ValueError) as unmarshalable:
                message = f"Unable to marshal response: {unmarshalable}"
                error = _error("Runtime.MarshalError", message, request_id, [])
    import signal

    signal.setitimer(signal.ITIMER_REAL, 0)  # the handler returned in time
    if error is not None:
        lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
        if error["stackTrace"]:
            lines.append("Traceback (most recent call last):")
            lines.extend(line.rstrip("\n") for line in error["stackTrace"])
        print("\n".join(lines), flush=True)
        answer = {"error": error}
    answer["max_memory_mb"] = _max_memory_mb()
    with open(result_file, "w", encoding="utf-8") as file:
        json.dump(answer, file)


def _max_memory_mb() -> int:
    """This process's peak resident memory (REPORT's "Max Memory Used")."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))


if __name__ == "__main__":
    main()
