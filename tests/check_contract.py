"""The contract every lesson's exercise checks meet, as reusable tests.

A lesson's test module lists, per exercise, a right answer, plausible wrong answers with the hint
each must produce, the hint for the unsolved exercise, and what the unsolved notebook passes to
verify(); `contract_tests` turns that into the four tests below.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smworkbook import CheckFailed, checks

# number -> (right answer, [(wrong answer, hint), ...], hint when unsolved).
# An answer takes the Secrets Manager client, acts as the learner's code would, and returns the
# values passed to verify().
Cases = dict[str, tuple[Callable, list[tuple[Callable, str]], str]]


def contract_tests(lesson: str, cases: Cases, unsolved: dict[str, tuple]):
    """The tests for lesson `lesson` ("1", "2", ...): module-level names for pytest to collect."""

    def test_every_registered_exercise_is_tested_here():
        assert set(cases) == {number for number in checks.EXERCISES if number.split(".")[0] == lesson}
        assert set(unsolved) == set(cases)

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

    return (
        test_every_registered_exercise_is_tested_here,
        test_check_passes_on_the_right_answer,
        test_check_fails_on_the_unsolved_exercise,
        test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    )
