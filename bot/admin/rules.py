"""规则设置: the county's rules as dated data. Everyone reads them; the county changes values
(with an effective date and a reason, audited) or confirms the shipped examples. A change to an
assessment rule re-assesses the households in a worker (``workers.reassess``); its page shows
the progress and what changed."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.common import arg_date, county_only, ctx, db, not_found, now, today, viewer
from policy.rules import BY_KEY, RULES, Group, RuleError
from models.rules import ChangeStatus, RuleChange, change_rules, confirm_examples, examples_in_force, recent_changes, rule_lines
from workers.reassess import enqueue_reassessment, progress_of
from workers.rules import forget as forget_rules


def _page(error: str | None = None, status: int = 200):
    lines = rule_lines(db(), today())
    groups = [(group, [line for line in lines if line.rule.group is group]) for group in Group]
    return render_template(
        "admin/rules.html", groups=groups, examples=examples_in_force(db(), today()), changes=recent_changes(db()), error=error,
        form=request.form, today=today(), rules=BY_KEY,
    ), status


@bp.get("/admin/rules")
def rules():
    return _page()


@bp.post("/admin/rules")
@county_only
def change_rule_values():
    me = viewer()
    # only what the county changed on the page: the other fields show today's values, which
    # may differ from those in force on the effective date
    typed = {rule.key: request.form[rule.key] for rule in RULES if rule.key in request.form and request.form[rule.key].strip() != request.form.get(f"was_{rule.key}", "").strip()}
    try:
        change = change_rules(db(), typed, arg_date("effective_from"), request.form.get("reason", ""), me.staff_id, now(), today())
    except RuleError as exc:
        db().rollback()
        return _page(str(exc), 400)
    db().commit()
    forget_rules()
    if change.state is ChangeStatus.QUEUED:
        enqueue_reassessment(ctx(), change.id)
    flash(f"已保存规则修改（{len(change.changes)}项，{change.effective_from.isoformat()}起施行）。")
    return redirect(url_for("admin.rule_change", change_id=change.id))


@bp.post("/admin/rules/confirm")
@county_only
def confirm_rule_examples():
    try:
        change = confirm_examples(db(), request.form.getlist("key"), request.form.get("confirm_reason", ""), viewer().staff_id, now(), today())
    except RuleError as exc:
        db().rollback()
        return _page(str(exc), 400)
    db().commit()
    forget_rules()
    flash(f"已确认{len(change.changes)}项示例值为本县数值。")
    return redirect(url_for("admin.rules"))


@bp.get("/admin/rules/changes/<int:change_id>")
def rule_change(change_id: int):
    change = db().get(RuleChange, change_id) or not_found()
    return render_template("admin/rule_change.html", change=change, rules=BY_KEY, running=change.state in (ChangeStatus.QUEUED, ChangeStatus.RUNNING))


@bp.get("/admin/rules/changes/<int:change_id>/status")
def rule_change_status(change_id: int):
    change = db().get(RuleChange, change_id) or not_found()
    progress = progress_of(ctx(), change_id)
    done, total = progress if progress else (change.households or 0, change.households)
    finished = change.state is ChangeStatus.DONE
    return jsonify(status=change.status, label=_label(change), done=done, total=total, download=None,
                   percent=100 if finished else (round(100 * done / total) if total else None))


def _label(change: RuleChange) -> str:
    if change.state is ChangeStatus.DONE:
        return (f"{change.state.label}：{change.households}户，新增评估{change.assessments_created}条，"
                f"困境程度升高{change.levels_up}户、降低{change.levels_down}户")
    return change.state.label
