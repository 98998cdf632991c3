"""How the hub talks to an agency's risk module: in-process, HTTP or AMQP.

Every adapter implements one small protocol, ``assess(view, deadline)``; the
orchestration (deadlines, fail-safe findings, retries) stays in ``hub``.
"""
