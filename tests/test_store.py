import math

import pytest

from bench import store
from bench.store import COLUMNS, Run


def test_each_run_gets_a_new_folder(tmp_path):
    a = Run.create(tmp_path, "smoke")
    b = Run.create(tmp_path, "smoke")
    assert a.path != b.path and a.path.is_dir() and b.path.is_dir()
    assert a.id.startswith("20") and "-smoke-" in a.id


def test_create_never_reuses_an_existing_folder(tmp_path, monkeypatch):
    first = Run.create(tmp_path, "smoke")
    first.append({"seq": 0, "framework": "flask"})
    tokens = iter([first.id.rsplit("-", 1)[1], "beef"])
    monkeypatch.setattr(store.secrets, "token_hex", lambda n: next(tokens))
    monkeypatch.setattr(store, "datetime", _Frozen(first.id.split("-", 1)[0]))
    second = Run.create(tmp_path, "smoke")
    assert second.id.endswith("-beef")
    assert len(first.trials()) == 1  # the first run's data is untouched


def test_append_keeps_every_row_and_writes_the_header_once(tmp_path):
    run = Run.create(tmp_path, "quick")
    for i in range(3):
        run.append({"seq": i, "framework": "fastapi", "warmup": i == 0, "client_wall_s": 0.5 + i})
    lines = run.trials_path.read_text().splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 4
    df = run.trials()
    assert list(df["seq"]) == [0, 1, 2] and list(df["warmup"]) == [True, False, False]
    assert df["client_wall_s"].sum() == pytest.approx(4.5)
    assert math.isnan(df["parallelism"][0])


def test_append_rejects_unknown_columns(tmp_path):
    with pytest.raises(ValueError, match="colour"):
        Run.create(tmp_path, "x").append({"colour": "red"})


def test_meta_is_replaced_whole(tmp_path):
    run = Run.create(tmp_path, "x")
    run.write_meta({"completed": False})
    run.write_meta({"completed": True, "n": 1})
    assert run.meta() == {"completed": True, "n": 1}
    assert not list(run.path.glob("*.tmp"))


def test_latest_is_the_run_that_started_last(tmp_path):
    old, new = Run.create(tmp_path, "a"), Run.create(tmp_path, "b")
    new.write_meta({"started_at": "2026-01-02T00:00:00", "completed": True})
    old.write_meta({"started_at": "2026-01-01T00:00:00", "completed": True})  # written later, started earlier
    assert store.latest(tmp_path).path == new.path
    with pytest.raises(FileNotFoundError, match="no complete runs"):
        store.latest(tmp_path / "empty")


class _Frozen:
    """Stands in for datetime so that two runs get the same time stamp."""

    def __init__(self, stamp: str) -> None:
        self.stamp = stamp

    def now(self, tz=None):
        stamp = self.stamp

        class T:
            def strftime(self, fmt):
                return stamp

        return T()


def test_latest_skips_load_runs(tmp_path):
    trials_run, load_run = Run.create(tmp_path, "quick"), Run.create(tmp_path, "load-quick")
    trials_run.write_meta({"started_at": "2026-01-01T00:00:00", "completed": True})
    load_run.write_meta({"started_at": "2026-01-02T00:00:00", "kind": "load", "completed": True})
    assert store.latest(tmp_path).path == trials_run.path


def test_loading_passes_over_incomplete_and_damaged_runs_and_says_so(tmp_path):
    good = Run.create(tmp_path, "quick")
    good.write_meta({"started_at": "2026-01-01T00:00:00", "completed": True})
    cut = Run.create(tmp_path, "quick")
    cut.write_meta(
        {
            "started_at": "2026-01-03T00:00:00",
            "completed": False,
            "interrupted": True,
            "trials_done": 7,
            "trials_planned": 90,
        }
    )
    broken = Run.create(tmp_path, "quick")
    broken.meta_path.write_text('{"started_at": "2026-01-04')  # cut off mid-write by a crash
    with pytest.warns(UserWarning, match=r"left out 2 run folder\(s\)") as caught:
        assert store.latest(tmp_path).path == good.path
    message = str(caught[0].message)
    assert f"{cut.id} (interrupted: 7/90 trials)" in message and f"{broken.id} (" in message
    assert "this run folder is damaged" in message
    with pytest.warns(UserWarning, match="damaged"):
        assert [r.path for r in store.runs(tmp_path, complete=False)] == [good.path, cut.path]
    with pytest.raises(store.RunDataError, match="not readable JSON"):
        broken.meta()
    assert cut.meta()["interrupted"] and good.meta()["completed"]


def test_a_malformed_trials_table_is_a_clear_error(tmp_path):
    run = Run.create(tmp_path, "quick")
    run.trials_path.write_text("this,is\nnot,ours\n")
    with pytest.raises(store.RunDataError, match="lacks the columns"):
        run.trials()
    run.trials_path.write_bytes(b'framework,mode\n"unterminated\n')
    with pytest.raises(store.RunDataError, match="not a readable CSV"):
        run.trials()
