"""The `citybase` command, run in-process against fresh databases on every backend."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from typer.testing import Result

from citybase.accounts.actor import Channel
from citybase.accounts.users import authenticate
from citybase.storage import connect_database
from tests.cli.conftest import Invoke

COMMANDS = [
    (),
    ("serve",),
    ("demo",),
    ("db",),
    ("db", "upgrade"),
    ("db", "current"),
    ("user",),
    ("user", "create"),
    ("user", "list"),
    ("user", "disable"),
    ("user", "enable"),
    ("user", "unlock"),
    ("user", "reset-password"),
    ("org",),
    ("org", "create"),
    ("org", "list"),
    ("token",),
    ("token", "create"),
    ("token", "list"),
    ("token", "revoke"),
    ("ledger",),
    ("ledger", "verify"),
    ("ledger", "list"),
    ("ledger", "export"),
    ("regions",),
    ("regions", "show"),
    ("regions", "search"),
    ("regions", "import"),
]
STRONG_PASSWORD = "Harbour-Lights-2024"


# ---- helpers ---------------------------------------------------------------------------------------------


def succeeded(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    return result


def failed_cleanly(result: Result) -> str:
    """Assert a non-zero exit reported as a message, not as an uncaught exception; returns the output."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "the reason belongs on standard error"
    return result.output


def scalar(url: str, sql: str, **params: object) -> object:
    database = connect_database(url)
    try:
        with database.read() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        database.dispose()


def execute(url: str, sql: str, **params: object) -> None:
    database = connect_database(url)
    try:
        with database.write() as conn:
            conn.execute(text(sql), params)
    finally:
        database.dispose()


def ledger_state(url: str) -> tuple[object, object, object, object]:
    """Counts and the chain head: any write to the database changes at least one of them."""
    return (
        scalar(url, "SELECT count(*) FROM ledger_entries"),
        scalar(url, "SELECT coalesce(max(seq), 0) FROM ledger_entries"),
        scalar(url, "SELECT count(*) FROM users"),
        scalar(url, "SELECT count(*) FROM organisations"),
    )


def can_log_in(url: str, username: str, password: str) -> bool:
    database = connect_database(url)
    try:
        with database.write() as conn:
            return authenticate(conn, username, password, Channel.WEB).user is not None
    finally:
        database.dispose()


def admin_password(output: str) -> str:
    found = re.search(r"username: admin\s+password: (\S+)", output)
    assert found, output
    return found.group(1)


def user_password(output: str) -> str:
    found = re.search(r"has the password (\S+)", output)
    assert found, output
    return found.group(1)


# ---- help --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "root")
def test_every_command_has_help(cli: Invoke, command: tuple[str, ...]) -> None:
    result = succeeded(cli(*command, "--help"))
    assert "Usage:" in result.output
    assert ("citybase " + " ".join(command)).strip() in result.output


def test_root_help_lists_every_command_group(cli: Invoke) -> None:
    output = succeeded(cli("--help")).output
    for name in ("serve", "demo", "db", "user", "org", "token", "ledger", "regions"):
        assert re.search(rf"^\W*{name}\b", output, re.MULTILINE), f"{name} missing from\n{output}"


def test_group_without_subcommand_shows_help(cli: Invoke) -> None:
    result = cli("user")
    assert "reset-password" in result.output
    assert "Traceback" not in result.output


def test_version(cli: Invoke) -> None:
    assert re.fullmatch(r"citybase \S+\n", succeeded(cli("--version")).stdout)


# ---- demo ------------------------------------------------------------------------------------------------


