"""The report button: the office starts a background job, follows its progress and downloads the file."""

from __future__ import annotations

import io
import time

from openpyxl import load_workbook


def wait_done(client, job_id: str, timeout: float = 120.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        j = client.get(f"/report/jobs/{job_id}").json()
        if j["state"] in ("done", "failed"):
            return j
        time.sleep(0.2)
    raise AssertionError(f"report job {job_id} did not finish")


def test_office_generates_and_downloads_xlsx(client_for) -> None:
    office, csrf = client_for("office")
    page = office.get("/report")
    assert page.status_code == 200 and "生成报告" in page.text
    r = office.post(
        "/report/jobs", data={"fmt": "xlsx", "region": "411224", "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    page = office.get("/report")
    job_id = page.text.split('data-job="', 1)[1].split('"', 1)[0]
    job = wait_done(office, job_id)
    assert job["state"] == "done", job
    assert job["percent"] == 100 and job["download"] == f"/report/jobs/{job_id}/download"
    got = office.get(job["download"])
    assert got.status_code == 200
    assert "411224" in got.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(got.content))
    assert any("环境空气质量优良天数比例" in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)


def test_report_jobs_are_private(client_for) -> None:
    office, csrf = client_for("office")
    office.post("/report/jobs", data={"fmt": "xlsx", "region": "411224", "csrf_token": csrf})
    job_id = office.get("/report").text.split('data-job="', 1)[1].split('"', 1)[0]
    wait_done(office, job_id)
    other, _ = client_for("office001")  # the office of another county
    assert other.get(f"/report/jobs/{job_id}").status_code == 403
    assert other.get(f"/report/jobs/{job_id}/download").status_code == 403
    leader, leader_csrf = client_for("leader")
    assert leader.get("/report").status_code == 403
    assert (
        leader.post(
            "/report/jobs", data={"fmt": "pdf", "region": "411224", "csrf_token": leader_csrf}
        ).status_code
        == 403
    )
    assert leader.get(f"/report/jobs/{job_id}").status_code == 403
    assert office.get("/report/jobs/not-a-job").status_code == 404


def test_report_job_refuses_bad_format_and_missing_csrf(client_for) -> None:
    office, csrf = client_for("office")
    assert (
        office.post("/report/jobs", data={"fmt": "exe", "region": "411224", "csrf_token": csrf}).status_code
        == 422
    )
    assert office.post("/report/jobs", data={"fmt": "xlsx", "region": "411224"}).status_code == 403
    assert (
        office.post("/report/jobs", data={"fmt": "xlsx", "region": "999999", "csrf_token": csrf}).status_code
        == 403
    )


def test_a_job_started_in_one_worker_is_followed_and_downloaded_in_another(site) -> None:
    """Two app instances on the same database and files stand for two ``serve --workers 2``
    processes: the status poll and the download may reach the worker that did not run the job."""
    from fastapi.testclient import TestClient
    from websupport import login

    from liangshan.web.app import create_app

    a = TestClient(create_app(site.url, site.files, secret_key="k" * 40))
    b = TestClient(create_app(site.url, site.files, secret_key="k" * 40))
    csrf = login(a, "office")
    b.cookies = a.cookies  # the same browser session, served by the other process
    a.post("/report/jobs", data={"fmt": "xlsx", "region": "411224", "csrf_token": csrf})
    job_id = b.get("/report").text.split('data-job="', 1)[1].split('"', 1)[0]
    job = wait_done(b, job_id)
    assert job["state"] == "done", job
    got = b.get(job["download"])
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert b.get("/report/jobs/..%2F..%2Fetc").status_code == 404
    a.close()
    b.close()
