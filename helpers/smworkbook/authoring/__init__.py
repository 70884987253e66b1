"""Layer 5, authoring: what turns solutions/ into the learner's copies and keeps the lessons in step.

- exercises: solutions/ -> exercises/ (### BEGIN SOLUTION ... ### END SOLUTION replaced by a stub).
- outputs: re-runs notebooks and stores their outputs (`make outputs`).
- lessons: each lesson's number, title, time and objectives, read from its notebook.
- mywork: the learner's my-work/ copies, made and updated without ever overwriting an answer.
"""

LAYER = 5
