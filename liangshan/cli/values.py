"""``liangshan value``: the parts of a shared data element (共同填报) from the command line, on the same
service as the web (:mod:`liangshan.services.contributions`).

``contribute`` records a cooperating unit's part (number, comment, evidence file); ``contributions``
lists them. ``--user NAME`` names an account (a unit user contributes for its own unit); without it the
command acts as ``system`` (office rights), which records the part for the unit ``--unit`` names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, workspace_actor
from liangshan.cli.options import RegionOpt

HELP = "共同填报的数据：配合单位提交分项数据或说明（contribute），查看各单位的分项（contributions）"
app = typer.Typer(help=HELP, no_args_is_help=True)

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
UserOpt = Annotated[
    str | None, typer.Option("--user", help="以数据库中哪个账号的名义操作（缺省：命令行操作员 system）")
]
ElementOpt = Annotated[
    str, typer.Option("--element", help="共同填报的数据元素代码，如 eco_product_output_per_capita")
]


@app.command("contribute")
def contribute_cmd(
    region: RegionOpt,
    element: ElementOpt,
    year: Annotated[int, typer.Option("--year", help="年份")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="配合单位名称（单位账号可省略；system/办公室代录时必填）")
    ] = None,
    value: Annotated[str | None, typer.Option("--value", help="分项数值（可不填）")] = None,
    comment: Annotated[str, typer.Option("--comment", help="说明（最多 1000 字）")] = "",
    file: Annotated[
        Path | None, typer.Option("--file", help="佐证文件：PDF、图片、docx/xlsx/pptx 或 ZIP")
    ] = None,
    user: UserOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """配合单位提交分项数据或说明（不覆盖已有记录；数值由牵头单位填报并提交）。"""
    from liangshan.services.contributions import contribute
    from liangshan.services.permissions import PermissionDenied
    from liangshan.services.uploads import UploadRejected, check_upload

    if file is not None and not file.is_file():
        fail(f"文件不存在：{file}")
    ws, actor = workspace_actor(db, user)
    try:
        upload = check_upload(file.read_bytes(), file.name) if file is not None else None
        out = contribute(
            ws, actor, region=region, element=element, year=year, value=value, comment=comment,
            unit=unit, upload=upload,
        )  # fmt: skip
    except PermissionDenied as e:
        fail(e.message)
    except (UploadRejected, ValueError) as e:  # StoreError and EntryError are ValueErrors
        fail(str(e))
    if json:
        emit_json(out)
        return
    part = f"分项数值 {out['value']:g}{out['value_unit']}" if out["value"] is not None else "无分项数值"
    console.print(f"{region} {element} {year}年：{out['unit']} 的分项数据已记录（{part}）", highlight=False)


@app.command("contributions")
def contributions_cmd(
    region: RegionOpt,
    element: ElementOpt,
    year: Annotated[int | None, typer.Option("--year", help="年份（缺省：全部年份）")] = None,
    user: UserOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """列出共同填报数据各配合单位的分项数据和说明（按时间先后）。"""
    from liangshan.services.contributions import contributions_for
    from liangshan.services.permissions import PermissionDenied

    ws, actor = workspace_actor(db, user)
    try:
        out = contributions_for(ws, actor, region=region, element=element, year=year)
    except PermissionDenied as e:
        fail(e.message)
    except ValueError as e:
        fail(str(e))
    if json:
        emit_json(out)
        return
    console.print(
        f"{out['name']}：牵头单位 {out['lead']}；配合单位 {'、'.join(out['cooperating'])}", highlight=False
    )
    t = Table("年份", "单位", "分项数值", "说明", "佐证", "时间")
    for c in out["contributions"]:
        value = f"{c['value']:g}" if c["value"] is not None else "—"
        ev = c["evidence"]["filename"] if c["evidence"] else ""
        t.add_row(str(c["year"]), c["unit"], value, c["comment"], ev, c["created_at"][:16].replace("T", " "))
    console.print(t)
