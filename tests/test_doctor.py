"""``emolib doctor``: one line per check, FAIL lines set the exit code, a broken check is a line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from emolib.cli import doctor, main


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EMOLIB_MODE", raising=False)
    monkeypatch.delenv("EMOLIB_QUICK", raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setattr(doctor, "_running_servers", lambda: [])


def report(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, dict[str, str]]:
    code = main(["doctor", "--no-color", *argv])
    lines = capsys.readouterr().out.splitlines()
    checks = {}
    for line in lines[:-1]:
        tag, rest = line[:6], line[7:]
        name, _, detail = rest.partition(": ")
        checks[name] = f"{tag.strip('[] ')} {detail}"
    return code, checks


def test_a_ready_machine(capsys: pytest.CaptureFixture) -> None:
    """This dev environment has every package: all lines ok or note, exit 0, the sample face classified."""
    code, checks = report(capsys)
    assert code == 0, checks
    for name in ("Python", "numpy", "ai-edge-litert", "tensorflow", "bundled model", "sample face", "FER2013",
                 "jupyterlab", "jupyterlab_widgets", "anywidget", "NoDelay", "notebook mode"):
        assert name in checks, name
    assert checks["sample face"].startswith("ok happy") and " ms " in checks["sample face"]
    assert checks["notebook mode"].startswith("ok workshop (default")
    assert checks["NoDelay"].startswith("note ") and "NoDelayWebsocketConnection" in checks["NoDelay"]


def test_a_missing_package_fails_with_the_install_command(capsys: pytest.CaptureFixture,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real = doctor._version
    monkeypatch.setattr(doctor, "_version", lambda name: None if name.startswith("tensorflow") else real(name))
    code, checks = report(capsys)
    assert code == 1
    assert checks["tensorflow"].startswith("FAIL not installed") and "emolib[student]" in checks["tensorflow"]
    assert checks["numpy"].startswith("ok ")


def test_a_broken_check_is_one_line(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    def check_model() -> None:
        raise RuntimeError("LiteRT could not start")

    monkeypatch.setattr(doctor, "check_model", check_model)
    code = main(["doctor", "--no-color"])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.out + captured.err
    assert "[FAIL] model: RuntimeError: LiteRT could not start" in captured.out.splitlines()


def test_missing_fer2013_is_a_note_with_how_to_get_it(capsys: pytest.CaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("emolib.training.data.find_fer2013", lambda: None)
    code, checks = report(capsys)
    assert code == 0
    assert checks["FER2013"].startswith("note not found") and "Kaggle" in checks["FER2013"]
    assert "fer2013.csv" in checks["FER2013"]


def test_nodelay_found_in_the_jupyter_config(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.py").write_text(
        'c.ServerApp.kernel_websocket_connection_class = "emolib.widgets.server.NoDelayWebsocketConnection"\n')
    _, checks = report(capsys)
    assert checks["NoDelay"].startswith("ok set in") and "jupyter_server_config.py" in checks["NoDelay"]


def test_a_wrong_mode_fails(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOLIB_MODE", "fastest")
    code, checks = report(capsys)
    assert code == 1 and checks["mode"].startswith("FAIL EmolibError: EMOLIB_MODE='fastest' is not a mode")


def test_colour_only_on_a_terminal(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "checks", lambda: iter([doctor.Check(doctor.OK, "a", "b"),
                                                        doctor.Check(doctor.FAIL, "c", "d")]))
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "\033[32m[ ok ]\033[0m a: b" in out and "\033[31m[FAIL]\033[0m c: d" in out
