"""Settings from the environment and a TOML file; the Chinese catalogue complete, compiled and consistent."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from pydantic import ValidationError

from citybase import i18n_tools
from citybase.i18n import language_from_accept, pick_language, translations
from citybase.settings import SETTINGS_FILE_VARIABLE, Settings, get_settings

# --- settings ----------------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CITYBASE_* setting or settings file leaks in from the environment running the tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CITYBASE_{name.upper()}", raising=False)
    monkeypatch.delenv(SETTINGS_FILE_VARIABLE, raising=False)
    return monkeypatch


def _settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> Path:
    path = tmp_path / "citybase.toml"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(SETTINGS_FILE_VARIABLE, str(path))
    return path


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert settings.database_url == "sqlite:///citybase.db"
    assert (settings.environment, settings.default_language, settings.login_max_failures) == (
        "development",
        "zh_CN",
        5,
    )
    assert not settings.is_production


def test_settings_from_environment_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CITYBASE_LOGIN_MAX_FAILURES", "3")
    clean_env.setenv("CITYBASE_ENVIRONMENT", "production")
    clean_env.setenv("CITYBASE_AUTO_MIGRATE", "false")
    clean_env.setenv("CITYBASE_DATABASE_URL", "postgresql://city@db.internal/citybase")
    settings = get_settings()
    assert settings.login_max_failures == 3
    assert settings.is_production
    assert settings.auto_migrate is False
    assert settings.database_url == "postgresql+psycopg://city@db.internal/citybase"


def test_settings_from_a_toml_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _settings_file(
        tmp_path,
        clean_env,
        'database_url = "postgres://city@db/citybase"\ntoken_max_days = 30\ndefault_language = "en"\n',
    )
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://city@db/citybase"
    assert (settings.token_max_days, settings.default_language) == (30, "en")


def test_environment_beats_the_file_and_arguments_beat_both(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _settings_file(tmp_path, clean_env, "login_max_failures = 3\nlockout_minutes = 20\nsession_hours = 2\n")
    clean_env.setenv("CITYBASE_LOGIN_MAX_FAILURES", "4")
    clean_env.setenv("CITYBASE_LOCKOUT_MINUTES", "30")
    settings = get_settings(lockout_minutes=45, session_hours=None)
    assert (settings.login_max_failures, settings.lockout_minutes, settings.session_hours) == (4, 45, 2)


@pytest.mark.parametrize("url", ["mysql://city@db/citybase", "citybase.db", "", "oracle+cx://x@y/z"])
def test_an_unsupported_database_url_is_refused_clearly(clean_env: pytest.MonkeyPatch, url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        get_settings(database_url=url)
    text = str(caught.value)
    assert "database_url" in text
    assert f"database URL {url!r} is not supported" in text
    assert "postgresql://" in text
    assert "sqlite:///" in text


def test_an_unsupported_database_url_in_the_environment_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CITYBASE_DATABASE_URL", "mysql://city@db/citybase")
    with pytest.raises(ValidationError, match="not supported"):
        get_settings()


@pytest.mark.parametrize(
    "url", ["sqlite:///citybase.db", "sqlite+pysqlite:////var/lib/citybase.db", "postgresql+psycopg://u@h/d"]
)
def test_supported_database_urls_are_kept(clean_env: pytest.MonkeyPatch, url: str) -> None:
    assert get_settings(database_url=url).database_url == url


def test_an_unknown_key_in_the_file_is_refused(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _settings_file(tmp_path, clean_env, "login_max_failure = 3\n")
    with pytest.raises(ValidationError, match="login_max_failure"):
        get_settings()


def test_a_missing_settings_file_is_named(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    clean_env.setenv(SETTINGS_FILE_VARIABLE, str(missing))
    with pytest.raises(ValueError, match="does not exist") as caught:
        get_settings()
    assert str(missing) in str(caught.value)
    assert SETTINGS_FILE_VARIABLE in str(caught.value)


def test_a_settings_file_that_is_not_toml_is_named(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = _settings_file(tmp_path, clean_env, "login_max_failures = = 3\n")
    with pytest.raises(ValueError, match="not valid TOML") as caught:
        get_settings()
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("login_max_failures", "0"),
        ("password_min_length", "4"),
        ("environment", "staging"),
        ("token_max_days", "many"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_setting(
    clean_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    clean_env.setenv(f"CITYBASE_{name.upper()}", value)
    with pytest.raises(ValidationError, match=name):
        get_settings()


def test_settings_are_frozen(clean_env: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    with pytest.raises(ValidationError):
        settings.login_max_failures = 100  # type: ignore[misc]


def test_every_setting_is_described() -> None:
    undocumented = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undocumented == []


# --- the translation catalogue -----------------------------------------------------------------------


def test_every_ui_text_is_translated_and_compiled() -> None:
    assert i18n_tools.problems() == []


def test_the_check_catches_a_text_without_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    extract = i18n_tools.extract
    before = set(i18n_tools.problems())

    def extract_with_a_new_text() -> Catalog:
        catalog = extract()
        catalog.add("A text nobody has translated yet", None, [("regions/new.py", 1)])
        return catalog

    monkeypatch.setattr(i18n_tools, "extract", extract_with_a_new_text)
    assert set(i18n_tools.problems()) - before == {
        "no Chinese translation for 'A text nobody has translated yet'"
    }


def test_the_check_catches_a_fuzzy_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    read_catalog = i18n_tools.read_catalog

    def catalog_with_a_fuzzy_entry() -> Catalog:
        catalog = read_catalog()
        catalog["Unknown region code {code}"].flags.add("fuzzy")
        return catalog

    monkeypatch.setattr(i18n_tools, "read_catalog", catalog_with_a_fuzzy_entry)
    assert "the translation of 'Unknown region code {code}' is marked fuzzy" in i18n_tools.problems()


def test_the_check_catches_a_stale_compiled_catalogue(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stale = tmp_path / "locale" / "messages.mo"
    stale.parent.mkdir()
    stale.write_bytes(i18n_tools.MO.read_bytes()[:-16])
    monkeypatch.setattr(i18n_tools, "PACKAGE", tmp_path)
    monkeypatch.setattr(i18n_tools, "MO", stale)
    stale_problems = [problem for problem in i18n_tools.problems() if "not compiled" in problem]
    assert stale_problems == [
        "locale/messages.mo is not compiled from the current .po; run `python -m citybase.i18n_tools compile`"
    ]


_BRACES = string.Formatter()
_PERCENT = re.compile(r"%\((\w+)\)[sd]")


def _placeholders(text: str) -> tuple[set[str], set[str]]:
    braces = {name for _literal, name, _spec, _conv in _BRACES.parse(text) if name}
    return braces, set(_PERCENT.findall(text))


def test_translations_keep_every_placeholder() -> None:
    # A translation naming another placeholder would fail at render time, in Chinese only.
    mismatched = {
        entry.id: entry.string
        for entry in i18n_tools.read_catalog()
        if entry.id and entry.string and _placeholders(str(entry.id)) != _placeholders(str(entry.string))
    }
    assert mismatched == {}


def test_the_compiled_catalogue_is_what_the_adapters_use() -> None:
    chinese = translations("zh_CN")
    assert chinese.gettext("Unknown region code {code}") != "Unknown region code {code}"
    assert re.search(r"[\u4e00-\u9fff]", chinese.gettext("Unknown region code {code}"))
    assert translations("en").gettext("Unknown region code {code}") == "Unknown region code {code}"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9", "zh_CN"),
        ("zh-TW", "zh_CN"),
        ("en-GB,en;q=0.8", "en"),
        ("fr, en;q=0.5", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_language_from_accept_header(header: str | None, language: str | None) -> None:
    assert language_from_accept(header) == language


def test_pick_language_falls_back_to_the_default() -> None:
    assert pick_language("en") == "en"
    assert pick_language("de") == "zh_CN"
    assert pick_language(None, default="en") == "en"
