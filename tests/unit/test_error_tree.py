"""One error tree, one status per error class, answered by the one handler in web/errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import config.errors as tree
from config.errors import VoxdeskError
from telephony.ivr import FlowProblem, IvrFlowError
from web.errors import STATUS_OF_KIND, UNEXPECTED, install_error_handlers, status_of

FEATURES = ("asr", "config", "qa", "routing", "telephony", "tickets", "web")


def all_error_classes() -> list[type[VoxdeskError]]:
    """Every VoxdeskError subclass defined anywhere in Voxdesk (modules imported to find them)."""
    for package in FEATURES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if "exception" in info.name or info.name.endswith(("services", "replay", "accounts", "service")):
                importlib.import_module(info.name)
    found: list[type[VoxdeskError]] = []
    pending = [VoxdeskError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def kinds_in(cls: type) -> set[type]:
    """The kinds a class inherits, without those that are ancestors of another kind it has."""
    kinds = {base for base in cls.__mro__ if base in STATUS_OF_KIND}
    return {k for k in kinds if not any(other is not k and issubclass(other, k) for other in kinds)}


@pytest.mark.parametrize("error_class", all_error_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_error_class_has_exactly_one_status(error_class: type[VoxdeskError]) -> None:
    assert len(kinds_in(error_class)) <= 1, f"{error_class} inherits two kinds: {kinds_in(error_class)}"


@pytest.mark.parametrize("kind", list(STATUS_OF_KIND), ids=lambda c: c.__name__)
def test_each_kind_and_its_status_are_documented_in_the_tree(kind: type[VoxdeskError]) -> None:
    doc = tree.__doc__ or ""
    line = rf"{kind.__name__}\b.*-> {STATUS_OF_KIND[kind]}"
    assert re.search(line, doc), f"{kind.__name__} and its status are not in config/errors.py's tree"


def test_feature_errors_answer_their_kinds_status() -> None:
    from config.accounts import AccountExistsError, AccountNotFoundError, InvalidAccountError
    from routing import AgentTransitionError
    from telephony.agents.exceptions import AgentNotFoundError, NoAgentAccountError
    from telephony.calls.exceptions import (
        BadTransferTargetError,
        CallNotFoundError,
        CallStateConflictError,
        NotOnThisCallError,
    )
    from telephony.ivr.service import FlowNotFoundError
    from tickets.channels.exceptions import (
        DeliveryError,
        PayloadError,
        PayloadTooLargeError,
        ReplayCheckUnavailableError,
        ReplayedRequestError,
        UnverifiedRecipientError,
    )
    from tickets.csat.services import InvalidSurveyInputError, SurveyAnsweredError, SurveyTokenError
    from tickets.customers.exceptions import MergeError

    expected = {
        CallNotFoundError: 404, AgentNotFoundError: 404, FlowNotFoundError: 404, AccountNotFoundError: 404,
        SurveyTokenError: 401, NotOnThisCallError: 403, CallStateConflictError: 409,
        AgentTransitionError: 409, NoAgentAccountError: 409, AccountExistsError: 409, MergeError: 409,
        SurveyAnsweredError: 409, ReplayedRequestError: 409, UnverifiedRecipientError: 409,
        BadTransferTargetError: 422, InvalidAccountError: 422,
        InvalidSurveyInputError: 422, IvrFlowError: 422, PayloadError: 400, PayloadTooLargeError: 413,
        DeliveryError: 502, ReplayCheckUnavailableError: 503, tree.StorageError: 503,
        tree.SettingsError: UNEXPECTED, VoxdeskError: UNEXPECTED,
    }  # fmt: skip
    assert {cls: status_of(cls) for cls in expected} == expected


def test_there_is_one_signature_error_and_it_answers_401() -> None:
    from tickets.channels.exceptions import SignatureError as ChannelSignature
    from tickets.desk.exceptions import SignatureError as DeskSignature

    assert ChannelSignature is DeskSignature is tree.SignatureError
    assert status_of(tree.SignatureError) == 401


def test_a_feature_base_adds_no_status_of_its_own() -> None:
    from telephony.calls.exceptions import CallError

    assert status_of(CallError) == UNEXPECTED
    assert not any(inspect.getmodule(kind) is not tree for kind in STATUS_OF_KIND)


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/flow")
    def broken_flow() -> None:
        raise IvrFlowError("main", [FlowProblem("ask", "pattern is not a valid regex")])

    @app.get("/down")
    def down() -> None:
        raise tree.EventBusError("Redis refused the publish")

    @app.get("/bug")
    def bug() -> None:
        raise VoxdeskError("should not happen")

    return TestClient(app, raise_server_exceptions=False)


def test_the_handler_answers_with_the_status_and_the_errors_public_detail(client: TestClient) -> None:
    flow = client.get("/flow")
    assert flow.status_code == 422
    assert flow.json()["detail"]["problems"] == [{"node": "ask", "reason": "pattern is not a valid regex"}]
    down = client.get("/down")
    assert (down.status_code, down.json()) == (503, {"detail": "Redis refused the publish"})
    assert client.get("/bug").status_code == 500
