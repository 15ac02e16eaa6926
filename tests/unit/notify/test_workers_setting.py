"""`./run up` starts as many notify workers as SHOMEI_NOTIFY_WORKERS says; they share one
queue, so adding workers is how notify scales. Each works on SHOMEI_NOTIFY_IN_FLIGHT
requests at once."""

import pytest
from pydantic import ValidationError

from deploy.local.up import UpConfig, UpError
from services.common.settings import Settings
from services.notify.app import build
from services.notify.handlers import worker_settings


def test_the_number_of_notify_workers_comes_from_the_environment() -> None:
    config = UpConfig.from_env({"SHOMEI_VAR_DIR": "/tmp/x", "SHOMEI_NOTIFY_WORKERS": "3"})
    assert config.notify_workers == 3
    assert UpConfig.from_env({"SHOMEI_VAR_DIR": "/tmp/x"}).notify_workers == 1
    assert Settings(notify_workers=3).notify_workers == 3


@pytest.mark.parametrize("value", ["0", "three", "-1", "100"])
def test_a_bad_number_of_workers_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(UpError, match="SHOMEI_NOTIFY_WORKERS"):
        UpConfig.from_env({"SHOMEI_NOTIFY_WORKERS": value})


def test_a_worker_is_let_hold_as_many_requests_as_it_works_on_at_once() -> None:
    """SHOMEI_NOTIFY_IN_FLIGHT: the broker's prefetch is raised to it, never lowered."""
    assert worker_settings(Settings(notify_in_flight=64, prefetch=32)).prefetch == 64
    assert worker_settings(Settings(notify_in_flight=8, prefetch=32)).prefetch == 32
    runtime, handlers = build(Settings(notify_in_flight=48, prefetch=16), "notify-in-flight")
    assert runtime.settings.prefetch == 48
    assert handlers.slots == 48


def test_a_bad_number_in_flight_is_refused() -> None:
    with pytest.raises(ValidationError, match="notify_in_flight"):
        Settings(notify_in_flight=0)
