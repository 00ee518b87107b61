"""A load run into its folder: interrupted, it keeps its requests and says when it ended."""

import pytest

from bench.frontends import load_runner
from bench.instrument.load import blocking, load_presets
from bench.instrument.load import loops as load
from bench.instrument.store import Run, runs
from tests.synthetic import probe_records


def test_an_interrupted_load_run_keeps_its_requests_and_says_when_it_ended(tmp_path, monkeypatch):
    def interrupted(cases, params, *, keep, **options):
        keep(
            load.frame(probe_records(5, 100)).assign(
                framework="fastapi", endpoint="async", strategy="gather", config="kept"
            )
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(blocking, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_runner.run(load_presets.get("smoke"), tmp_path, progress=False)
    (folder,) = tmp_path.iterdir()
    meta = Run(folder).meta()
    assert meta["interrupted"] and not meta["completed"] and meta["ended_at"] is not None
    assert meta["requests"] == len(probe_records(5, 100)) == len(load_runner.requests_of(Run(folder)))
    with pytest.warns(UserWarning, match=f"{folder.name} \\(interrupted\\)"):
        assert runs(tmp_path, kind="load") == []
