"""emolib.training.train.TrainConfig: a run's saved settings are checked before anything slow starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emolib.cli import main
from emolib.errors import EmolibError
from emolib.training.train import TrainConfig


@pytest.mark.parametrize("bad", [{"arch": "resnet9000"}, {"epochs": 0}, {"batch_size": "64"}, {"learning_rate": -1},
                                 {"augment": [1, 2]}, {"no_such_setting": 1}])
def test_bad_saved_configs_are_one_line_errors(bad: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "config.json").write_text(json.dumps(bad))
    with pytest.raises(EmolibError, match="not a valid run configuration"):
        TrainConfig.load(tmp_path / "config.json")
    assert main(["train", "--out", str(tmp_path), "--data", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.json" in err and "Traceback" not in err


def test_good_configs_round_trip(tmp_path: Path) -> None:
    config = TrainConfig(arch="compact_vgg_deep", epochs=3)
    (tmp_path / "config.json").write_text(json.dumps(config.__dict__))
    assert TrainConfig.load(tmp_path / "config.json") == config
    with pytest.raises(EmolibError, match="unknown architecture"):
        TrainConfig(arch="nope")
