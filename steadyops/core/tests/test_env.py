from pathlib import Path

import pytest

from steadyops.core.env import ConfigError, env_bool, env_choice, env_int, env_list, env_str


def test_it_reads_yes_and_no_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("true", True), ("YES", True), ("1", True), ("off", False), ("0", False)):
        monkeypatch.setenv("STEADYOPS_X", value)
        assert env_bool("STEADYOPS_X", not expected) is expected


def test_it_uses_the_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEADYOPS_X", raising=False)
    assert env_bool("STEADYOPS_X", True) is True
    assert env_int("STEADYOPS_X", 7) == 7
    assert env_str("STEADYOPS_X", "d") == "d"
    assert env_list("STEADYOPS_X", ["a"]) == ["a"]


def test_it_refuses_maybe_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYOPS_DEBUG", "maybe")
    with pytest.raises(ConfigError) as error:
        env_bool("STEADYOPS_DEBUG", False)
    assert str(error.value) == (
        "STEADYOPS_DEBUG='maybe' is not a yes/no value; use one of: true, false, 1, 0, yes, no, on, off."
    )


def test_it_refuses_numbers_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYOPS_N", "abc")
    with pytest.raises(ConfigError, match=r"^STEADYOPS_N='abc' is not a whole number\.$"):
        env_int("STEADYOPS_N", 1)
    with pytest.raises(ConfigError, match=r"^STEADYOPS_N='abc' is not a whole number; use a whole number from 1 to 9"):
        env_int("STEADYOPS_N", 1, minimum=1, maximum=9)
    monkeypatch.setenv("STEADYOPS_N", "0")
    with pytest.raises(ConfigError, match="smallest accepted value is 1"):
        env_int("STEADYOPS_N", 1, minimum=1)
    monkeypatch.setenv("STEADYOPS_N", "301")
    with pytest.raises(ConfigError, match="largest accepted value is 300"):
        env_int("STEADYOPS_N", 1, maximum=300)


def test_it_refuses_a_choice_outside_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYOPS_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match="use one of: DEBUG, INFO"):
        env_choice("STEADYOPS_LOG_LEVEL", "INFO", ("DEBUG", "INFO"))


def test_it_reads_secrets_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("STEADYOPS_SECRET", raising=False)
    monkeypatch.setenv("STEADYOPS_SECRET_FILE", str(secret))
    assert env_str("STEADYOPS_SECRET") == "s3cret"


def test_it_refuses_both_a_value_and_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STEADYOPS_SECRET", "a")
    monkeypatch.setenv("STEADYOPS_SECRET_FILE", str(tmp_path / "x"))
    with pytest.raises(ConfigError, match="are both set"):
        env_str("STEADYOPS_SECRET")


def test_it_names_an_unreadable_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STEADYOPS_SECRET", raising=False)
    monkeypatch.setenv("STEADYOPS_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"STEADYOPS_SECRET_FILE=.* cannot be read: No such file or directory"):
        env_str("STEADYOPS_SECRET")


def test_it_splits_lists_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYOPS_HOSTS", " a.example , ,b.example")
    assert env_list("STEADYOPS_HOSTS", []) == ["a.example", "b.example"]
