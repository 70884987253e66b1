"""What every backend offers the lessons, whichever one SMWORKBOOK_BACKEND chose."""

from __future__ import annotations

import difflib

import botocore.exceptions

from smworkbook.engine.errors import WorkbookError, one_line, require_secret_name


class Backend:
    """What every backend offers the lessons: client(), ensure_absent(), ensure_secret(), reset(), stop().

    A subclass sets `_session` (a boto3 session), `_client_args` (passed to each client) and
    `_clients` (the cache), and says whether it is running.
    """

    kind: str
    target: str | None = None

    def client(self, service: str, region: str | None = None):
        """A boto3 client for `service` (e.g. "secretsmanager") that talks to this backend.

        `region` (e.g. "eu-west-1") for another Region than the backend's own (lesson 7's replicas).
        """
        self._require_running()
        if not isinstance(service, str) or not service:
            raise WorkbookError(f"client() takes a service name such as 'secretsmanager', not {service!r}.")
        if region is not None and not (isinstance(region, str) and region):
            raise WorkbookError(f"region is a Region code such as 'eu-west-1', not {region!r}.")
        cache_key = service if region is None else f"{service}@{region}"
        if cache_key not in self._clients:
            extra = {} if region is None else {"region_name": region}
            try:
                self._clients[cache_key] = self._session.client(service, **self._client_args, **extra)
            except botocore.exceptions.UnknownServiceError:
                close = difflib.get_close_matches(service, self._session.get_available_services(), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise WorkbookError(f"There is no AWS service called {service!r}.{hint}") from None
        return self._clients[cache_key]

    def ensure_secret(self, name: str, **create_secret_args) -> dict:
        """Make sure `name` is a brand-new secret created with `create_secret_args`.

        Any existing secret of that name is deleted first, versions and all.
        """
        self.ensure_absent(name)
        try:
            return self.client("secretsmanager").create_secret(Name=name, **create_secret_args)
        except botocore.exceptions.ParamValidationError as error:
            raise WorkbookError(f"ensure_secret({name!r}, ...): {one_line(error)}") from None

    def ensure_absent(self, name: str) -> None:
        """Make sure no secret called `name` exists (deleting it at once if it does)."""
        require_secret_name(name)
        try:
            self.client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except botocore.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
