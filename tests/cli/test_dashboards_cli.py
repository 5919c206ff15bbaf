"""`citybase dashboards`: list, show, export, import, share and delete on the demo city."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke


def test_list_show_export_and_import(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    listed = cli("dashboards", "list", "--database-url", demo_url)
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[1].split()[:5] == [
        "economy-monthly", "经济运行月度看板", "stats_analyst", "STATS", "government",
    ]  # fmt: skip
    shown = cli("dashboards", "show", "economy-monthly", "--database-url", demo_url)
    assert "owner stats_analyst (STATS), shared: government" in shown.output
    lines = [" ".join(line.split()) for line in shown.output.splitlines()]
    assert "2 地区生产总值增长：名义与可比价 bar yoy GDP,GDP_GROWTH 440300 2021–2024 (year)" in lines

    target = tmp_path / "economy.json"
    exported = cli("dashboards", "export", "economy-monthly", "-o", str(target), "--database-url", demo_url)
    assert exported.exit_code == 0, exported.output
    definition = json.loads(target.read_text(encoding="utf-8"))
    assert len(definition["panels"]) == 7
    target.write_text(json.dumps({**definition, "code": "economy-2"}, ensure_ascii=False), encoding="utf-8")
    imported = cli(
        "dashboards", "import", str(target), "--owner", "finance_viewer", "--database-url", demo_url
    )
    assert imported.exit_code == 0, imported.output
    assert "dashboard economy-2 imported: 7 panels, owned by finance_viewer" in imported.output
    again = cli("dashboards", "export", "economy-2", "--database-url", demo_url)
    assert json.loads(again.output) == {**definition, "code": "economy-2"}


def test_share_delete_and_refusals(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    shared = cli(
        "dashboards", "share", "economy-monthly", "--sharing", "organisations",
        "--org", "FINANCE", "--org", "DRC", "--database-url", demo_url,
    )  # fmt: skip
    assert shared.exit_code == 0, shared.output
    assert "shared with organisations: DRC, FINANCE" in shared.output
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "code": "bad",
                "title": "坏",
                "panels": [
                    {
                        "chart": "pie",
                        "indicators": ["GDP_GROWTH"],
                        "regions": ["440300"],
                        "periods": {"last": 1},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    refused = cli("dashboards", "import", str(bad), "--owner", "stats_analyst", "--database-url", demo_url)
    assert refused.exit_code == 1
    assert (
        "column panels.1.chart: Panel 1 (—): a pie adds its parts up; GDP_GROWTH (growth_rate, level)"
        in refused.output
    )
    assert cli("dashboards", "show", "bad", "--database-url", demo_url).exit_code == 1
    deleted = cli("dashboards", "delete", "economy-monthly", "--database-url", demo_url)
    assert deleted.exit_code == 0
    assert "dashboard economy-monthly deleted" in deleted.output
    missing = cli("dashboards", "show", "economy-monthly", "--database-url", demo_url)
    assert missing.exit_code == 1
    assert "There is no dashboard economy-monthly" in missing.output
