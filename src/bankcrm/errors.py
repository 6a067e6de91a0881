"""One error tree. Services raise these; the API and UI render them (status code + message)."""

from __future__ import annotations

from typing import Any


class BankCrmError(Exception):
    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(BankCrmError):
    status_code = 404


class Conflict(BankCrmError):
    status_code = 409


class Forbidden(BankCrmError):
    status_code = 403


class InvalidInput(BankCrmError):
    status_code = 422

    def __init__(self, message: str, *, loc: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


class DropRejected(InvalidInput):
    """An extract drop failed validation; `report` holds every (file, row, column, value, reason)."""

    def __init__(self, message: str, *, report: Any) -> None:
        super().__init__(message)
        self.report = report


class Unauthorized(BankCrmError):
    status_code = 401


class TooManyRequests(BankCrmError):
    status_code = 429
