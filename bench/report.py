"""bench/results.json as a Markdown table, with what dominates each cost."""

from __future__ import annotations


def _fig(summary: dict, unit: str = "s", digits: int = 2) -> str:
    return f"{summary['median']:.{digits}f} {unit} ({summary['min']:.{digits}f}–{summary['max']:.{digits}f})"


def _goal(ratio: float, goal: float, lower_is_better: bool = True) -> str:
    met = ratio <= goal if lower_is_better else ratio >= goal
    return f"{'met' if met else 'NOT met'} (≤ {goal})"


def _when(part: dict) -> str:
    measured = part.get("measured")
    if not measured:
        return ""
    load = ", ".join(f"{value:.1f}" for value in measured["load_average_after"])
    return f" ({measured['when']}, load average after: {load})"


def _stock_rows(stock: dict) -> list[str]:
    workbook = f"{_fig(stock['workbook_server_ms'], 'ms')}; CPU {_fig(stock['workbook_server_cpu_ms'], 'ms')}"
    stock_moto = f"{_fig(stock['stock_moto_server_ms'], 'ms')}; CPU {_fig(stock['stock_moto_server_cpu_ms'], 'ms')}"
    return [
        f"| Per call, the workbook's server (every request validated) | {workbook} | stock moto's server "
        f"{stock_moto} | {stock['ratio']:.2f}; CPU {stock['cpu_ratio']:.2f} | {_goal(stock['ratio'], stock['goal'])} |"
    ]


def _lab_rows(lab: dict) -> list[str]:
    loads = ", ".join(f"{value:.1f}" for value in lab["load_average_at_starts"])
    rows = []
    for cache in ("warm", "cold"):
        seconds, floor = lab[f"make_lab_{cache}_s"], lab[f"floor_{cache}_s"]
        parts = lab["floor_parts_s"][cache]
        goal = lab[f"goal_{cache}_s"]
        # The goals in seconds are for a quiet machine: under load only the ratio is checked.
        quiet = max(lab["load_average_at_starts"]) < 1
        seconds_goal = ("met" if seconds["median"] < goal else "NOT met") if quiet else "not checked, load over 1"
        rows.append(
            f"| Fresh clone: `make lab` until JupyterLab answers, installer caches {cache} | {_fig(seconds)} | "
            f"floor: `uv sync` {parts['uv_sync_s']:.1f} s + bare `jupyter lab` {parts['jupyter_lab_s']:.1f} s = "
            f"{_fig(floor)} | {lab[f'ratio_{cache}']:.2f} | {_goal(lab[f'ratio_{cache}'], lab['goal_ratio'])}; "
            f"{seconds_goal} (< {goal} s on a quiet machine) |"
        )
    rows.append(
        f"| &nbsp;&nbsp;load average as each run started | {loads} | | | (the goals in seconds: load under 1) |"
    )
    rows.append(
        f"| The learner's environment, `du -sm .venv` after `make lab` | {lab['venv_mb_after_make_lab']} MB | | | "
        f"{'met' if lab['venv_mb_after_make_lab'] < lab['goal_mb'] else 'NOT met'} (< {lab['goal_mb']} MB) |"
    )
    return rows


def _fresh_clone_rows(fresh: dict) -> list[str]:
    rows = [
        f"| Fresh clone: installing the test environment (uv's cache warm) | {fresh['install_s']:.0f} s | | | |",
        f"| Fresh clone: `make test` (website, lint, {fresh['tests']} tests) | {_minutes(fresh['make_test_s'])}; "
        f"pytest {_minutes(fresh['pytest_s'])} | | | "
        f"{'met' if fresh['pytest_s'] < fresh['goal_pytest_s'] else 'NOT met'} "
        f"(pytest < {_minutes(fresh['goal_pytest_s'])}) |",
    ]
    for name, seconds in list(fresh["test_seconds_by_file"].items())[:12]:
        rows.append(f"| &nbsp;&nbsp;{name} (test seconds, summed over its tests) | {seconds:.0f} s | | | |")
    return rows


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


