from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def _seed_path() -> Path:
    shared = Path("/work/shared/seed/shanxi_2021_government_work_report.txt")
    if shared.exists():
        return shared
    import duban

    return Path(duban.__file__).parent / "data" / "shanxi_2021_government_work_report.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return _seed_path()


@pytest.fixture(scope="session")
def seed_text(seed_path) -> str:
    return seed_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_result(seed_path):
    from duban.workplan import decompose

    return decompose(seed_path.read_bytes(), name="report.txt")
