"""The contract every lesson's exercise checks meet, as reusable tests.

A lesson's test module lists, per exercise, a right answer, plausible wrong answers with the hint
each must produce, the hint for the unsolved exercise, and what the unsolved notebook passes to
verify(); `contract_tests` turns that into the four tests below. With `raising` (per exercise, cells whose
own code raises: a function of the client that raises, or a cell's source text after its set-up line, and a
pattern the hint must match: the error's name and the parameter or line involved), a fifth test runs them in a
real IPython shell after a right answer, as a learner who re-runs the cell would: the check must fold in the
cell's error and never pass, or judge, what the earlier run left.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smworkbook import CheckFailed, checks

# number -> (right answer, [(wrong answer, hint), ...], hint when unsolved).
# An answer takes the Secrets Manager client, acts as the learner's code would, and returns the
# values passed to verify().
Cases = dict[str, tuple[Callable, list[tuple[Callable, str]], str]]


# number -> [(a raising answer: a function of the client, or the source of the cell after its set-up line,
# the pattern its hint must match), ...]
Raising = dict[str, list[tuple[Callable | str, str]]]


def contract_tests(lesson: str, cases: Cases, unsolved: dict[str, tuple], raising: Raising | None = None):
    """The tests for lesson `lesson` ("1", "2", ...): module-level names for pytest to collect."""

    def test_every_registered_exercise_is_tested_here():
        assert set(cases) == {number for number in checks.EXERCISES if number.split(".")[0] == lesson}
        assert set(unsolved) == set(cases)
        assert raising is None or set(raising) == set(cases), "every exercise needs a cell that raises"

    @pytest.mark.parametrize("number", sorted(cases))
    def test_check_passes_on_the_right_answer(number, sm, capsys):
        checks.setup(number)
        checks.verify(number, *cases[number][0](sm))
        assert f"✔ Exercise {number} passed" in capsys.readouterr().out

    @pytest.mark.parametrize("number", sorted(cases))
    def test_check_fails_on_the_unsolved_exercise(number, sm):
        checks.setup(number)
        with pytest.raises(CheckFailed, match=cases[number][2]) as failure:
            checks.verify(number, *unsolved[number])
        assert str(failure.value).startswith(f"Exercise {number} (")

    @pytest.mark.parametrize(
        ("number", "wrong", "hint"),
        [
            pytest.param(number, wrong, hint, id=f"{number}-{wrong.__name__}")
            for number, (_, wrongs, _) in cases.items()
            for wrong, hint in wrongs
        ],
    )  # ids: the answer's name, never the hint (it may hold a random value: pytest-xdist's workers must agree)
    def test_check_fails_on_a_plausible_wrong_answer_with_a_hint(number, wrong, hint, sm):
        checks.setup(number)
        answers = wrong(sm)
        with pytest.raises(CheckFailed, match=hint):
            checks.verify(number, *answers)

    @pytest.mark.parametrize(
        ("number", "wrong", "hint"),
        [
            pytest.param(number, wrong, hint, id=f"{number}-{getattr(wrong, '__name__', 'cell')}-{index}")
            for number, wrongs in (raising or {}).items()
            for index, (wrong, hint) in enumerate(wrongs)
        ],
    )
    def test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged(number, wrong, hint, sm, shell):
        shell.user_ns.update(checks=checks, sm=sm, client=sm, right=cases[number][0], wrong=wrong)
        assert shell.run_cell(f'checks.setup("{number}")\nanswers = right(sm)').success  # an earlier, right run
        body = wrong if isinstance(wrong, str) else "wrong(sm)"
        assert not shell.run_cell(f'checks.setup("{number}")\n{body}').success  # the cell run again, raising
        with pytest.raises(CheckFailed, match=hint) as failure:
            checks.verify(number, *shell.user_ns["answers"])
        assert str(failure.value).startswith(f"Exercise {number} (")
        assert "Your exercise cell raised" in str(failure.value)

    return (
        test_every_registered_exercise_is_tested_here,
        test_check_passes_on_the_right_answer,
        test_check_fails_on_the_unsolved_exercise,
        test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
        test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
    )
