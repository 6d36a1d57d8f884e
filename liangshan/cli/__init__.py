"""The ``liangshan`` command (Typer). Sub-commands live in modules of this package.

Start-up is lazy: ``liangshan --help`` lists the commands from the table below without importing a
single sub-command module (so neither polars, numpy, rasterio, SQLAlchemy nor matplotlib load). A
module is imported only when one of its commands is run or its own ``--help`` is asked for.

Adding a command: put it in a module as before, and add one row to ``COMMANDS`` (name, module,
how it is registered, the one-line help shown in ``liangshan --help``).
``tests/test_cli_startup.py`` checks that the table and the modules agree.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import typer
from typer import _click as click  # Typer vendors its own Click; its groups hold these types
from typer.core import TyperCommand, TyperGroup

from liangshan.cli import coercion
from liangshan.cli.chrome import ChineseCommand, chinese_errors, chinese_placeholders, speak_chinese

coercion.install()  # values converted without pydantic, reasons in Chinese (see the module)

# name → (module, attribute, short help). The attribute is either a ``typer.Typer`` sub-application
# (a command group) or ``register`` — a function that adds top-level commands to a Typer app.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("core", "register", "建立卢氏县示例数据库（已存在则不变）。"),
    "catalog": (
        "catalogs",
        "catalog_app",
        "“两山指数”评估指标体系：显示指标体系（默认附件2），list 列出可用的指标体系。",
    ),
    "region": ("catalogs", "region_app", "地区设置：set-catalog 为地区指定评估所用的指标体系。"),
    "titles": (
        "titles",
        "app",
        "称号登记簿：地区获得的国际、国家、省级生态文化品牌和称号（指标16按评估年是否持有有效称号判定）。",
    ),
    "base": (
        "base",
        "app",
        "命名后管理：基地状态与申报、命名、复核日期，突发环境事件与督察问题整改台账，指标预警。",
    ),
    "assess": ("core", "register", "按目标规则评估各指标（达标/基本达标/未达标/数据缺失/不适用）。"),
    "import": ("core", "register", "导入填报数值（与网页填报相同的规则）；任何一行有误则全部不写入。"),
    "export": ("core", "register", "导出各数据项的最新版本（可修改后再导入）。"),
    "history": ("core", "register", "某数据项的全部版本与审核记录（谁、何时、改了什么）。"),
    "serve": ("web", "register", "启动网页服务（填报、审核、总览、Excel、JSON API）。"),
    "report": (
        "report",
        "register",
        "生成“两山指数”自评估情况说明技术报告（Word/PDF）、附表（Excel）或汇报演示文稿（PPT）。",
    ),
    "backup": (
        "ops",
        "register",
        "备份数据库全部表和佐证文件到一个文件（服务运行时也可进行，内容为同一时刻的一致状态）。",
    ),
    "restore": (
        "ops",
        "register",
        "从备份恢复到一个空数据库（先完整校验备份；有任何损坏或目标库非空则不写入任何内容）。",
    ),
    "migrate": (
        "ops",
        "register",
        "把数据库升级到本程序的最新迁移版本（新数据库则建表）；多进程部署时在启动服务前运行。",
    ),
    "reconcile": (
        "reconcile",
        "register",
        "官方发布值与复算值对账：每个指标、每年的官方值、复算值、差值及差异说明。",
    ),
    "user": ("web", "register", "用户账号：添加、改密码、列出（密码从标准输入读取）"),
    "review": ("office", "register", "审核：列出待审数据，审核通过、退回、重新打开（领导小组办公室）"),
    "round": ("office", "register", "评估批次：列出、新建、关闭、重新打开、调整截止日期"),
    "evidence": ("office", "register", "佐证材料：给某项数据附加文件（产生新版本）"),
    "official": ("reconcile", "register", "官方发布值（公报、通报、监测成果）：录入、提交与审核"),
    "value": (
        "values",
        "app",
        "共同填报的数据：配合单位提交分项数据或说明（contribute），查看各单位的分项（contributions）",
    ),
    "air": (
        "air",
        "app",
        "环境空气质量：AQI（HJ 633-2012/2026）、日统计与有效性（GB 3095、HJ 663）、优良天数比例",
    ),
    "batch": (
        "batch",
        "app",
        "批量计算（Dask）：全国规模原始数据按区域计算指标，结果写成 Parquet，再记入数据库",
    ),
    "water": (
        "water",
        "app",
        "水环境质量：地表水断面（GB 3838-2002、环办〔2011〕22号）、集中式饮用水水源地、"
        "地下水（GB/T 14848-2017）",
    ),
    "land": ("land", "app", "土地覆盖类指标：林草覆盖率（指标7）、生态保护红线面积（指标9）"),
    "gep": ("gep", "app", "GEP 生态系统生产总值核算（指标10 单位国土面积 GEP）"),
    "survey": ("survey", "app", "公众满意度（指标17）：满意率、95% 置信区间、所需样本量"),
    "soil": ("eco", "soil_app", "土壤指标：受污染耕地安全利用率（指标5）与污染地块安全利用率（指标6）"),
    "species": ("eco", "species_app", "物种丰富度（指标8）：按类群统计、分类修订与调查强度标记"),
    "workplan": (
        "workplan",
        "app",
        "工作方案：领导小组、实施步骤、主要任务、调度督办、考核、资料包与核查路线",
    ),
    "bundle": (
        "bundle",
        "app",
        "数据包：县级实例导出已审核数据，省级实例合并导入（mergeable bundles）",
    ),
    "rollup": (
        "rollup",
        "app",
        "多地区汇总：比值指标按“和之比”汇总、结论统计、排名，及地图用的行政区划边界",
    ),
}


class _Pending(TyperCommand):
    """Stands in for a command whose module is not imported yet: carries only its name and help."""


def load_commands(name: str) -> dict[str, click.Command]:
    """Import the module behind ``name`` and return the click command(s) it provides, by name, each
    speaking Chinese around its own texts (:func:`liangshan.cli.chrome.speak_chinese`)."""
    module_name, attr, _ = COMMANDS[name]
    module = importlib.import_module(f"liangshan.cli.{module_name}")
    if attr == "register":
        holder = typer.Typer()
        module.register(holder)
        return {n: speak_chinese(c) for n, c in typer.main.get_group(holder).commands.items()}
    group = typer.main.get_group(getattr(module, attr))
    group.name = name
    return {name: speak_chinese(group)}


class LazyGroup(ChineseCommand, TyperGroup):
    """A Typer group that imports a sub-command's module only when that command is resolved. Its usage
    errors, and those of every sub-command, leave in Chinese (:mod:`liangshan.cli.chrome`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        chinese_placeholders(self)
        for command in self.commands.values():  # registered on the root app itself (none at present)
            speak_chinese(command)
        for name, (_, _, short) in COMMANDS.items():
            self.commands.setdefault(name, _Pending(name, help=short))

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with chinese_errors(self):
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with chinese_errors(self):
            return super().invoke(ctx)

    def _load(self, name: str) -> None:
        if isinstance(self.commands.get(name), _Pending):
            for loaded_name, command in load_commands(name).items():
                if isinstance(self.commands.get(loaded_name, _Pending(loaded_name)), _Pending):
                    self.commands[loaded_name] = command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            # A command registered in a module but missing from the table: still reachable (slower).
            for first in {m: n for n, (m, attr, _) in COMMANDS.items() if attr == "register"}.values():
                self._load(first)
        if args:
            self._load(args[0])
        return super().resolve_command(ctx, args)


_program = False
"""True once the console script (``app()``) runs: the process ends when the command does."""


def ends_with_command() -> bool:
    """Whether this process ends when the current command does (the console script), as opposed to a
    command called in a longer-lived process (``typer.testing.CliRunner`` in the tests)."""
    return _program


class _App(typer.Typer):
    """The ``liangshan`` application. Run as a program (``app()``: the console script), it hands the
    objects it made to the garbage collector's permanent generation when the command ends
    (``gc.freeze``): the interpreter's exit-time collection would otherwise walk every object of the
    loaded libraries (polars, numpy, pydantic, typer) only to free memory the process gives back
    anyway — about 0.04 s of CPU for ``liangshan air good-days --json`` on a small file. Files,
    connections and ``atexit`` handlers are closed as before: reference counting still frees objects
    at exit, only cycles left over at that moment are not searched for. Tests that call the command
    through ``typer.testing.CliRunner`` do not go through here."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        global _program
        _program = True
        try:
            return super().__call__(*args, **kwargs)
        finally:
            gc.freeze()


app = _App(
    name="liangshan",
    help="两山基地建设管理与“两山指数”评估系统 (liangshan)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def _root() -> None:
    # The commands come from ``LazyGroup``; a callback makes Typer build a group with no command
    # registered up front.
    pass
