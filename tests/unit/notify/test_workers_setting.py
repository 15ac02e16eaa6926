"""`./run up` starts as many notify workers as SHOMEI_NOTIFY_WORKERS says; they share one
queue, so adding workers is how notify scales."""

import pytest

from deploy.local.up import UpConfig, UpError
from services.common.settings import Settings


def test_the_number_of_notify_workers_comes_from_the_environment() -> None:
    config = UpConfig.from_env({"SHOMEI_VAR_DIR": "/tmp/x", "SHOMEI_NOTIFY_WORKERS": "3"})
    assert config.notify_workers == 3
    assert UpConfig.from_env({"SHOMEI_VAR_DIR": "/tmp/x"}).notify_workers == 1
    assert Settings(notify_workers=3).notify_workers == 3


@pytest.mark.parametrize("value", ["0", "three", "-1", "100"])
def test_a_bad_number_of_workers_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(UpError, match="SHOMEI_NOTIFY_WORKERS"):
        UpConfig.from_env({"SHOMEI_NOTIFY_WORKERS": value})
