"""The report button: the office starts a background job, follows its progress and downloads the file."""

from __future__ import annotations

import io
import time
import zipfile
from urllib.parse import quote

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


# ---- 年度建设进展报告 and 复核资料包 (liangshan report --kind progress|review) ---------------------------
def _start(client, csrf: str, **form: str):
    return client.post(
        "/report/jobs", data={"region": "411224", "csrf_token": csrf, **form}, follow_redirects=False
    )


def _newest_job(client) -> str:
    return client.get("/report").text.split('data-job="', 1)[1].split('"', 1)[0]


def test_office_downloads_the_progress_report_as_docx(client_for) -> None:
    from docx import Document

    office, csrf = client_for("office")
    page = office.get("/report")
    assert page.status_code == 200 and "生成年度建设进展报告" in page.text and "生成复核资料包" in page.text
    year = int(page.text.split('name="year"', 1)[1].split('value="', 1)[1].split('"', 1)[0])
    r = _start(office, csrf, kind="progress", fmt="docx", year=str(year))
    assert r.status_code == 303
    job_id = _newest_job(office)
    job = wait_done(office, job_id)
    assert job["state"] == "done", job
    assert job["kind"] == "progress" and job["label"] == f"{year}年度建设进展报告（Word）"
    assert f"{year}年度建设进展报告（Word）" in office.get("/report").text
    got = office.get(job["download"])
    assert got.status_code == 200
    assert got.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert quote(f"411224_{year}年度建设进展报告.docx") in got.headers["content-disposition"]
    doc = Document(io.BytesIO(got.content))
    titles = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Title"]
    assert titles[0] == f"{year}年度建设进展报告"
    heads = [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert heads[0] == "一、基地建设基本情况" and "六、下一年度工作计划" in heads


def test_office_downloads_the_review_package(client_for, site) -> None:
    from liangshan.store.db import session_scope
    from liangshan.workplan.plan import load_plan

    office, csrf = client_for("office")
    assert _start(office, csrf, kind="review", fmt="zip").status_code == 303
    failed = wait_done(office, _newest_job(office))  # the package holds the work plan's lists
    assert failed["state"] == "failed" and failed["error"] == "地区 411224 尚未载入工作方案"
    with session_scope(site.url) as s:
        load_plan(s, "411224")
    assert _start(office, csrf, kind="review", fmt="zip").status_code == 303
    job = wait_done(office, _newest_job(office), timeout=300)
    assert job["state"] == "done", job["error"]
    got = office.get(job["download"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as z:
        names = set(z.namelist())
    assert {"SHA256SUMS", "报告/情况说明技术报告.docx", "问题整改台账.xlsx", "基地状态.json"} <= names
    assert any(n.startswith("年度建设进展报告/") for n in names)


def test_units_may_not_make_progress_reports_or_review_packages(client_for, site) -> None:
    """The rule of the other report downloads (server-side): only the region's office starts a job."""
    unit, csrf = client_for(site.users["城市管理局"])
    for form, what in (
        ({"kind": "progress", "fmt": "docx", "year": "2025"}, "年度建设进展报告"),
        ({"kind": "review", "fmt": "zip"}, "复核资料包"),
    ):
        r = _start(unit, csrf, **form)
        assert r.status_code == 403
        assert f"只有领导小组办公室可以生成{what}" in r.text and "您的角色是" in r.text
    assert unit.get("/report").status_code == 403
    office, ocsrf = client_for("office")
    assert _start(office, ocsrf, kind="progress", fmt="docx", year="2025").status_code == 303
    job_id = _newest_job(office)
    wait_done(office, job_id)
    assert unit.get(f"/report/jobs/{job_id}/download").status_code == 403


def test_progress_and_review_jobs_refuse_bad_requests_and_need_post_with_csrf(client_for) -> None:
    office, csrf = client_for("office")
    form = {"region": "411224", "kind": "progress", "fmt": "docx", "year": "2025"}
    assert office.post("/report/jobs", data=form, follow_redirects=False).status_code == 403  # no CSRF
    got = office.get("/report/jobs", params=form, follow_redirects=False)  # a GET starts nothing:
    assert got.status_code == 303 and got.headers["location"].startswith("/report?")  # back to the page
    bad = (
        ({"kind": "progress", "fmt": "zip", "year": "2025"}, "年度建设进展报告的格式只能是 docx、pdf"),
        ({"kind": "progress", "fmt": "docx"}, "请选择年度建设进展报告的年度"),
        ({"kind": "review", "fmt": "docx"}, "复核资料包的格式只能是 zip"),
        ({"kind": "audit", "fmt": "docx"}, "不支持的报告类型"),
    )
    for extra, words in bad:
        r = _start(office, csrf, **extra)
        assert r.status_code == 422 and words in r.text, r.text[:300]
    assert 'data-job="' not in office.get("/report").text  # nothing was started
