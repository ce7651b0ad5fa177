"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
(valid ones, and invalid ones: wrong types, out-of-range numbers, missing fields, stray bytes)
as a signed-in supervisor with a bearer token, over a story with items in every state and a
target, and fails on any 5xx, any status the schema does not list, and any response whose body
does not match its schema.

Bounded for CI: ``EXAMPLES`` cases per operation and mode, derandomized (the same cases on every
run), no shrinking, no example database; the whole module takes about a minute per database.

One check is configured rather than taken as is: ``positive_data_acceptance`` expects any
schema-valid request to succeed, but the schema cannot say which unit codes exist or which state
an item is in; a 422 with a stable code is this API's documented answer to those (every 422 is
still checked against the error schema). A 400 to a schema-valid request stays a failure.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.api.conftest import ApiClient
from tests.targets.conftest import fiveg  # noqa: F401
from tests.workbench.conftest import story  # noqa: F401

EXAMPLES = 10

CONFIG = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422"],
        },
    },
}


def _operations() -> list[str]:
    from duban.api.api import api

    spec = api.get_openapi_schema(path_prefix="/api")
    return [f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops]


@pytest.fixture(scope="module")
def wsgi_app():
    """Django's WSGI app, called in-process inside each test's transaction. Like Django's test
    client, keep request_started/finished from closing the connection (which would end the
    transaction the story was written in)."""
    from django.core import signals
    from django.db import close_old_connections

    from duban.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(wsgi_app, django_db_setup, django_db_blocker):
    """The schema as the app publishes it, fetched once per module (against the test database,
    should the page ever read a table)."""
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi(
            "/api/openapi.json", wsgi_app, config=schemathesis.Config.from_dict(CONFIG)
        )


@pytest.mark.parametrize("label", _operations())
def test_operation_keeps_to_its_schema(label, api_schema, prov_sup, story, fiveg):  # noqa: F811
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    headers = {"Authorization": f"Bearer {ApiClient(prov_sup).token}"}

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers)

        run()
