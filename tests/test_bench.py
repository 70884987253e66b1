"""`make bench` itself: it says which part runs, writes each part's figures as it ends, and has a quick mode."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from .conftest import ROOT


@pytest.fixture
def bench(tmp_path, monkeypatch):
    """bench/run.py with two stand-in parts, writing into tmp_path; the second part is set per test."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_run_under_test", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path / "results.json")
    parts = {"first": ("the first part", lambda runs: runs), "second": ("more", lambda runs: 1)}
    monkeypatch.setattr(module, "PARTS", parts)
    monkeypatch.setattr(module, "QUICK", ("first", "second"))
    module.bench_first = lambda runs: {"seconds": 1.5, "runs": runs}
    monkeypatch.setattr(sys, "argv", ["run.py", "--quick"])
    return module


def test_each_part_is_announced_and_its_figures_written_as_it_ends(bench, tmp_path, capsys):
    """A part that fails leaves the others' figures, and says why it is missing."""
    (tmp_path / "results.json").write_text(json.dumps({"older_part": {"kept": True}}))

    def second(runs):
        raise RuntimeError("the hub did not start")

    bench.bench_second = second
    bench.main()
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith("make bench: 2 parts (first, second), --runs 2;")
    assert said[1] == "[1/2] first: the first part..."
    assert said[2].startswith("  first done in ")
    assert said[3:5] == ["[2/2] second: more...", "  second failed: the hub did not start"]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["first"]["seconds"] == 1.5 and results["first"]["runs"] == 2
    assert set(results["first"]["measured"]) == {"when", "seconds", "load_average_after"}
    assert results["second_failed"] == "the hub did not start"
    assert results["older_part"] == {"kept": True}, "a part this run did not measure keeps its last figures"
    assert "second failed this time" in (tmp_path / "results.md").read_text()


def test_a_stopped_run_keeps_what_it_measured(bench, tmp_path):
    def stopped(runs):
        raise KeyboardInterrupt

    bench.bench_second = stopped
    with pytest.raises(KeyboardInterrupt):
        bench.main()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["first"]["seconds"] == 1.5 and "second" not in results


def test_quick_mode_leaves_out_the_slow_parts():
    spec = importlib.util.spec_from_file_location("bench_run_parts", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.QUICK) < set(module.PARTS)
    assert "lab" in module.QUICK and not {"classroom", "fresh_clone", "gradebook", "grading"} & set(module.QUICK)
    assert all(callable(getattr(module, f"bench_{name}")) for name in module.PARTS)
    assert "bench/run.py --quick" in (ROOT / "Makefile").read_text()


def test_the_floor_and_the_clones_never_sync_into_the_checkouts_own_environment(bench, tmp_path):
    """`make bench` exports UV_PROJECT_ENVIRONMENT=.venv (the Makefile): the floor's `uv sync --no-dev` under it
    emptied the running checkout's test tools once; a clone's environment carries none of it."""
    running = {
        "UV_PROJECT_ENVIRONMENT": str(ROOT / ".venv"),
        "VIRTUAL_ENV": str(ROOT / ".venv"),
        "UV_CACHE_DIR": "/somewhere/uv",
        "MAKEFLAGS": "-j2",
        "PATH": "/usr/bin",
    }
    environment = bench.clone_environment(running, str(tmp_path))
    assert environment == {"PATH": "/usr/bin", "JUPYTER_RUNTIME_DIR": f"{tmp_path}/runtime"}