def markdown(r: dict) -> str:
    rows = [
        "| What | Workbook | Baseline (same run) | Ratio | Goal |",
        "|---|---|---|---|---|",
    ]
    if "setup_cell" in r:
        rows += _setup_rows(r)
    if "stock_moto" in r:
        rows += _stock_rows(r["stock_moto"])
    if "lab" in r:
        rows += _lab_rows(r["lab"])
    if "grade_submission" in r:
        rows += _submission_rows(r["grade_submission"])
    rows += _later_rows(r)
    machine = r["machine"]
    measured = [f"- {name}{_when(part)}" for name, part in r.items() if isinstance(part, dict) and "measured" in part]
    failed = [
        f"- {name[: -len('_failed')]} failed this time: see results.json" for name in r if name.endswith("_failed")
    ]
    return "\n".join(
        [
            f"# Benchmark ({machine['when']}, {machine['cpus']} CPUs, Python {machine['python']})",
            "",
            "Median of several runs (min–max). Each ratio is against a baseline measured in the same run.",
            "",
            *rows,
            "",
            "Each part was measured (and the machine's load average after it):",
            "",
            *(measured or ["- (no dates: an older run)"]),
            *failed,
            "",
            *_dominates(r),
        ]
    )


def _setup_rows(r: dict) -> list[str]:
    setup, call, memory, grading = r["setup_cell"], r["per_call"], r.get("memory"), r.get("grading")
    rows = [
        f"| Set-up cell: import + `start()` + first call | {_fig(setup['workbook'])} | bare ThreadedMotoServer "
        f"{_fig(setup['floor'])} | {setup['ratio']:.2f} | {_goal(setup['ratio'], setup['goal'])} |",
        f"| Per call (`get_secret_value`) | {_fig(call['workbook_ms'], 'ms')} | plain boto3 client on the same "
        f"server {_fig(call['plain_boto3_ms'], 'ms')} | {call['ratio_vs_plain']:.2f} | "
        f"{_goal(call['ratio_vs_plain'], call['goal_vs_plain'])} |",
        f"| Per call, floor | | moto in-process {_fig(call['moto_in_process_ms'], 'ms')} | "
        f"{call['ratio_vs_in_process']:.1f} | (the HTTP round trip) |",
    ]
    if memory:
        rows += [
            f"| Kernel memory after `start()` | {_fig(memory['after_start_mib'], 'MiB', 0)} | | | |",
            f"| Kernel memory after lessons 1 and 2 | {_fig(memory['after_lessons_1_2_mib'], 'MiB', 0)} | | | "
            f"{'met' if memory['after_lessons_1_2_mib']['median'] < memory['goal_mib'] else 'NOT met'} "
            f"(< {memory['goal_mib']} MiB) |",
        ]
    if not grading:
        return rows
    rows += [
        f"| Grading run: every solution under nbval | {_fig(grading['nbval_s'])} | plain nbclient "
        f"{_fig(grading['nbclient_s'])} | {grading['ratio_nbval_vs_nbclient']:.2f} | "
        f"{_goal(grading['ratio_nbval_vs_nbclient'], grading['goal'])} |",
        f"| Grading run, pytest-xdist on 2 cores | {_fig(grading['nbval_xdist_2_cores_s'])} | | | |",
    ]
    for path, summary in grading["per_notebook_nbval_s"].items():
        rows.append(f"| &nbsp;&nbsp;{path} under nbval | {_fig(summary)} | | | |")
    return rows


def _submission_rows(submission: dict) -> list[str]:
    rows = []
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
    return rows


def _later_rows(r: dict) -> list[str]:
    rows = []
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
    for part, lesson in (("organisation", "7"), ("secrets_in_code", "8")):
        if part not in r:
            continue
        whole = r[part]
        names = (("notebooks", f"Lesson {lesson} run whole"), ("solutions", f"Lesson {lesson}'s solutions run whole"))
        for folder, what in names:
            seconds = whole[f"{folder}_s"]["median"]
            rows.append(
                f"| {what} in a fresh kernel | {_fig(whole[f'{folder}_s'])} | | | "
                f"{'met' if seconds < whole['goal_s'] else 'NOT met'} (< {whole['goal_s']} s) |"
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
    if "install_s" in r.get("fresh_clone", {}):  # older runs measured only the whole
        rows += _fresh_clone_rows(r["fresh_clone"])
    return rows


def _dominates(r: dict) -> list[str]:
    if "setup_cell" not in r:
        return []
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in r["setup_cell"]["parts"].items())
    return [
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
        "- Fresh clone: uv laying the lock down and JupyterLab's start are `make lab`'s floor; the rest (the "
        "environment without pip, uv from the cache folder or PyPI, the settings file, my-work/) is what it adds. "
        "The notebooks in kernels dominate `make test`.",
        "",
    ]
