"""待办 (``/todo``, the page every user lands on after login) and its JSON twin ``/api/todo``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from liangshan.services.permissions import Actor
from liangshan.services.todo import todo
from liangshan.web.deps import ActorDep, csrf_protect, ctx_of, pick_region, render
from liangshan.web.schemas_todo import TodoOut

router = APIRouter(dependencies=[Depends(csrf_protect)])


def todo_context(request: Request, actor: Actor, region: str | None) -> dict[str, Any]:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with ctx.read() as s:
        return todo(s, ctx.catalog, actor, code)


@router.get("/todo", include_in_schema=False)
def todo_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    data = todo_context(request, actor, region)
    return render(request, "todo.html", {"data": data, "current_region": data["region"], "section": "todo"})


@router.get(
    "/api/todo",
    tags=["待办"],
    summary="待办：未提交与被退回的数据（含退回理由）、督办事项、待审核、逾期单位、风险指标（页面 /todo）",
    response_model=TodoOut,
)
def api_todo(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return todo_context(request, actor, region)
