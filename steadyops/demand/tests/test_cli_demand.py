"""`steadyops demand import-csv|pull|forecast`: outputs, exit codes, and who the command acts for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.demand import csvseries, series_services
from steadyops.demand.models import MetricPoint, MetricSeries
from steadyops.demand.tests.test_prometheus_client import FakePrometheus, matrix
from steadyops.testing.personas import Personas

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "wikipedia_peyton_manning_daily.csv"
GOOD = "timestamp,value\n2024-01-01T00:00Z,5\n2024-01-01T01:00Z,6\n"


@pytest.fixture
def shop(personas: Personas) -> Service:
    return catalog.create_service(actor=Actor(personas.admin), name="Shop", slug="shop", owner=personas.team_a)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demand", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exit_code(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("demand", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), f"{err.getvalue()}CommandError: {error}\n"
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str | bytes, name: str = "h.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def test_it_imports_the_peyton_manning_file_with_a_time_zone(personas: Personas, shop: Service) -> None:
    out, _ = run("import-csv", str(DATA), "--service", "shop", "--metric", "page_views", "--timezone", "UTC")
    assert out.splitlines() == [
        "new series: shop / page_views",
        "2905 rows in 1 series: 2905 points were added, 0 changed, 0 already there.",
    ]
    series = MetricSeries.objects.get(metric="page_views")
    assert series.points.count() == 2905
    assert set(AuditEntry.objects.filter(action__startswith="metric_series").values_list("actor_label", flat=True)) == {
        "admin (via steadyops demand import-csv)"
    }


def test_a_dry_run_writes_nothing(personas: Personas, shop: Service, tmp_path: Path) -> None:
    out, _ = run("import-csv", write(tmp_path, GOOD), "--service", "shop", "--dry-run")
    assert out.splitlines()[-1] == (
        "2 rows in 1 series: 2 points would be added, 0 changed, 0 already there. (dry run: nothing was written)"
    )
    assert MetricPoint.objects.count() == 0


def test_problems_are_named_by_line_with_exit_1(personas: Personas, shop: Service, tmp_path: Path) -> None:
    path = write(tmp_path, "ds,y\n2024-01-01,1\n2024-01-02T00:00Z,-4\n")
    code, _, err = exit_code("import-csv", path, "--service", "shop")
    assert code == 1
    assert err.splitlines() == [
        "h.csv: line 2: '2024-01-01' has no time zone; add one (such as Z or +01:00) or choose a default time zone",
        "h.csv: line 3: '-4' is negative; traffic figures are zero or more",
        "CommandError: 2 problems; nothing was imported.",
    ]
    assert MetricPoint.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timezone", "Moon/Base"], "'Moon/Base' is not a time zone"),
        (["--timezone", "\x1b[2J"], "'?[2J' is not a time zone"),
        (["--as", "nobody"], "Nobody active has the username 'nobody'."),
        (["--as", "viewer"], "viewer: Only operators and administrators import metric history."),
    ],
)
def test_bad_arguments_exit_2(personas: Personas, shop: Service, tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = exit_code("import-csv", write(tmp_path, GOOD), "--service", "shop", *args)
    assert code == 2
    assert message in err
    assert "\x1b" not in err
    assert MetricPoint.objects.count() == 0


def test_a_missing_or_oversized_file_exits_2(
    personas: Personas, shop: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = exit_code("import-csv", str(tmp_path / "nope.csv"), "--service", "shop")
    assert (code, err.splitlines()[-1]) == (2, f"CommandError: {tmp_path / 'nope.csv'} is not a file.")
    monkeypatch.setattr(csvseries, "MAX_BYTES", 10)
    code, _, err = exit_code("import-csv", write(tmp_path, GOOD), "--service", "shop")
    assert code == 2
    assert "is larger than" in err
    assert "split it into several files" in err


def test_it_needs_one_administrator_or_as(personas: Personas, shop: Service, tmp_path: Path) -> None:
    from steadyops.testing.personas import make_user

    make_user("second_admin", "admin")
    code, _, err = exit_code("import-csv", write(tmp_path, GOOD), "--service", "shop")
    assert code == 2
    assert "Several administrators exist; name the person to act for with --as USERNAME." in err
    out, _ = run("import-csv", write(tmp_path, GOOD), "--service", "shop", "--as", "operator_b")
    assert "2 points were added" in out


def test_pull_one_and_all_with_exit_codes(personas: Personas, shop: Service) -> None:
    fake = FakePrometheus()
    try:
        source = series_services.create_source(actor=Actor(personas.admin), name="Main", base_url=fake.url)
        series = series_services.create_prometheus_series(
            actor=Actor(personas.admin), service=shop, metric="rps", source=source, query="up"
        )
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        fake.replies = [(200, matrix([(hour.timestamp(), "2")]), 0)]
        out, _ = run("pull", "--series", str(series.pk))
        assert out == f"shop / rps (#{series.pk}): 1 points added, 0 changed, 0 already there.\n"
        fake.replies = [(400, {"status": "error", "errorType": "bad_data", "error": "parse error"}, 0)]
        MetricPoint.objects.all().delete()
        code, out, err = exit_code("pull", "--all")
        assert code == 1
        assert "The pull failed; nothing was saved. Prometheus refused the query (bad_data): parse error" in out
        assert "1 of 1 pulls failed." in err
        code, _, err = exit_code("pull", "--series", "999")
        assert (code, "No series pulled from Prometheus has the id 999." in err) == (2, True)
    finally:
        fake.stop()


def test_forecast_prints_csv_for_one_series_and_text_for_all(personas: Personas, shop: Service) -> None:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=21)
    rows = [f"{(start + timedelta(hours=i)).isoformat()},{100 + 20 * ((i % 24) > 8)}" for i in range(24 * 21)]
    series_services.import_csv(
        actor=Actor(personas.admin), data="timestamp,value\n" + "\n".join(rows), service="shop", metric="rps"
    )
    out, _ = run("forecast", "--service", "shop", "--horizon", "24", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "timestamp,point,lower,upper"
    assert len(lines) == 25
    assert lines[1].startswith((start + timedelta(days=21)).isoformat() + ",")
    point, lower, upper = (float(x) for x in lines[1].split(",")[1:])
    assert lower <= point <= upper
    out, _ = run("forecast", "--horizon", "24")
    assert out.startswith("shop / rps: peak ")
    code, _, err = exit_code("forecast", "--format", "csv", "--service", "nowhere")
    assert (code, "There is no service 'nowhere'." in err) == (2, True)
    code, _, err = exit_code("forecast", "--as", "stakeholder")
    assert (code, "Only operators and administrators run forecasts." in err) == (2, True)
    code, _, _ = exit_code("forecast", "--horizon", "0")
    assert code == 2
