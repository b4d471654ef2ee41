"""How problems.py maps errors to RFC 9457 answers, on a bare app without the 5xx guard."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.domain.errors import PlanInvalid
from doorstep.entrypoints.api import problems


def test_an_invalid_plan_is_a_planner_error_with_its_message() -> None:
    """PlanInvalid is our bug, not bad input: 500 'planner-error' saying what the plan broke."""
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise PlanInvalid(("[late] stop s1 arrives after its window",))

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == problems.MEDIA_TYPE
    body = answer.json()
    assert body["type"] == "urn:doorstep:problem:planner-error"
    assert "stop s1 arrives after its window" in body["detail"]
