"""Run folders: new ones never overwrite, rows and meta.json are typed records, older
formats are read and an unknown one is refused by name."""

import json
import math
from typing import Any

import pytest

from bench.instrument import environment, store
from bench.instrument.store import Run
from bench.vocabulary.config import Config
from bench.vocabulary.records import COLUMNS, META_FORMAT, RunKind, TrialRow
from tests.conftest import trial_row
from tests.frontends.test_cli import bench

ENV = environment.collect()


def row(seq: int, framework: str = "fastapi", warmup: bool = False, **measured: Any) -> TrialRow:
    return trial_row(Config(framework, "thread", "article", "gather", 2, 10), seq=seq, warmup=warmup, **measured)


def finished(run: Run, started_at: str, kind: RunKind = "trials") -> None:
    """meta.json of a run of ``kind`` that started at ``started_at`` and completed."""
    meta = run.new_meta(kind, ENV)
    meta.update({"started_at": started_at, "completed": True})
    run.write_meta(meta)


def write_raw(run: Run, meta: object) -> None:
    """meta.json exactly as given, as an older version (or a damaged disk) left it."""
    run.meta_path.write_text(json.dumps(meta))


def test_each_run_gets_a_new_folder(tmp_path):
    a = Run.create(tmp_path, "smoke")
    b = Run.create(tmp_path, "smoke")
    assert a.path != b.path and a.path.is_dir() and b.path.is_dir()
    assert a.id.startswith("20") and "-smoke-" in a.id


def test_create_never_reuses_an_existing_folder(tmp_path, monkeypatch):
    first = Run.create(tmp_path, "smoke")
    first.append(row(0, "flask"))
    tokens = iter([first.id.rsplit("-", 1)[1], "beef"])
    monkeypatch.setattr(store.secrets, "token_hex", lambda n: next(tokens))
    monkeypatch.setattr(store, "datetime", _Frozen(first.id.split("-", 1)[0]))
    second = Run.create(tmp_path, "smoke")
    assert second.id.endswith("-beef")
    assert len(first.trials()) == 1  # the first run's data is untouched


def test_append_keeps_every_row_and_writes_the_header_once(tmp_path):
    run = Run.create(tmp_path, "quick")
    for i in range(3):
        run.append(row(i, warmup=i == 0, status=200, client_wall_s=0.5 + i))
    lines = run.trials_path.read_text().splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 4
    df = run.trials()
    assert list(df["seq"]) == [0, 1, 2] and list(df["warmup"]) == [True, False, False]
    assert df["client_wall_s"].sum() == pytest.approx(4.5)
    assert math.isnan(df["parallelism"][0])


def test_meta_is_replaced_whole_and_carries_its_format(tmp_path):
    run = Run.create(tmp_path, "x")
    run.write_meta(run.new_meta("trials", ENV))
    assert not run.meta()["completed"]
    finished(run, "2026-01-01T00:00:00")
    meta = run.meta()
    assert meta["completed"] and meta["started_at"] == "2026-01-01T00:00:00" and meta["format"] == META_FORMAT == 8
    assert json.loads(run.meta_path.read_text())["format"] == META_FORMAT
    assert not list(run.path.glob("*.tmp"))


def test_a_run_folder_of_the_first_format_is_read_and_upgraded(tmp_path):
    run = Run.create(tmp_path, "quick")
    write_raw(
        run,
        {
            "run_id": run.id,
            "started_at": "2026-01-01T00:00:00",
            "completed": True,
            "trials_done": 4,
            "servers": [{"framework": "flask", "mode": "process", "variant": "", "options": {}}],
        },
    )
    run.trials_path.write_text(
        "framework,mode,workload,strategy,status,client_wall_s\nflask,process,article,gather,200,1.5\n"
    )
    meta = run.meta()
    assert (meta["format"], meta["kind"], meta["interrupted"], meta["trials_started"]) == (
        META_FORMAT,
        "trials",
        False,
        4,
    )
    assert meta["servers"][0]["command"] == "" and meta["git"]["commit"] is None
    df = run.trials()
    assert list(df.columns) == list(COLUMNS) and df["endpoint"].iloc[0] == "sync"  # Flask's own style then
    assert store.latest(tmp_path).path == run.path


def test_a_run_folder_of_the_second_format_reads_as_single_requests(tmp_path):
    run = Run.create(tmp_path, "quick")
    write_raw(
        run,
        {
            "format": 2,
            "kind": "trials",
            "run_id": run.id,
            "started_at": "2026-01-01",
            "ended_at": None,
            "completed": True,
            "interrupted": False,
        },
    )
    run.trials_path.write_text(
        "framework,mode,endpoint,workload,strategy,status,client_wall_s\nfastapi,process,async,article,gather,200,1.5\n"
    )
    df = run.trials()
    assert not df["back_to_back"].iloc[0] and math.isnan(df["b2b_wall_s"].iloc[0])
    assert run.meta()["format"] == META_FORMAT and run.meta()["targets"] == {}


def test_a_run_folder_of_an_unknown_format_is_refused_by_name(tmp_path, capsys):
    run = Run.create(tmp_path, "quick")
    write_raw(run, {"format": 99, "started_at": "2027-01-01T00:00:00", "completed": True})
    with pytest.raises(store.RunDataError, match=rf"{run.path}: meta.json is in format 99, which this version"):
        run.meta()
    with pytest.warns(UserWarning, match=rf"{run.id} \(.*format 99"):
        assert store.runs(tmp_path) == []
    r = bench(capsys, "report", str(run.path))
    assert r.returncode == 2 and f"{run.path}: meta.json is in format 99" in r.stderr


def test_latest_is_the_run_that_started_last(tmp_path):
    old, new = Run.create(tmp_path, "a"), Run.create(tmp_path, "b")
    finished(new, "2026-01-02T00:00:00")
    finished(old, "2026-01-01T00:00:00")  # written later, started earlier
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
    finished(trials_run, "2026-01-01T00:00:00")
    finished(load_run, "2026-01-02T00:00:00", kind="load")
    assert store.latest(tmp_path).path == trials_run.path


def test_loading_passes_over_incomplete_and_damaged_runs_and_says_so(tmp_path):
    good = Run.create(tmp_path, "quick")
    finished(good, "2026-01-01T00:00:00")
    cut = Run.create(tmp_path, "quick")
    meta = cut.new_meta("trials", ENV)
    meta.update({"started_at": "2026-01-03T00:00:00", "interrupted": True, "trials_done": 7, "trials_planned": 90})
    cut.write_meta(meta)
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


def test_a_run_folder_of_the_fifth_format_reads_as_one_block(tmp_path):
    run = Run.create(tmp_path, "quick")
    write_raw(
        run,
        {
            "format": 5,
            "kind": "trials",
            "run_id": run.id,
            "started_at": "2026-01-01",
            "ended_at": None,
            "completed": True,
            "interrupted": False,
            "servers": [{"framework": "flask", "mode": "process", "variant": "", "python": ""}],
        },
    )
    run.trials_path.write_text(
        "framework,mode,endpoint,workload,strategy,status,client_wall_s,gil_enabled\n"
        "fastapi,process,async,article,gather,200,1.5,True\n"
    )
    assert run.trials()["block"].tolist() == [0]
    meta = run.meta()
    assert meta["servers"][0]["block"] == 0 and meta["warmup"] == [] and meta["format"] == META_FORMAT
