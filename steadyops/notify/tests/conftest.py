from collections.abc import Iterator
from pathlib import Path

import pytest

from steadyops.notify.tests.processes import Installation, copy_database


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, made once per run and copied for each test that needs one."""
    folder = tmp_path_factory.mktemp("template-db")
    Installation(folder, f"sqlite:///{folder / 'steadyops.sqlite3'}").run("migrate", "--no-input", "-v", "0")
    return folder / "steadyops.sqlite3"


@pytest.fixture
def installation(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Installation]:
    """A steadyops installation on a file SQLite database under tmp_path; its processes are stopped afterwards."""
    database = tmp_path / "steadyops.sqlite3"
    copy_database(migrated_sqlite, database)
    app = Installation(tmp_path, f"sqlite:///{database}")
    try:
        yield app
    finally:
        app.stop_all()
