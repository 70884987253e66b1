"""Layer 5, authoring: what turns solutions/ into the learner's copies and keeps the lessons in step.

- exercises: solutions/ -> exercises/ (### BEGIN SOLUTION ... ### END SOLUTION replaced by a stub).
- outputs: re-runs notebooks and stores their outputs (`make outputs`).
- lessons: each lesson's number, title, time and objectives, read from its notebook.
- copies: the learner's my-work/ copies made on first use (files copied, no notebook library imported).
- mywork: my-work/ updated with new and corrected exercises without ever overwriting an answer.
"""

LAYER = 5
