"""Settings have one source: every `SHOMEI_*` variable is a field of `Settings`, with its
default there, and the README's table is printed from the fields."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.common.settings import (
    Settings,
    environment_table,
    settings_env,
    settings_from,
    variable,
)
from tests.support.repo import ROOT, repository_files

NAME = re.compile(r"\bSHOMEI_[A-Z0-9_]*[A-Z0-9]\b")
NOT_SETTINGS = {
    "SHOMEI_RABBITMQ_PASSWORD": "docker compose's own variable: the RabbitMQ container's password",
    "SHOMEI_SEAL_SAMPLE": "a test's output path for the seal sample a person looks at",
}


def test_every_shomei_variable_in_the_code_and_readme_is_a_settings_field() -> None:
    fields = {variable(name) for name in Settings.model_fields}
    used: dict[str, Path] = {}
    for path in repository_files():
        for name in NAME.findall(path.read_text(errors="replace")):
            used.setdefault(name, path)
    strays = {
        name: str(path.relative_to(ROOT))
        for name, path in used.items()
        if name not in fields and name not in NOT_SETTINGS
    }
    assert strays == {}
    assert "SHOMEI_LOG_LEVEL" in used and "SHOMEI_RABBITMQ_BIN" in fields


def test_the_readme_table_lists_every_field_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    assert environment_table() in readme
    for name in Settings.model_fields:
        assert f"| `{variable(name)}` |" in readme


def test_every_field_says_what_it_is_for() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_the_table_is_printed_by_the_settings_module() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "services.common.settings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == environment_table()


def test_one_port_moves_everything_that_points_at_it() -> None:
    settings = settings_from(
        {"SHOMEI_AMQP_PORT": "6001", "SHOMEI_CATCHER_PORT": "6002", "SHOMEI_GATEWAY_PORT": "6003"}
    )
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:6001/"
    assert settings.sms_api_url == "http://127.0.0.1:6002/twilio"
    assert settings.public_url == "http://127.0.0.1:6003"
    assert settings.store == "sqlite:///var"


def test_a_value_given_wins_over_the_derived_default(tmp_path: Path) -> None:
    settings = settings_from(
        {
            "SHOMEI_VAR_DIR": str(tmp_path),
            "SHOMEI_AMQP_URL": "amqp://u:p@broker:5672/x",
            "SHOMEI_PUBLIC_URL": "https://sign.example.jp",
        }
    )
    assert settings.store == f"sqlite:///{tmp_path}"
    assert settings.amqp_url == "amqp://u:p@broker:5672/x"
    assert settings.public_url == "https://sign.example.jp"


def test_settings_from_a_mapping_ignore_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOMEI_AMQP_PORT", "7001")
    assert Settings().amqp_port == 7001
    assert settings_from({}).amqp_port == Settings.model_fields["amqp_port"].default


def test_a_child_gets_every_setting_back_unchanged() -> None:
    settings = settings_from({"SHOMEI_LOG_LEVEL": "debug", "SHOMEI_JP_FONT": ""})
    assert settings.jp_font is None
    assert settings_from(settings_env(settings)) == settings