def test_demo_on_empty_database_prints_a_fresh_admin_login(
    cli: Invoke, empty_url: str, another_empty_url: str
) -> None:
    first = succeeded(cli("demo", "--database-url", empty_url)).output
    second = succeeded(cli("demo", "--database-url", another_empty_url)).output
    assert "440300" in first
    assert "username: admin" in first
    first_admin, second_admin = admin_password(first), admin_password(second)
    assert first_admin != second_admin
    assert user_password(first) != user_password(second)
    assert can_log_in(empty_url, "admin", first_admin)
    assert can_log_in(empty_url, "stats_reviewer", user_password(first))
    assert not can_log_in(empty_url, "admin", second_admin)


def test_demo_on_a_brand_new_sqlite_file(cli: Invoke, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    output = succeeded(cli("demo", "--database-url", url)).output
    assert can_log_in(url, "admin", admin_password(output))


def test_demo_refuses_a_database_with_data_and_writes_nothing(cli: Invoke, demo_url: str) -> None:
    before = ledger_state(demo_url)
    output = failed_cleanly(cli("demo", "--database-url", demo_url))
    assert "not empty" in output
    assert "--replace" in output
    assert "password:" not in output
    assert ledger_state(demo_url) == before


def test_demo_if_empty_leaves_a_database_with_data_alone(cli: Invoke, demo_url: str) -> None:
    before = ledger_state(demo_url)
    output = succeeded(cli("demo", "--if-empty", "--database-url", demo_url)).output
    assert "password:" not in output
    assert ledger_state(demo_url) == before


def test_demo_if_empty_loads_an_empty_database(cli: Invoke, empty_url: str) -> None:
    output = succeeded(cli("demo", "--if-empty", "--database-url", empty_url)).output
    assert can_log_in(empty_url, "admin", admin_password(output))


def test_demo_replace_wipes_and_reloads(cli: Invoke, demo_url: str) -> None:
    succeeded(
        cli(
            "user",
            "create",
            "--org",
            "STATS",
            "--role",
            "analyst",
            "--username",
            "leftover",
            "--password-stdin",
            "--database-url",
            demo_url,
            input=STRONG_PASSWORD + "\n",
        )
    )
    users_before = scalar(demo_url, "SELECT count(*) FROM users")
    output = succeeded(cli("demo", "--replace", "--database-url", demo_url)).output
    new_password = admin_password(output)
    assert scalar(demo_url, "SELECT count(*) FROM users WHERE username = 'leftover'") == 0
    assert scalar(demo_url, "SELECT count(*) FROM users") == users_before - 1
    assert can_log_in(demo_url, "admin", new_password)
    succeeded(cli("ledger", "verify", "--database-url", demo_url))


# ---- db ----------------------------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_in_a_new_sqlite_file(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "brand-new.db"
    url = f"sqlite:///{path}"
    output = succeeded(cli("db", "upgrade", "--database-url", url)).output
    assert "Schema upgraded from empty to" in output
    assert re.search(r"Loaded \d+ divisions", output)
    assert path.exists()
    database = connect_database(url)
    try:
        tables = set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()
    assert {"regions", "organisations", "users", "ledger_entries", "ledger_head", "alembic_version"} <= tables
    assert scalar(url, "SELECT count(*) FROM regions WHERE code = '440300'") == 1
    assert "up to date" in succeeded(cli("db", "current", "--database-url", url)).output
    again = succeeded(cli("db", "upgrade", "--database-url", url)).output
    assert "Already at the newest schema revision" in again
    assert "Loaded" not in again


def test_db_current_on_a_new_file_says_migrations_are_pending(cli: Invoke, tmp_path: Path) -> None:
    output = succeeded(cli("db", "current", "--database-url", f"sqlite:///{tmp_path / 'new.db'}")).output
    assert "none (empty database)" in output
    assert "citybase db upgrade" in output


def test_db_upgrade_on_a_prepared_database_changes_nothing(cli: Invoke, empty_url: str) -> None:
    before = ledger_state(empty_url)
    assert "Already at the newest" in succeeded(cli("db", "upgrade", "--database-url", empty_url)).output
    assert ledger_state(empty_url) == before


# ---- users -------------------------------------------------------------------------------------------------


def create_user(cli: Invoke, url: str, *options: str, password: str = STRONG_PASSWORD) -> Result:
    return cli("user", "create", *options, "--password-stdin", "--database-url", url, input=password + "\n")


def test_user_create_with_password_on_stdin(cli: Invoke, demo_url: str) -> None:
    output = succeeded(
        create_user(
            cli,
            demo_url,
            "--org",
            "STATS",
            "--role",
            "analyst",
            "--role",
            "viewer",
            "--username",
            "wang.fang",
            "--display-name",
            "王芳",
        )
    ).output
    assert "wang.fang" in output
    assert "STATS" in output
    assert can_log_in(demo_url, "wang.fang", STRONG_PASSWORD)
    listed = succeeded(cli("user", "list", "--org", "STATS", "--database-url", demo_url)).output
    row = next(line for line in listed.splitlines() if "wang.fang" in line)
    assert "王芳" in row
    assert "analyst,viewer" in row


@pytest.mark.parametrize(
    ("options", "password", "named"),
    [
        (("--org", "STATS", "--role", "boss"), STRONG_PASSWORD, ["boss", "role"]),
        (("--org", "NOPE", "--role", "analyst"), STRONG_PASSWORD, ["NOPE"]),
        (("--org", "STATS", "--role", "analyst"), "short1", ["at least 10 characters"]),
        (("--org", "STATS", "--role", "analyst"), "onlyletterslong", ["letters, digits and symbols"]),
    ],
    ids=["bad-role", "unknown-org", "short-password", "one-kind-of-character"],
)
def test_user_create_refuses_bad_input_naming_the_problem(
    cli: Invoke, demo_url: str, options: tuple[str, ...], password: str, named: list[str]
) -> None:
    before = ledger_state(demo_url)
    output = failed_cleanly(create_user(cli, demo_url, *options, "--username", "li.lei", password=password))
    for fragment in named:
        assert fragment in output
    assert scalar(demo_url, "SELECT count(*) FROM users WHERE username = 'li.lei'") == 0
    assert ledger_state(demo_url) == before


def test_user_create_refuses_an_existing_username(cli: Invoke, demo_url: str) -> None:
    output = failed_cleanly(
        create_user(cli, demo_url, "--org", "STATS", "--role", "analyst", "--username", "stats_reviewer")
    )
    assert "stats_reviewer" in output
    assert "already exists" in output


def test_user_create_without_a_terminal_needs_password_stdin(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "user",
        "create",
        "--org",
        "STATS",
        "--role",
        "analyst",
        "--username",
        "li.lei",
        "--database-url",
        demo_url,
    )
    assert "--password-stdin" in failed_cleanly(result)
    assert scalar(demo_url, "SELECT count(*) FROM users WHERE username = 'li.lei'") == 0


def test_user_disable_and_enable(cli: Invoke, demo_url: str) -> None:
    succeeded(create_user(cli, demo_url, "--org", "FINANCE", "--role", "viewer", "--username", "zhao.min"))
    succeeded(cli("user", "disable", "zhao.min", "--database-url", demo_url))
    assert not can_log_in(demo_url, "zhao.min", STRONG_PASSWORD)
    listed = succeeded(cli("user", "list", "--org", "FINANCE", "--database-url", demo_url)).output
    assert "disabled" in next(line for line in listed.splitlines() if "zhao.min" in line)
    succeeded(cli("user", "enable", "zhao.min", "--database-url", demo_url))
    assert can_log_in(demo_url, "zhao.min", STRONG_PASSWORD)


def test_user_unlock_lifts_the_lockout(cli: Invoke, demo_url: str) -> None:
    succeeded(create_user(cli, demo_url, "--org", "FINANCE", "--role", "viewer", "--username", "zhao.min"))
    for _ in range(5):
        assert not can_log_in(demo_url, "zhao.min", "not-the-password-1")
    assert not can_log_in(demo_url, "zhao.min", STRONG_PASSWORD)
    listed = succeeded(cli("user", "list", "--org", "FINANCE", "--database-url", demo_url)).output
    assert "locked" in next(line for line in listed.splitlines() if "zhao.min" in line)
    succeeded(cli("user", "unlock", "zhao.min", "--database-url", demo_url))
    assert can_log_in(demo_url, "zhao.min", STRONG_PASSWORD)


def test_user_reset_password_generates_and_prints_one(cli: Invoke, demo_url: str) -> None:
    output = succeeded(cli("user", "reset-password", "stats_reviewer", "--database-url", demo_url)).output
    found = re.search(r"New password of stats_reviewer: (\S+)", output)
    assert found, output
    assert can_log_in(demo_url, "stats_reviewer", found.group(1))


def test_user_reset_password_from_stdin(cli: Invoke, demo_url: str) -> None:
    result = cli(
        "user",
        "reset-password",
        "stats_reviewer",
        "--password-stdin",
        "--database-url",
        demo_url,
        input=STRONG_PASSWORD + "\n",
    )
    assert STRONG_PASSWORD not in succeeded(result).output
    assert can_log_in(demo_url, "stats_reviewer", STRONG_PASSWORD)


def test_user_commands_name_an_unknown_user(cli: Invoke, demo_url: str) -> None:
    for command in ("disable", "enable", "unlock", "reset-password"):
        assert "nobody" in failed_cleanly(cli("user", command, "nobody", "--database-url", demo_url))


# ---- organisations -----------------------------------------------------------------------------------------


def test_org_create_and_list(cli: Invoke, demo_url: str) -> None:
    output = succeeded(
        cli(
            "org",
            "create",
            "--code",
            "ARCHIVES",
            "--name",
            "深圳市档案馆",
            "--kind",
            "department",
            "--region",
            "440300",
            "--name-en",
            "Shenzhen Archives",
            "--database-url",
            demo_url,
        )
    ).output
    assert "ARCHIVES" in output
    listed = succeeded(cli("org", "list", "--kind", "department", "--database-url", demo_url)).output
    assert "深圳市档案馆" in next(line for line in listed.splitlines() if "ARCHIVES" in line)
    assert "NANSHAN" not in listed
    districts = succeeded(cli("org", "list", "--kind", "district", "--database-url", demo_url)).output
    assert "NANSHAN" in districts
    assert "ARCHIVES" not in districts


def test_org_create_names_an_unknown_region(cli: Invoke, demo_url: str) -> None:
    before = ledger_state(demo_url)
    output = failed_cleanly(
        cli(
            "org",
            "create",
            "--code",
            "ARCHIVES",
            "--name",
            "深圳市档案馆",
            "--kind",
            "department",
            "--region",
            "449999",
            "--database-url",
            demo_url,
        )
    )
    assert "449999" in output
    assert ledger_state(demo_url) == before


# ---- tokens ------------------------------------------------------------------------------------------------


def test_token_create_prints_only_a_working_token(cli: Invoke, demo_url: str, client: TestClient) -> None:
    result = succeeded(
        cli(
            "token", "create", "--username", "stats_reviewer", "--name", "nightly", "--database-url", demo_url
        )
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    token = lines[0]
    assert token.startswith("cbt_")
    assert result.output == token + "\n"  # nothing else, not even on standard error
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "stats_reviewer"


def test_token_create_names_an_unknown_user(cli: Invoke, demo_url: str) -> None:
    result = cli("token", "create", "--username", "nobody", "--database-url", demo_url)
    assert "nobody" in failed_cleanly(result)
    assert "cbt_" not in result.stdout


def test_token_list_and_revoke(cli: Invoke, demo_url: str, client: TestClient) -> None:
    token = succeeded(
        cli(
            "token",
            "create",
            "--username",
            "finance_viewer",
            "--name",
            "report-robot",
            "--database-url",
            demo_url,
        )
    ).stdout.strip()
    listing = ("token", "list", "--username", "finance_viewer", "--database-url", demo_url)
    listed = succeeded(cli(*listing)).output
    assert token not in listed
    row = next(line for line in listed.splitlines() if "report-robot" in line)
    assert token[:8] in row
    assert "active" in row
    token_id = re.search(r"(\d+)", row)
    assert token_id
    succeeded(cli("token", "revoke", token_id.group(1), "--database-url", demo_url))
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    listed = succeeded(cli(*listing)).output
    assert "revoked" in next(line for line in listed.splitlines() if "report-robot" in line)


# ---- ledger ------------------------------------------------------------------------------------------------


def test_ledger_verify_passes_on_an_untouched_database(cli: Invoke, demo_url: str) -> None:
    entries = scalar(demo_url, "SELECT count(*) FROM ledger_entries")
    output = succeeded(cli("ledger", "verify", "--database-url", demo_url)).output
    assert "intact" in output
    assert f"{entries} entries" in output


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "mallory"), ("object_key", "someone-else"), ("detail", "{}"), ("prev_hash", "0" * 64)],
)
def test_ledger_verify_names_a_tampered_entry(cli: Invoke, demo_url: str, column: str, value: str) -> None:
    seq = 3
    execute(
        demo_url,
        f"UPDATE ledger_entries SET {column} = :value WHERE seq = :seq",  # noqa: S608
        value=value,
        seq=seq,
    )
    output = failed_cleanly(cli("ledger", "verify", "--database-url", demo_url))
    assert re.search(rf"\bentry {seq}\b", output), output


