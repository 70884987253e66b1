"""The records `make mutate` keeps (tools/mutate.py, bench/mutation/): an equivalent mutant is listed with its
reason and still matches the code it was judged on, and the stored scores are those the report shows."""

from __future__ import annotations

import json

import pytest

from tools import mutate

ENTRIES = mutate.equivalents()


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e['module']}:{i}" for i, e in enumerate(ENTRIES)])
def test_each_equivalent_mutant_has_a_reason_and_its_line_is_still_in_the_module(entry):
    """An entry whose original line left the module is stale: a new mutant there would be judged by an old
    reason, or the entry hides nothing any more."""
    assert entry["module"] in mutate.MODULES
    assert len(entry.get("reason", "")) > 20
    original = [line[1:] for line in entry["diff"] if line.startswith("-")]
    mutant = [line[1:] for line in entry["diff"] if line.startswith("+")]
    assert original and mutant and original != mutant
    code = (mutate.ROOT / mutate.source(entry["module"])).read_text().splitlines()
    for line in original:
        assert line in code, f"not in {mutate.source(entry['module'])} any more: {line.strip()}"


def test_every_module_has_a_stored_result_and_the_report_shows_its_score():
    report = (mutate.OUT / "report.md").read_text()
    for module in mutate.MODULES:
        # A new lesson's check module is a mutation target as soon as it exists (tools/mutate.py finds it).
        assert mutate.result_path(module).exists(), (
            f"Rule: every module tools/mutate.py targets has a stored result. {module} has none: run "
            f'`make mutate MODULES="{module}"` (writes {mutate.result_path(module).relative_to(mutate.ROOT)}).'
        )
        record = json.loads(mutate.result_path(module).read_text())
        killed, survived, _, surviving = mutate.score(record)
        assert f"| {module} | {killed}/{killed + survived} " in report
        for result in surviving:
            assert f"{mutate.source(module)}:{result['line']} " in report


def test_every_grading_module_is_mutated_against_the_gradebook_test_too():
    """tests/test_gradebook.py grades a class at once: it is the test that catches a check the grader waits for
    wrongly, so a mutant of any grading module must run against it."""
    grading = [module for module in mutate.MODULES if module.startswith("grading/") or module == "toolkit/graded"]
    assert {"grading/run", "grading/report", "grading/grader_client", "toolkit/graded"} <= set(grading)
    for module in grading:
        assert "tests/test_gradebook.py" in mutate.MODULES[module], module
