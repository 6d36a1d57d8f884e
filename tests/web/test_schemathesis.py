"""schemathesis over the OpenAPI document: generated requests to every JSON operation, as the office and as
a unit user, on SQLite and PostgreSQL — no answer may be a server error (5xx).

Operations that end the signed-in session (logout, revoking sessions, changing the password) are left out:
they would turn every later request into a 401 and test nothing.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from websupport import login, make_site

from liangshan.store.db import dispose_engines
from liangshan.web.app import create_app

EXAMPLES = 25  # generated requests per operation and user
ENDS_SESSION = ("logout", "login", "sessions", "password")


@pytest.mark.parametrize("user", ["office", "u07"])
def test_no_server_error_for_generated_requests(db: str, tmp_path: Path, user: str) -> None:
    site = make_site(db, tmp_path, extra_regions=1)
    app = create_app(db, site.files, secret_key="s" * 40)
    client = TestClient(app, base_url="http://testserver")
    token = login(client, user)
    cookies = dict(client.cookies.items())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [
        op
        for op in (r.ok() for r in schema.get_all_operations())
        if not (op.method.upper() != "GET" and any(w in op.path for w in ENDS_SESSION))
    ]
    assert len(operations) > 40
    codes: Counter[int] = Counter()
    errors: list[str] = []
    for op in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same requests every run: a failure is reproducible, CI is stable
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy())
        def run(case: schemathesis.Case) -> None:
            r = case.call(headers={"X-CSRF-Token": token}, cookies=cookies)
            codes[r.status_code] += 1
            if r.status_code >= 500:
                errors.append(f"{case.method} {case.formatted_path} → {r.status_code}: {r.text[:200]}")

        run()
    dispose_engines()
    assert not errors, "\n".join(errors[:20])
    assert codes[200] > len(operations) // 2  # signed in all along: most operations answered for real
    assert codes[401] == 0
