"""The `smworkbook` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import grading  # first: it keeps nbformat's import fast (see the top of grading.py)

# isort: split
from . import exercises, outputs
from .errors import WorkbookError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smworkbook", description="Tools for the Secrets Manager workbook.")
    commands = parser.add_subparsers(dest="command", required=True)
    ex = commands.add_parser("exercises", help="write exercises/ from solutions/ (or --check that it is in sync)")
    ex.add_argument("--check", action="store_true", help="change nothing; fail if exercises/ is out of date")
    ex.add_argument("--solutions", type=Path, default=Path("solutions"))
    ex.add_argument("--exercises", type=Path, default=Path("exercises"))
    out = commands.add_parser("outputs", help="run notebooks in fresh kernels and store their outputs")
    out.add_argument("notebooks", type=Path, nargs="+")
    gr = commands.add_parser(
        "grade",
        help="run exercise notebooks in fresh kernels and print a score table (exit 1 unless all passed)",
    )
    gr.add_argument("paths", type=Path, nargs="*", default=[Path("exercises")], help="folder or notebooks")
    gr.add_argument("--json", type=Path, default=Path("artifacts/grade/report.json"), help="JSON report path")
    gr.add_argument("--junit", type=Path, default=Path("artifacts/grade/junit.xml"), help="JUnit XML report path")
    gr.add_argument("--timeout", type=int, default=120, help="seconds one cell may run (default 120)")
    gr.add_argument(
        "--workers",
        type=int,
        default=None,
        help="notebooks run at once, each in its own kernel (default: CPU cores + 1)",
    )
    gr.add_argument(
        "--learner",
        default=None,
        help="name the report's learner and sign it with SMWORKBOOK_GRADE_KEY (for `gradebook --merge`)",
    )
    book = commands.add_parser(
        "gradebook",
        help="grade a class (one sub-folder per learner) into artifacts/grade/gradebook.csv; resumes if interrupted",
    )
    book.add_argument("submissions", type=Path, help="folder of learners' folders (or of reports, with --merge)")
    book.add_argument("--merge", action="store_true", help="build the gradebook from signed reports graded elsewhere")
    book.add_argument("--out", type=Path, default=Path("artifacts/grade"), help="where to write (artifacts/grade)")
    book.add_argument("--timeout", type=int, default=120, help="seconds one cell may run (default 120)")
    book.add_argument("--workers", type=int, default=None, help="notebooks run at once (default: CPU cores + 1)")
    args = parser.parse_args(argv)

    try:
        if args.command == "grade":
            return _grade(args)
        if args.command == "gradebook":
            from . import gradebook

            return gradebook.main_gradebook(args)
        if args.command == "outputs":
            for path in args.notebooks:
                outputs.refresh(path)
                print(f"refreshed {path}")
            return 0
        if args.check:
            problems = exercises.out_of_date(args.solutions, args.exercises)
            for problem in problems:
                print(f"out of date: {problem}")
            if problems:
                print("Run `smworkbook exercises` (or `make exercises`) and commit the result.")
                return 1
            print(f"{args.exercises}/ is in sync with {args.solutions}/.")
            return 0
        changed = exercises.generate(args.solutions, args.exercises)
        for path in changed:
            print(f"wrote {path}")
        print(f"{args.exercises}/ is in sync with {args.solutions}/ ({len(changed)} changed).")
        return 0
    except WorkbookError as error:
        print(f"smworkbook: {error}", file=sys.stderr)
        return 2


def _grade(args) -> int:
    names = ", ".join(str(path) for path in args.paths)
    print(f"Grading {names}: each notebook runs in a fresh kernel...", flush=True)
    from . import learner_users

    # As root (CI), the learner's kernels run as an OS user of their own (see smworkbook.learner_users).
    user = None
    if learner_users.available():
        try:
            user = learner_users.user_for(args.learner or "learner")
        except WorkbookError as error:
            if args.learner is not None:  # one learner of a class: never without its own user
                raise
            print(f"smworkbook: {error} Grading as root instead.", file=sys.stderr)
    report = grading.grade(args.paths, timeout=args.timeout, workers=args.workers, user=user)
    print(report.table())
    for path in grading.write_reports(report, args.json, args.junit):
        print(f"wrote {path}")
    if args.learner is not None and args.json is not None:
        from . import gradebook

        # One learner's job of a class fanned out (e.g. a CI matrix): its report, signed, replaces the plain one.
        key = gradebook.grader_key()
        args.json.write_text(gradebook.signed_report(report, args.learner, key), encoding="utf-8")
        print(f"signed {args.json} for {args.learner}" if key else f"{gradebook.KEY_VARIABLE} is not set: not signed")
    return 0 if report.full_marks else 1


if __name__ == "__main__":
    sys.exit(main())
