"""The `smworkbook` command."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from smworkbook.authoring import copies
from smworkbook.engine.errors import WorkbookError

# Each command imports what it needs when it runs: `smworkbook my-work`, which `make lab` runs before JupyterLab
# starts, needs none of the notebook libraries, the grader or the mock. The others import the grader first
# (smworkbook.grading.run): it keeps nbformat's import fast (see the top of grading/run.py).


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smworkbook", description="Tools for the Secrets Manager workbook.")
    commands = parser.add_subparsers(dest="command", required=True)
    ex = commands.add_parser(
        "exercises",
        help="write exercises/ from solutions/ (or --check that it is in sync); edited notebooks are left alone",
    )
    ex.add_argument("--check", action="store_true", help="change nothing; fail if exercises/ is out of date")
    ex.add_argument("--solutions", type=Path, default=Path("solutions"))
    ex.add_argument("--exercises", type=Path, default=Path("exercises"))
    mine = commands.add_parser(
        "my-work", help="make my-work/, your own copies of the exercises (copies only what is missing)"
    )
    mine.add_argument("--root", type=Path, default=Path("."), help="the workbook's top folder")
    up = commands.add_parser(
        "update", help="git pull, then add new and corrected exercises to your notebooks in my-work/"
    )
    up.add_argument("--no-pull", action="store_true", help="you ran `git pull` already: only add the exercises")
    up.add_argument("--root", type=Path, default=Path("."), help="the workbook's top folder")
    out = commands.add_parser("outputs", help="run notebooks in fresh kernels and store their outputs")
    out.add_argument("notebooks", type=Path, nargs="+")
    gr = commands.add_parser(
        "grade",
        help="run exercise notebooks in fresh kernels and print a score table",
    )
    default = [Path(copies.MY_WORK)]
    gr.add_argument("paths", type=Path, nargs="*", default=default, help="folder or notebooks (default: my-work)")
    gr.add_argument("--json", type=Path, default=Path("artifacts/grade/report.json"), help="JSON report path")
    gr.add_argument("--junit", type=Path, default=Path("artifacts/grade/junit.xml"), help="JUnit XML report path")
    gr.add_argument("--timeout", type=int, default=120, help="seconds one cell may run (default 120)")
    gr.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 unless every exercise passed, for CI (the default when the environment has CI=true)",
    )
    gr.add_argument(
        "--workers",
        type=int,
        default=None,
        help="notebooks run at once, each in its own kernel (default: CPU cores + 1)",
    )
    gr.add_argument(
        "--learner",
        default=None,
        help="name the report's learner and sign it, with the notebooks' digest, with SMWORKBOOK_GRADE_KEY "
        "(for `gradebook --merge`) or, written to OUT/learners/, with that gradebook's key (it then resumes from it)",
    )
    book = commands.add_parser(
        "gradebook",
        help="grade a class (one sub-folder per learner) into artifacts/grade/; resumes, regrading changed notebooks",
    )
    book.add_argument(
        "submissions", type=Path, nargs="?", help="folder of learners' folders (or of reports, with --merge)"
    )
    book.add_argument("--merge", action="store_true", help="build the gradebook from signed reports graded elsewhere")
    book.add_argument(
        "--regrade",
        action="store_true",
        help="grade every learner again (without it, only those not graded yet or whose notebooks changed)",
    )
    book.add_argument("--out", type=Path, default=Path("artifacts/grade"), help="where to write (artifacts/grade)")
    book.add_argument("--timeout", type=int, default=120, help="seconds one cell may run (default 120)")
    book.add_argument(
        "--learner-limit",
        type=int,
        default=None,
        help="seconds all of one learner's notebooks may run together (default 15 times --timeout)",
    )
    book.add_argument("--workers", type=int, default=None, help="notebooks run at once (default: CPU cores + 1)")
    book.add_argument(
        "--roster", type=Path, default=None, help="CSV mapping each learner to their LMS identity (canvas/moodle.csv)"
    )
    book.add_argument(
        "--release-feedback",
        type=Path,
        metavar="FOLDER",
        default=None,
        help="copy each learner's feedback page to FOLDER/<learner>/feedback.html, readable by others; grade nothing",
    )
    args = parser.parse_args(argv)

    try:
        if args.command == "my-work":
            return _my_work(args.root)
        from smworkbook.grading import run as grading  # first (see the top of this module)

        from smworkbook.authoring import exercises, outputs  # isort: skip

        if args.command == "grade":
            return _grade(args, grading)
        if args.command == "update":
            return _update(args.root, pull=not args.no_pull)
        if args.command == "gradebook":
            from smworkbook.grading import gradebook

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
                print(
                    "Run `smworkbook exercises` (or `make exercises`) and commit the result: it rewrites only "
                    "the generated copies, never a notebook with edits."
                )
                return 1
            print(f"{args.exercises}/ is in sync with {args.solutions}/.")
            return 0
        return _exercises(args.solutions, args.exercises, exercises)
    except WorkbookError as error:
        print(f"smworkbook: {error}", file=sys.stderr)
        return 2


def _exercises(solutions: Path, folder: Path, exercises) -> int:
    done = exercises.generate(solutions, folder)
    for path in done.written:
        print(f"wrote {path}")
    for path in done.removed:
        print(f"removed {path}: its solution notebook is gone")
    for path in done.kept:
        print(f"left {path} alone: it has edits (a learner's answers belong in {copies.MY_WORK}/)")
    changed = len(done.written) + len(done.removed)
    if done.kept:
        print(f"{folder}/ is up to date with {solutions}/ except the {len(done.kept)} notebook(s) left alone.")
    else:
        print(f"{folder}/ is in sync with {solutions}/ ({changed} changed).")
    return 0


def _my_work(root: Path) -> int:
    notes: list[str] = []
    copied = copies.ensure_my_work(root, notes)  # one line, not one per notebook: `make lab` prints it on its way
    for note in notes:
        print(note)
    where = (root / copies.MY_WORK).absolute()
    if where.is_relative_to(Path.cwd()):  # `make lab` passes the workbook's folder as a whole path
        where = where.relative_to(Path.cwd())
    print(f"{where}/ holds your exercise notebooks ({len(copied)} new): write your answers there.")
    return 0


def _update(root: Path, pull: bool) -> int:
    from smworkbook.authoring import mywork

    messages = mywork.update(root, pull=pull)
    for message in messages:
        print(message)
    if not messages:
        print(f"{root / copies.MY_WORK}/ already has every exercise.")
    return 0


def _grade(args, grading) -> int:
    if args.paths == [Path(copies.MY_WORK)] and not args.paths[0].is_dir():
        raise WorkbookError(f"There is no {copies.MY_WORK}/ here yet: `smworkbook my-work` (or `make lab`) makes it.")
    names = ", ".join(str(path) for path in args.paths)
    print(f"Grading {names}: each notebook runs in a fresh kernel...", flush=True)
    from smworkbook.grading import learner_users

    # As root (CI), the learner's kernels run as an OS user of their own (see smworkbook.grading.learner_users).
    user = None
    if learner_users.available():
        try:
            user = learner_users.user_for(args.learner or "learner")
        except WorkbookError as error:
            if args.learner is not None:  # one learner of a class: never without its own user
                raise
            print(f"smworkbook: {error} Grading as root instead.", file=sys.stderr)
    digest = None
    if args.learner is not None and len(args.paths) == 1 and args.paths[0].is_dir():
        from smworkbook.grading import gradebook

        # The digest of the folder graded, as the gradebook keeps it in each learner's report (taken before grading,
        # as it does): `smworkbook gradebook` keeps this report while those notebooks stay unchanged, regrades after.
        digest = gradebook.submission_digest(args.paths[0])
    report = grading.grade(args.paths, timeout=args.timeout, workers=args.workers, user=user)
    print(report.table())
    for path in grading.write_reports(report, args.json, args.junit):
        print(f"wrote {path}")
    if args.learner is not None and args.json is not None:
        from smworkbook.grading import gradebook

        # One learner's job of a class fanned out (e.g. a CI matrix): its report, signed, replaces the plain one.
        key = gradebook.report_key(args.json)
        grading.write_private(args.json, gradebook.signed_report(report, args.learner, key, digest))
        print(f"signed {args.json} for {args.learner}" if key else f"{gradebook.KEY_VARIABLE} is not set: not signed")
    print(report.closing())
    # A learner's grade that is not full marks yet is news, not an error (make would print "Error 1" under the
    # table); a CI job (CI=true, as GitHub Actions and GitLab set it) or --strict fails on it.
    strict = args.strict or os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    return 1 if strict and not report.full_marks else 0


if __name__ == "__main__":
    sys.exit(main())