def test_ledger_verify_notices_a_removed_last_entry(cli: Invoke, demo_url: str) -> None:
    last = scalar(demo_url, "SELECT max(seq) FROM ledger_entries")
    execute(demo_url, "DELETE FROM ledger_entries WHERE seq = :seq", seq=last)
    failed_cleanly(cli("ledger", "verify", "--database-url", demo_url))


def test_ledger_list_shows_the_newest_entries(cli: Invoke, demo_url: str) -> None:
    succeeded(create_user(cli, demo_url, "--org", "STATS", "--role", "analyst", "--username", "wang.fang"))
    output = succeeded(cli("ledger", "list", "--limit", "1", "--database-url", demo_url)).output
    last = scalar(demo_url, "SELECT max(seq) FROM ledger_entries")
    assert "user.created" in output
    assert "wang.fang" in output
    assert re.search(rf"\b{last}\b", output)
    filtered = succeeded(
        cli("ledger", "list", "--action", "org.", "--limit", "5", "--database-url", demo_url)
    ).output
    assert "org.created" in filtered
    assert "user.created" not in filtered


def test_ledger_export_then_verify_the_file_offline(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    file = tmp_path / "ledger.jsonl"
    output = succeeded(cli("ledger", "export", str(file), "--database-url", demo_url)).output
    head = scalar(demo_url, "SELECT entry_hash FROM ledger_head")
    count = scalar(demo_url, "SELECT count(*) FROM ledger_entries")
    assert f"Exported {count} entries" in output
    assert str(head) in output
    lines = file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == count
    assert json.loads(lines[-1])["entry_hash"] == head

    assert "intact" in succeeded(cli("ledger", "verify", "--file", str(file), "--head", str(head))).output
    assert "intact" in succeeded(cli("ledger", "verify", "--file", str(file))).output
    failed_cleanly(cli("ledger", "verify", "--file", str(file), "--head", "f" * 64))

    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    failed_cleanly(cli("ledger", "verify", "--file", str(truncated), "--head", str(head)))

    record = json.loads(lines[4])
    record["actor"] = "mallory"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(
        "\n".join([*lines[:4], json.dumps(record, ensure_ascii=False), *lines[5:]]) + "\n", encoding="utf-8"
    )
    output = failed_cleanly(cli("ledger", "verify", "--file", str(tampered), "--head", str(head)))
    assert re.search(rf"\bentry {record['seq']}\b", output), output


def test_ledger_verify_reports_an_unreadable_file(cli: Invoke, tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    assert "missing.jsonl" in failed_cleanly(cli("ledger", "verify", "--file", str(missing)))
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("this is not json\n", encoding="utf-8")
    assert "garbage.jsonl" in failed_cleanly(cli("ledger", "verify", "--file", str(garbage)))


# ---- regions -----------------------------------------------------------------------------------------------


def test_regions_show_with_ancestors_and_children(cli: Invoke, demo_url: str) -> None:
    output = succeeded(cli("regions", "show", "440305", "--database-url", demo_url)).output
    first, trail, *children = output.splitlines()
    assert first.startswith("440305 南山区")
    assert "深圳市 440300" in trail
    assert "广东省 440000" in trail
    assert children
    assert all(line.strip().startswith("440305") for line in children)


def test_regions_show_names_an_unknown_code(cli: Invoke, demo_url: str) -> None:
    assert "449999" in failed_cleanly(cli("regions", "show", "449999", "--database-url", demo_url))


def test_regions_search_puts_nanshan_first(cli: Invoke, demo_url: str) -> None:
    output = succeeded(cli("regions", "search", "南山", "--database-url", demo_url)).output
    rows = [line for line in output.splitlines() if re.search(r"\b\d{6}(\d{3})?\b", line)]
    assert rows, output
    assert "440305" in rows[0]
    assert "南山区" in rows[0]


def test_regions_import_adds_a_new_code(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    edition = tmp_path / "edition.csv"
    edition.write_text(
        "code,name,level,parent_code\n440305990,深圳湾街道,township,440305\n", encoding="utf-8"
    )
    output = succeeded(
        cli(
            "regions",
            "import",
            str(edition),
            "--edition",
            "2030",
            "--keep-missing",
            "--database-url",
            demo_url,
        )
    ).output
    assert "1 added" in output
    assert "0 retired" in output
    shown = succeeded(cli("regions", "show", "440305990", "--database-url", demo_url)).output
    assert "深圳湾街道" in shown
    assert "2030" in shown


def test_regions_import_reports_each_bad_row(cli: Invoke, demo_url: str, tmp_path: Path) -> None:
    edition = tmp_path / "bad.csv"
    edition.write_text(
        "code,name,level,parent_code\n12345,坏代码,township,440305\n440305991,,village,440305\n",
        encoding="utf-8",
    )
    before = ledger_state(demo_url)
    output = failed_cleanly(
        cli("regions", "import", str(edition), "--edition", "2030", "--database-url", demo_url)
    )
    assert "row 2" in output
    assert "row 3" in output
    assert "12345" in output
    assert ledger_state(demo_url) == before


# ---- database errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("db", "upgrade"),
        ("db", "current"),
        ("demo",),
        ("user", "list"),
        ("ledger", "verify"),
        ("token", "list", "--username", "admin"),
    ],
)
def test_unreachable_postgresql_is_reported_plainly(cli: Invoke, command: tuple[str, ...]) -> None:
    output = failed_cleanly(cli(*command, "--database-url", "postgresql://postgres@127.0.0.1:1/nope"))
    assert "Cannot connect to the database" in output
    assert "127.0.0.1" in output


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("notaurl", "notaurl"),
        ("mysql://root@localhost/citybase", "mysql"),
        ("postgresql://postgres@127.0.0.1:notaport/citybase", "notaport"),
    ],
    ids=["no-scheme", "unsupported-backend", "bad-port"],
)
def test_malformed_database_url_is_reported_plainly(cli: Invoke, url: str, named: str) -> None:
    output = failed_cleanly(cli("db", "upgrade", "--database-url", url))
    assert output.startswith("error:")
    assert named in output, output
