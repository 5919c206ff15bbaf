"""The Excel template of a task for one organisation and period: its regions as rows, the task's indicators
as columns, with codes, units, 口径 and valid ranges."""

from __future__ import annotations

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.collection.tasks import expected_regions, find_task, open_period_for
from citybase.collection.templates import TemplateColumn, TemplateRow, TemplateSpec, build_template
from citybase.errors import InvalidInput
from citybase.indicators.catalog import indicator_catalog
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.transform.periods import parse_period


def task_template(conn: Connection, actor: Actor, task_code: str, org_code: str, period: str | None) -> bytes:
    task = find_task(conn, task_code)
    org = find_organisation(conn, org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    if org.id not in task.org_ids:
        raise InvalidInput(
            message(
                N_("Organisation {org} is not asked to report for task {task}"), org=org.code, task=task.code
            )
        )
    task_period = open_period_for(conn, task, period)
    catalog = indicator_catalog(conn)
    regions = region_index(conn)
    columns = []
    for code in task.indicators:
        indicator = catalog.by_code[code]
        columns.append(
            TemplateColumn(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                decimals=indicator.decimals,
                minimum=indicator.min_value,
                maximum=indicator.max_value,
                definition=indicator.definition,
            )
        )
    rows = []
    for code in expected_regions(conn, task, org):
        region = regions.latest(code)
        rows.append(TemplateRow(code, region.name if region else code))
    spec = TemplateSpec(
        task_code=task.code,
        task_name=task.name,
        org_code=org.code,
        org_name=org.name,
        period=task_period.period,
        period_label=parse_period(task_period.period).label_zh(),
        deadline=task_period.deadline.isoformat(),
        columns=columns,
        rows=rows,
    )
    return build_template(spec)
