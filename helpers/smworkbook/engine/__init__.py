"""Layer 1, the mock engine: moto's server on a loopback port per kernel and everything that makes it answer as AWS.

- server: moto's own server in a thread, signature and token checks, nothing but loopback.
- corrections/: each place moto answers otherwise than AWS, one named function each.
- policies, enforcement: IAM and resource-policy evaluation, enforced on every request.
- lambdas: the rotation functions' runtime (each invocation in a child process).
- isolation: one kernel's mock kept from another's; errors: the workbook's two exceptions.

Imports point down only: nothing here imports another layer (tests/test_layers.py).
"""

LAYER = 1
