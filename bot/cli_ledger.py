"""``flask ledger …``: the county's roster import and the ledger exports.

    flask --app bot.app:create_app ledger import ROSTER.xlsx [--skip-invalid] [--create-areas] [--report OUT.xlsx]
    flask --app bot.app:create_app ledger template OUT.xlsx [--sample]
    flask --app bot.app:create_app ledger export needs --town 衡山镇 --out 台账.xlsx

Thin wrappers: the work is in ``roster`` and ``reports.needs_ledger``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask import current_app

from reports import needs_ledger as ledger
import roster

_MAX_PRINTED_ERRORS = 1000


def _ctx():
    return current_app.extensions["jzt.context"]


def _now_and_today():
    now = _ctx().clock()
    return now, now.astimezone(ledger.LOCAL_TZ).date()


@click.group(cls=AppGroup, name="ledger", help="Roster import and ledger exports (需求台账 …).")
def ledger_group() -> None:
    pass


class _Bars:
    """``roster.Progress`` shown as one click progress bar per stage (on stderr)."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            if total:
                self.bar = click.progressbar(length=total, label=f"{stage:<4}", file=sys.stderr, show_pos=True)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(max(0, min(done, self.bar.length) - self.done))
            self.done = min(done, self.bar.length)
        elif done and done % 20000 == 0:
            click.echo(f"{stage}：{done}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@ledger_group.command("import", help="Import the low-income roster (one row per member; see `ledger template`).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid households and write a report of the rest.")
@click.option("--create-areas", is_flag=True, help="Create towns and villages the system does not know yet.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the report of rows not imported (default: next to FILE).")
def import_command(file: Path, skip_invalid: bool, create_areas: bool, report_path: Path | None) -> None:
    ctx = _ctx()
    now, today = _now_and_today()
    bars = _Bars()
    try:
        with ctx.Session.begin() as db:
            report = roster.import_roster(db, ctx.cipher, file, today=today, now=now, skip_invalid=skip_invalid, create_areas=create_areas, progress=bars)
    finally:
        bars.close()

    click.echo(f"名单 {file.name}：{report.rows} 行，{report.household_count} 户。")
    for error in report.errors[:_MAX_PRINTED_ERRORS]:
        click.echo(str(error))
    if len(report.errors) > _MAX_PRINTED_ERRORS:
        click.echo(f"……另有 {len(report.errors) - _MAX_PRINTED_ERRORS} 条错误，见报告文件。")
    if report.unknown_areas:
        names = "、".join(f"{town}{village}" for town, village in report.unknown_areas)
        click.echo(f"系统中没有这些村（社区）：{names}。名称无误时可加 --create-areas 新建。")

    if report.errors and (skip_invalid or report_path or len(report.errors) > _MAX_PRINTED_ERRORS) and report.rows:
        target = report_path or file.with_name(f"{file.stem}-未导入.xlsx")
        roster.write_error_report(file, report.errors, report.invalid_rows, target)
        click.echo(f"未导入的 {len(report.invalid_rows)} 行及原因已写入 {target}")

    if not report.imported:
        raise click.ClickException(f"共 {len(report.errors)} 处错误，没有导入任何数据。改正后重新导入，或加 --skip-invalid 只导入正确的户。")
    click.echo(
        f"户：新增 {report.households_created}，更新 {report.households_updated}，未变 {report.households_unchanged}"
        + (f"，跳过 {report.household_count - report.households_created - report.households_updated - report.households_unchanged}" if report.errors else "")
    )
    click.echo(f"成员：新增 {report.members_created}，更新 {report.members_updated}，未变 {report.members_unchanged}")
    click.echo(f"评估：新增 {report.assessments_created} 条（结果有变化的户）")
    if report.towns_created or report.villages_created:
        click.echo(f"新建乡镇 {report.towns_created} 个、村（社区）{report.villages_created} 个")
    if report.stale_members:
        sample = "、".join(report.stale_roster_nos[:10])
        click.echo(f"注意：{report.stale_members} 名成员在系统中属于已导入的户、但不在本名单中，未作改动（户编号：{sample}{' 等' if len(report.stale_roster_nos) > 10 else ''}）。")
    if report.catalogue_items == 0:
        click.echo("注意：服务清单为空，评估没有建议任何服务。")


@ledger_group.command("template", help="Write the empty roster template (or, with --sample, a filled sample).")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Fill it with three fictitious households.")
def template_command(out: Path, sample: bool) -> None:
    (roster.write_sample if sample else roster.write_template)(out)
    click.echo(f"已写入 {out}")


@ledger_group.group("export", help="Ledger exports (.xlsx).")
def export_group() -> None:
    pass


@export_group.command("needs", help="The needs ledger (需求台账) of one town.")
@click.option("--town", required=True, help="Town name, e.g. 衡山镇.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .xlsx to write.")
def export_needs(town: str, out: Path) -> None:
    ctx = _ctx()
    _, today = _now_and_today()
    with ctx.Session() as db:
        found = ledger.find_town(db, town)
        if found is None:
            known = "、".join(ledger.town_names(db)) or "（无）"
            raise click.ClickException(f"没有乡镇“{town}”。系统中的乡镇：{known}")
        count = ledger.export_needs_ledger(db, found, out, today)
    click.echo(f"{found.name}需求台账：{count} 户，已写入 {out}")
