import pytest


@pytest.fixture
def seed_bytes():
    from pathlib import Path

    import duban

    return (Path(duban.__file__).parent / "data" / "shanxi_2021_government_work_report.txt").read_bytes()
