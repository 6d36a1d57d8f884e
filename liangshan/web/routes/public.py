"""Public pages of a region, without login: the published summary, the satisfaction survey, the
supervision form and the receipt look-up (五、(三) 群众的知情权、参与权和监督权).

Handlers parse the form, call :mod:`liangshan.workplan.public_site` or
:mod:`liangshan.workplan.supervision` and render."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from liangshan.store.errors import NotFoundError
from liangshan.web.deps import csrf_protect, ctx_of, render
from liangshan.web.routes.workplan_common import SURVEY_COOKIE, client_of, set_survey_cookie, today
from liangshan.workplan import public_site
from liangshan.workplan.errors import RateLimited, WorkplanError
from liangshan.workplan.public_site import Outcome
from liangshan.workplan.supervision import (
    CATEGORIES,
    MAX_PHOTOS,
    Photo,
    check_report_rate,
    clean_photos,
    lookup_receipt,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/public/{region}", include_in_schema=False)
def public_page(request: Request, region: str) -> Response:
    ctx = ctx_of(request)
    with ctx.read() as s:
        view = public_site.public_summary(s, ctx.catalog, region, today())
    if view is None:
        return render(request, "workplan/public.html", {"view": None, "region": region}, 404)
    return render(request, "workplan/public.html", {"view": view, "region": region})


@router.get("/public/{region}/survey", include_in_schema=False)
def public_survey(request: Request, region: str, code: Annotated[str, Query(max_length=40)] = "") -> Response:
    token = request.cookies.get(SURVEY_COOKIE) or secrets.token_urlsafe(24)
    with ctx_of(request).read() as s:
        page = public_site.survey_page(s, region, token)
    resp = render(
        request,
        "workplan/public_survey.html",
        {**page, "error": None, "code": code},
        200 if page["survey"] else 404,
    )
    set_survey_cookie(request, resp, token)
    return resp


@router.post("/public/{region}/survey", include_in_schema=False)
def public_survey_submit(
    request: Request,
    region: str,
    answer: Annotated[str, Form(max_length=200)] = "",
    township: Annotated[str, Form(max_length=200)] = "",
    urban_rural: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    token = request.cookies.get(SURVEY_COOKIE) or ""
    with ctx_of(request).write() as s:
        outcome, page = public_site.answer_survey(
            s,
            region,
            token=token,
            answer=answer,
            township=township,
            urban_rural=urban_rural,
            client=client_of(request),
            code=code,
        )
    if outcome.error is None:
        return render(
            request,
            "workplan/public_done.html",
            {
                "region": region,
                "region_name": page["region_name"],
                "message": "感谢您参与满意度调查！",
                "receipt": None,
            },
        )
    resp = render(
        request, "workplan/public_survey.html", {**page, "error": outcome.error, "code": code}, outcome.status
    )
    if outcome.retry_after is not None:
        resp.headers["Retry-After"] = str(outcome.retry_after)
    return resp


@router.get("/public/{region}/report", include_in_schema=False)
def public_report(request: Request, region: str) -> Response:
    with ctx_of(request).read() as s:
        reg, open_ = public_site.report_channel_open(s, region)
    return render(
        request,
        "workplan/public_report.html",
        {"region": region, "region_name": reg.name, "categories": CATEGORIES, "open": open_, "error": None},
        200 if open_ else 404,
    )


@router.post("/public/{region}/report", include_in_schema=False)
async def public_report_submit(
    request: Request,
    region: str,
    category: Annotated[str, Form(max_length=200)] = "",
    location: Annotated[str, Form(max_length=500)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    lon: Annotated[str, Form(max_length=200)] = "",
    lat: Annotated[str, Form(max_length=200)] = "",
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    files = [f for f in (photos or []) if f.filename]
    if len(files) > MAX_PHOTOS:
        raise WorkplanError(f"最多上传 {MAX_PHOTOS} 张照片")
    pics = [Photo(await f.read(), f.filename or "photo") for f in files]
    return await run_in_threadpool(_report_submit, request, region, category, location, text, lon, lat, pics)


def _report_submit(
    request: Request,
    region: str,
    category: str,
    location: str,
    text: str,
    lon: str,
    lat: str,
    pics: list[Photo],
) -> Response:
    """Rate limit first (no photo is looked at for a refused client), then the photos' headers
    (pixel budget), then decoding and re-encoding outside any database transaction, then the write."""
    ctx = ctx_of(request)
    with ctx.write(values=False) as s:
        reg, open_ = public_site.report_channel_open(s, region)
        if not open_:
            raise NotFoundError("该地区未开通群众监督渠道")
        try:
            check_report_rate(s, region, client_of(request))
        except RateLimited as e:
            failed: Outcome | None = Outcome(str(e), 429, e.retry_after)
        else:
            failed = None
    cleaned: list[tuple[bytes, str, str]] = []
    if failed is None:
        try:
            cleaned = clean_photos(pics)
        except WorkplanError as e:
            failed = Outcome(str(e), 422)
    if failed is not None:
        return _report_page(request, region, reg.name, failed)
    with ctx.write() as s:
        reg, outcome = public_site.send_report(
            s,
            region,
            category=category,
            location=location,
            text=text,
            lon=lon,
            lat=lat,
            photos=[],
            cleaned=cleaned,
            client=client_of(request),
            files_root=ctx.files_dir,
        )
    if outcome.error is not None:
        return _report_page(request, region, reg.name, outcome)
    return render(
        request,
        "workplan/public_done.html",
        {
            "region": region,
            "region_name": reg.name,
            "message": "您的反映已收到。",
            "receipt": outcome.receipt,
        },
    )


def _report_page(request: Request, region: str, region_name: str, outcome: Outcome) -> Response:
    resp = render(
        request,
        "workplan/public_report.html",
        {
            "region": region,
            "region_name": region_name,
            "categories": CATEGORIES,
            "open": True,
            "error": outcome.error,
        },
        outcome.status,
    )
    if outcome.retry_after is not None:
        resp.headers["Retry-After"] = str(outcome.retry_after)
    return resp


@router.get("/public/receipt/lookup", include_in_schema=False)
def receipt_form(request: Request) -> Response:
    return render(request, "workplan/public_receipt.html", {"view": None, "error": None})


@router.post("/public/receipt/lookup", include_in_schema=False)
def receipt_lookup(request: Request, code: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        with ctx_of(request).write() as s:
            view = lookup_receipt(s, code, client=client_of(request))
    except RateLimited as e:
        resp = render(request, "workplan/public_receipt.html", {"view": None, "error": str(e)}, 429)
        resp.headers["Retry-After"] = str(e.retry_after)
        return resp
    if view is None:
        return render(request, "workplan/public_receipt.html", {"view": None, "error": "未找到该回执码"}, 404)
    return render(request, "workplan/public_receipt.html", {"view": view, "error": None})


@router.post("/api/public/receipt", tags=["公众"])
def api_receipt(request: Request, code: Annotated[str, Form(max_length=200)]) -> JSONResponse:
    """按回执码查询群众监督举报的办理状态（不含举报内容、地点和照片）。"""
    try:
        with ctx_of(request).write() as s:
            view = lookup_receipt(s, code, client=client_of(request))
    except RateLimited as e:
        return JSONResponse(
            {"detail": str(e), "code": "rate_limited"}, 429, {"Retry-After": str(e.retry_after)}
        )
    if view is None:
        return JSONResponse({"detail": "未找到该回执码", "code": "not_found"}, 404)
    return JSONResponse(view)
