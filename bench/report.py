"""bench/results.json as a Markdown table, with what dominates each cost."""

from __future__ import annotations


def _fig(summary: dict, unit: str = "s", digits: int = 2) -> str:
    return f"{summary['median']:.{digits}f} {unit} ({summary['min']:.{digits}f}–{summary['max']:.{digits}f})"


def _goal(ratio: float, goal: float, lower_is_better: bool = True) -> str:
    met = ratio <= goal if lower_is_better else ratio >= goal
    return f"{'met' if met else 'NOT met'} (≤ {goal})"


def markdown(r: dict) -> str:
    setup, call, memory, grading = r["setup_cell"], r["per_call"], r["memory"], r["grading"]
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in setup["parts"].items())
    rows = [
        "| What | Workbook | Baseline (same run) | Ratio | Goal |",
        "|---|---|---|---|---|",
        f"| Set-up cell: import + `start()` + first call | {_fig(setup['workbook'])} | bare ThreadedMotoServer "
        f"{_fig(setup['floor'])} | {setup['ratio']:.2f} | {_goal(setup['ratio'], setup['goal'])} |",
        f"| Per call (`get_secret_value`) | {_fig(call['workbook_ms'], 'ms')} | plain boto3 client on the same "
        f"server {_fig(call['plain_boto3_ms'], 'ms')} | {call['ratio_vs_plain']:.2f} | "
        f"{_goal(call['ratio_vs_plain'], call['goal_vs_plain'])} |",
        f"| Per call, floor | | moto in-process {_fig(call['moto_in_process_ms'], 'ms')} | "
        f"{call['ratio_vs_in_process']:.1f} | (the HTTP round trip) |",
        f"| Kernel memory after `start()` | {_fig(memory['after_start_mib'], 'MiB', 0)} | | | |",
        f"| Kernel memory after lessons 1 and 2 | {_fig(memory['after_lessons_1_2_mib'], 'MiB', 0)} | | | "
        f"{'met' if memory['after_lessons_1_2_mib']['median'] < memory['goal_mib'] else 'NOT met'} "
        f"(< {memory['goal_mib']} MiB) |",
        f"| Grading run: every solution under nbval | {_fig(grading['nbval_s'])} | plain nbclient "
        f"{_fig(grading['nbclient_s'])} | {grading['ratio_nbval_vs_nbclient']:.2f} | "
        f"{_goal(grading['ratio_nbval_vs_nbclient'], grading['goal'])} |",
        f"| Grading run, pytest-xdist on 2 cores | {_fig(grading['nbval_xdist_2_cores_s'])} | | | |",
    ]
    for path, summary in grading["per_notebook_nbval_s"].items():
        rows.append(f"| &nbsp;&nbsp;{path} under nbval | {_fig(summary)} | | | |")
    submission = r["grade_submission"]
    if "skipped" in submission:
        rows.append(f"| Grading one learner's submission | {submission['skipped']} | | | |")
    else:
        seconds = submission["grade_solutions_s"]["median"]
        workers = f", {submission['workers']} kernels at once" if "workers" in submission else ""
        rows.append(
            f"| Grading one learner's submission{workers} | {_fig(submission['grade_solutions_s'])} | | | "
            f"{'met' if seconds < submission['goal_s'] else 'NOT met'} (< {submission['goal_s']} s) |"
        )
        if "grade_solutions_one_at_a_time_s" in submission:
            rows.append(
                f"| &nbsp;&nbsp;one notebook at a time (`--workers 1`) | "
                f"{_fig(submission['grade_solutions_one_at_a_time_s'])} | | | |"
            )
            rows.append(
                "| &nbsp;&nbsp;a machine's first grading (makes lesson 4's PostgreSQL template) | "
                f"{submission['first_grading_on_a_machine_s']:.2f} s | | | |"
            )
    if "capstone" in r:
        capstone = r["capstone"]
        for name, v in capstone["versions"].items():
            rows.append(
                f"| Lesson 6, app {name}: requests/s through a rotation; failed (after finishSecret) | "
                f"{v['rotation_rps']:.0f}/s; {v['failed']:.0f} ({v['failed_after_finish']:.0f}) of "
                f"{v['requests']:.0f} | same service, no rotation, {v['steady_rps']:.0f}/s | "
                f"{v['ratio_rps_vs_steady']:.2f} | |"
            )
        seconds = capstone["notebook_s"]["median"]
        rows.append(
            f"| Lesson 6 run whole in a fresh kernel | {_fig(capstone['notebook_s'])} | | | "
            f"{'met' if seconds < capstone['goal_notebook_s'] else 'NOT met'} (< {capstone['goal_notebook_s']} s) |"
        )
    if "organisation" in r:
        lesson7 = r["organisation"]
        for folder, what in (("notebooks", "Lesson 7 run whole"), ("solutions", "Lesson 7's solutions run whole")):
            seconds = lesson7[f"{folder}_s"]["median"]
            rows.append(
                f"| {what} in a fresh kernel | {_fig(lesson7[f'{folder}_s'])} | | | "
                f"{'met' if seconds < lesson7['goal_s'] else 'NOT met'} (< {lesson7['goal_s']} s) |"
            )
    if "gradebook" in r:
        book = r["gradebook"]
        rows.append(
            f"| A class of {book['learners']} learners into one gradebook (`--timeout 20`) | {book['class_s']:.0f} s, "
            f"{book['seconds_per_learner']:.1f} s a learner, peak {book['peak_memory_mib']:.0f} MiB | one learner "
            f"alone {book['one_learner_alone_s']:.1f} s | {book['ratio_per_learner_vs_alone']:.2f} | "
            f"{'met' if book['class_s'] < book['goal_s'] else 'NOT met'} (< {book['goal_s']} s) |"
        )
    if "class" in r.get("classroom", {}):
        room = r["classroom"]
        whole, alone = room["class"], room["alone"]
        load = ", ".join(f"{value:.1f}" for value in room["load_average_after"])
        rows += [
            f"| A class of {whole['learners']} on one JupyterHub: every server answering (started at once) | "
            f"{whole['all_servers_answered_s']:.0f} s | one learner alone {alone['all_servers_answered_s']:.0f} s | "
            f"{room['ratio_all_answered_vs_alone']:.1f} | (load average after: {load}) |",
            f"| &nbsp;&nbsp;memory per learner, lessons 1-2 and a grading done, kernel open | "
            f"{whole['learner_mib_after_lessons_1_2_and_grading']:.0f} MiB | alone "
            f"{alone['learner_mib_after_lessons_1_2_and_grading']:.0f} MiB | "
            f"{room['ratio_memory_per_learner_vs_alone']:.2f} | |",
            f"| &nbsp;&nbsp;with lesson 4's database open; a learner's peak while grading | "
            f"{whole['learner_mib_with_lesson_4_database']:.0f} MiB; {whole['learner_peak_mib_max']:.0f} MiB | "
            f"alone {alone['learner_mib_with_lesson_4_database']:.0f} MiB | | |",
            f"| &nbsp;&nbsp;lessons 1-2 per learner ({room['at_once']} at work at once) | "
            f"{whole['lessons_1_2_s']:.0f} s | alone {alone['lessons_1_2_s']:.0f} s | "
            f"{room['ratio_lessons_vs_alone']:.1f} | |",
            f"| &nbsp;&nbsp;the class's peak; the machine's peak in use | {whole['class_peak_mib'] / 1024:.1f} GiB; "
            f"{whole['machine_peak_used_mib'] / 1024:.1f} GiB of {room['machine_memory_gib']:.1f} | | | |",
        ]
    if "fresh_clone" in r:
        fresh = r["fresh_clone"]
        lab_seconds = fresh["make_lab_until_answering_s"]
        rows.append(f"| Fresh clone: `make lab` until JupyterLab answers | {lab_seconds:.0f} s | | | |")
        rows.append(f"| Fresh clone: `make test` after that | {fresh['make_test_after_lab_s']:.0f} s | | | |")
    if "fresh_clone_failed" in r:
        rows.append("| Fresh clone: `make lab`, `make test` | failed, see results.json | | | |")
    machine = r["machine"]
    return "\n".join(
        [
            f"# Benchmark ({machine['when']}, {machine['cpus']} CPUs, Python {machine['python']})",
            "",
            "Median of several runs (min–max). Each ratio is against a baseline measured in the same run.",
            "",
            *rows,
            "",
            "## What dominates",
            "",
            f"- Set-up cell: {parts}. Imports dominate (boto3 and moto's server); `import smworkbook` no "
            "longer pulls in pandas or ipywidgets, which load on first use.",
            "- Per call: the HTTP round trip to the server; the workbook's client adds no work of its own.",
            "- Memory: moto's backends and the boto3 service models; pandas and ipywidgets when a lesson uses them.",
            "- Grading: one kernel start per notebook plus each notebook's own calls; nbval's comparison is small.",
            "- Grading one submission: per notebook, the kernel's start (~0.9 s) and the set-up cell (~0.9 s:"
            " boto3, moto, the mock's server), then the checks' calls to the mock (~10 ms each) and lesson 4's"
            " PostgreSQL logins; notebooks run in parallel kernels, one more than the cores.",
            "- Fresh clone: installing the environment (pip) dominates `make lab`; the notebooks dominate `make test`.",
            "",
        ]
    )
