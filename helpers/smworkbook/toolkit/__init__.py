"""Layer 2, what a lesson's code calls: the mock and its backends, versions tables, widgets, history, describe,
access, rotation, injected faults, and the graded kernel's side of the grader's protocol.

The names learners use (`smworkbook.start()`, `smworkbook.show_versions`, `from smworkbook import access`)
are re-exported by the package's top (helpers/smworkbook/__init__.py). Imports: the engine only.
"""

LAYER = 2
