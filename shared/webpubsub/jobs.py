"""The queue message that carries one historical request from the user event to the worker.

A JSON object ``{"job_id", "connection_id", "hub", "request": {...HistoricalRequest, times in ms}}``,
well under the queue's 64 KiB (the request's fields are bounded; a job is below 1 KiB).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from shared.api.requests import HistoricalStreamRequest
from shared.errors import InvalidRequestError
from shared.settings import HUB_PATTERN
from shared.webpubsub.limits import validate_job_id
from shared.webpubsub.trigger import validate_connection_id

MAX_JOB_BYTES = 48 * 1024  # the queue takes 64 KiB, base64-encoded by the host


def _check(validator):  # pydantic wants ValueError; ours raise InvalidRequestError
    def check(value: str) -> str:
        try:
            return validator(value)
        except InvalidRequestError as exc:
            raise ValueError(exc.message) from None

    return AfterValidator(check)


class HistoricalJob(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: Annotated[str, _check(validate_job_id)]
    connection_id: Annotated[str, _check(validate_connection_id)]
    hub: str = Field(pattern=HUB_PATTERN)
    request: HistoricalStreamRequest

    def to_message(self) -> str:
        return self.model_dump_json()


def new_job(connection_id: str, hub: str, request: HistoricalStreamRequest) -> HistoricalJob:
    return HistoricalJob(job_id=uuid.uuid4().hex, connection_id=connection_id, hub=hub, request=request)


def parse_job(raw: str | bytes) -> HistoricalJob:
    """The job in a queue message; ``InvalidRequestError`` for anything else."""
    if not isinstance(raw, str | bytes) or len(raw) > MAX_JOB_BYTES:
        raise InvalidRequestError("the queue message is not a historical job")
    try:
        return HistoricalJob.model_validate_json(raw)
    except ValidationError:
        raise InvalidRequestError("the queue message is not a valid historical job") from None
