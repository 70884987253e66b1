"""Layer 6, grading: runs a learner's notebooks in fresh kernels against the grader's own mock, and reports.

- run: the notebook runner, its report model and the grader's mock's client (`smworkbook grade`).
- grader_mock: the grader's mock process (its checks run there, never in the learner's kernel).
- gradebook: a class's reports, signed, in one gradebook (`smworkbook gradebook`).
- formats: JUnit, JSON, Gradescope and GitHub Classroom outputs.
- learner_users: one OS user per learner when grading as root.
- instructor: presenting a lesson, resetting the mock, the dashboard link.
"""

LAYER = 6
