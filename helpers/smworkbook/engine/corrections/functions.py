"""Lambda: functions deployed with create_function run (without Docker), log to CloudWatch Logs, and answer Invoke
as Lambda does.

Follows the Lambda API reference (Invoke) and the Developer Guide ("AWS Lambda function errors in Python", "Log
and monitor Python Lambda functions"). How a function runs: engine/lambda_runtime.py; its log: engine/deployed.py.
"""

from __future__ import annotations

import base64
import json

from moto.awslambda import models as lambda_models

from smworkbook.engine import deployed, server

# Invoke's LogResult: "The last 4 KB of the execution log, which is base64-encoded" (API reference, Invoke).
_LOG_TAIL = 4096


def invoke_runs_the_function_without_docker() -> None:
    """Invoke runs the function's code, answers its result, and reports its errors as Lambda does.

    AWS (API reference, Invoke): the response's Payload is "the response from the function, or an error
    object"; FunctionError (header X-Amz-Function-Error) "If present, indicates that an error occurred during
    function execution. Details about the error are included in the response payload"; LogResult
    (X-Amz-Log-Result, with LogType=Tail) "the last 4 KB of the execution log, which is base64-encoded";
    ExecutedVersion (X-Amz-Executed-Version) "The version of the function that executed". Developer Guide,
    "AWS Lambda function errors in Python": the error object is {"errorMessage", "errorType", "requestId",
    "stackTrace"}, and the runtime logs "[ERROR] <type>: <message>" with the traceback. "Log and monitor Python
    Lambda functions": each invocation writes "START RequestId: ... Version: $LATEST", the function's output,
    "END RequestId: ..." and "REPORT RequestId: ... Duration: ... Billed Duration: ... Memory Size: ... Max
    Memory Used: ..." to the log group /aws/lambda/<function name>.
    moto 5.2: runs the code only in Docker; without Docker it logs "error running docker" and answers that
    text with FunctionError "Handled".
    Here: engine/lambda_runtime.py runs it in a child process of the learner's own user; FunctionError is
    "Unhandled" (what AWS answers for an exception the function raised; "Handled" belonged to the retired
    Python 2 callback style). Invocation types Event and RequestResponse both run before the answer is sent
    (the mock has no queue); DryRun runs nothing. MemorySize is not enforced;
    Max Memory Used is the child process's peak.
    """

    def _invoke(self, body, request_headers, response_headers):
        kind = request_headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if kind == "DryRun":
            return b""
        event = json.loads(body) if body else {}
        outcome, lines = deployed.invoke(self, event, server.own_endpoint())
        response_headers["X-Amz-Executed-Version"] = "$LATEST"
        if outcome.failed:
            response_headers["X-Amz-Function-Error"] = "Unhandled"
        tail = "\n".join(lines).encode()[-_LOG_TAIL:]
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        if kind == "Event":
            return b""
        return json.dumps(outcome.payload).encode()

    lambda_models.LambdaFunction.invoke = _invoke


CORRECTIONS = (invoke_runs_the_function_without_docker,)
