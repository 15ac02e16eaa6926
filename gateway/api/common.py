"""What every API router shares: the backends dependency and the problem responses."""

from typing import Annotated, Any

from fastapi import Depends, Request

from gateway.backends import Backends
from gateway.refusals import ProblemDetails

PROBLEM_JSON = "application/problem+json"
PROBLEM = {"model": ProblemDetails, "content": {PROBLEM_JSON: {}}}
COMMON_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429, 502, 503)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {**PROBLEM, "description": "A problem document."} for status in statuses}


def backends(request: Request) -> Backends:
    return request.app.state.backends


BackendsDep = Annotated[Backends, Depends(backends)]
