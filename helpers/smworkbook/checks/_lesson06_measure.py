"""How lesson 6's checks measure a service: the orders service they serve, its counting cache, load through a rotation.

The service is a real Flask app on loopback whose one route, GET /orders, runs the learner's code with a
SecretCache (aws-secretsmanager-caching) signed as the service's IAM identity; it answers 503 when the
database refuses the login, as a service behind a load balancer would. The cache counts its reads and forced
refreshes per request and ends a request that retries in a loop, so a check can say "refreshed on every request"
or "retried forever" from what the cache saw, whatever the request answered.

A rotation under load is paced: after each of the rotation function's steps one probe request is sent, so
every phase of the rotation has a request however the machine schedules the threads. The counts the checks
assert ("0 failed after finishSecret", "at least one failed") then do not depend on timing.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time

from smworkbook.checks._registry import require
from smworkbook.engine import lambdas
from smworkbook.fixtures import load, service
from smworkbook.toolkit import rotation
from smworkbook.toolkit.mock import current

PAUSE = 0.1  # seconds between the steps of a check's rotation (the lesson uses 0.3 s to show it)
# aws-secretsmanager-caching waits 2.5 to 5 s (FORCE_REFRESH_JITTER_SLEEP, jitter) before a forced
# refresh, so that many processes do not call Secrets Manager at once. The checks shorten it.
QUICK_JITTER_MS = 50
# A request that calls refresh_secret_now or reads the cache more often than this is retrying
# in a loop: the checks end it (an error the learner's `except Exception` can't swallow).
MAX_REFRESHES, MAX_READS = 2, 6
# A request that swallows that error and calls the cache again waits before each call, up to this (s).
LOOP_BACKOFF_MAX = 30


class RetriedTooOften(BaseException):
    """Ends a request that refreshes or reads in a loop (BaseException: `except Exception` can't catch it)."""


def counting_cache(client, serial: bool = False):
    """A SecretCache that counts its reads and forced refreshes, per request and in all.

    `serial`: the requests run one at a time (graded: the learner's function runs in the kernel and
    its cache calls come back on the grader's threads), so the per-request counts are not per thread.
    """
    import types

    from aws_secretsmanager_caching import SecretCache, SecretCacheConfig

    class CountingCache(SecretCache):
        def __init__(self) -> None:
            super().__init__(config=SecretCacheConfig(), client=client)
            self.reads = 0
            self.refreshes = 0
            # Why each request that looped was ended, recorded here when the guard fires: a request whose
            # code swallows the guard and loops on never answers, yet the check must see it.
            self.looped: list[str] = []
            self.swallowed = False  # a request caught the guard's error and called the cache again
            # Requests that refreshed the secret, then failed without reading the cache again: they retried with the
            # credentials read before the refresh.
            self.unread_refreshes = 0
            self.request = types.SimpleNamespace() if serial else threading.local()

        def get_secret_string(self, secret_id, version_stage=None):
            self.reads += 1
            self.request.reads = getattr(self.request, "reads", 0) + 1
            self.request.read_after_refresh = True
            if self.request.reads > MAX_READS:
                self._end_loop("read the secret again and again")
            return super().get_secret_string(secret_id, version_stage)

        def refresh_secret_now(self, secret_id):
            self.refreshes += 1
            self.request.refreshes = getattr(self.request, "refreshes", 0) + 1
            self.request.read_after_refresh = False
            if self.request.refreshes > MAX_REFRESHES:
                self._end_loop("refreshed again and again")
            return super().refresh_secret_now(secret_id)

        def _end_loop(self, why: str):
            if getattr(self.request, "looped", None):
                # The learner's code caught the guard (a bare `except:`) and called again: it may loop
                # forever. Each further call waits longer, so such a loop costs no CPU while it lasts.
                self.swallowed = True
                self.request.ignored = getattr(self.request, "ignored", 0) + 1
                time.sleep(min(LOOP_BACKOFF_MAX, 0.05 * 2**self.request.ignored))
            else:
                self.request.looped = why
                self.looped.append(why)
            raise RetriedTooOften(self.request.looped)

    return CountingCache()


def orders_app(answer, cache, serial: bool = False):
    """The orders service: GET /orders runs `answer(cache)`; 503 when the database refuses the login.

    `serial`: one request at a time (graded, where the kernel runs one call at a time anyway).
    """
    from flask import Flask
    from pg8000.exceptions import DatabaseError

    app = Flask("lesson06-check")
    one_at_a_time = threading.Lock() if serial else contextlib.nullcontext()

    @app.get("/orders")
    def orders():
        with one_at_a_time:
            cache.request.reads = cache.request.refreshes = cache.request.ignored = 0
            cache.request.looped = None
            cache.request.read_after_refresh = True
            answered = _answer()
            if not isinstance(answered, dict) and not cache.request.read_after_refresh:
                cache.unread_refreshes += 1
            if cache.request.looped:  # the loop guard fired, even if the learner's code swallowed it
                return {"error": f"retried: {cache.request.looped}"}, 500
            return answered

    def _answer():
        try:
            return {"served_by": str(answer(cache))}
        except DatabaseError as error:
            return {"error": lambdas.error_text(error)}, 503
        except RetriedTooOften as error:
            return {"error": f"retried: {error}"}, 500
        except NotImplementedError:
            return {"error": "NotImplementedError"}, 500
        except Exception as error:  # the learner's code failed another way: the hint shows it
            return {"error": lambdas.error_text(error)}, 500

    return app


@contextlib.contextmanager
def quick_refresh():
    from aws_secretsmanager_caching.cache.items import SecretCacheItem

    saved = SecretCacheItem.FORCE_REFRESH_JITTER_SLEEP
    SecretCacheItem.FORCE_REFRESH_JITTER_SLEEP = QUICK_JITTER_MS
    try:
        yield
    finally:
        SecretCacheItem.FORCE_REFRESH_JITTER_SLEEP = saved


class Measure:
    """The service with `answer`, run as `identity`, its cache, and the load runs of one check on `secret`."""

    def __init__(self, answer, identity, secret: str) -> None:
        require(identity, "Run the exercise's cell first: its checks.setup(...) prepares the service.")
        self.secret = secret
        self.client = current().client_as(identity)
        self.calls: list[str] = []
        self.client.meta.events.register(
            "before-call.secrets-manager", lambda model, **_: self.calls.append(model.name)
        )
        # Graded, `answer` stands in for the learner's function, which runs in the kernel (as a Lambda
        # would); the cache stays here and the kernel's function reads it through the grader's control
        # address (smworkbook.toolkit.graded.RemoteCache). The service, its cache, the counts and the HTTP
        # answers are all this process's: nothing the kernel reports decides the verdict.
        serial = bool(getattr(answer, "runs_in_kernel", False))
        self.cache = counting_cache(self.client, serial)
        self.service = service.serve(orders_app(answer, self.cache, serial), name="lesson06-check")

    def get(self) -> load.Request:
        return load.fetch(self.service.url + "/orders")

    def rotate(self, handler, name: str) -> tuple[load.LoadResult, dict]:
        """One rotation of the secret under load; (the load's result, what the rotation did)."""
        arn = rotation.register_rotation_function(name, load.paced(handler, PAUSE))
        log_start = len(rotation._find(arn).log)
        admin = current().client("secretsmanager")
        before = admin.describe_secret(SecretId=self.secret)["VersionIdsToStages"]
        answer: dict = {}

        def rotate() -> None:
            with contextlib.redirect_stdout(io.StringIO()):  # the check's report says what failed
                answer.update(admin.rotate_secret(SecretId=self.secret, RotationLambdaARN=arn))

        result = load.run(self.service.url + "/orders", during=rotate, before=0.15, after=0.3)
        log = rotation._find(arn).log[log_start:]
        failed = [line for line in log if line.endswith(": FAILED")]
        return result, {
            "token": answer.get("VersionId"),
            "before": before,
            "stages": admin.describe_secret(SecretId=self.secret)["VersionIdsToStages"],
            "failed": failed[0].split()[1].rstrip(":") if failed else None,
            "error": log[log.index(failed[0]) - 1] if failed else "",
        }

    def rotate_unwatched(self, handler, name: str) -> dict:
        """One rotation of the secret with no request during it: the cache keeps the credentials from before."""
        arn = rotation.register_rotation_function(name, handler)
        admin = current().client("secretsmanager")
        before = admin.describe_secret(SecretId=self.secret)["VersionIdsToStages"]
        with contextlib.redirect_stdout(io.StringIO()):
            admin.rotate_secret(SecretId=self.secret, RotationLambdaARN=arn)
        return {"before": before, "stages": admin.describe_secret(SecretId=self.secret)["VersionIdsToStages"]}

    def close(self) -> None:
        self.service.stop()


@contextlib.contextmanager
def measuring(answer, identity, secret: str):
    """The service with `answer` as `identity`, for the checks of one call (stopped at the end)."""
    require(callable(answer), "Pass your function itself (checks.verify('6.x', orders)), without brackets.")
    with quick_refresh():
        measure = Measure(answer, identity, secret)
        try:
            yield measure
        finally:
            measure.close()


def first_error(requests) -> str:
    for request in requests:
        if not request.ok:
            try:
                return json.loads(request.body).get("error", request.body)
            except ValueError:
                return request.body or f"HTTP {request.status}"
    return ""
