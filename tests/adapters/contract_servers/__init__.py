"""Agency services that implement the hub's contracts with no hub code at all.

They run as separate processes in the tests, standing in for an agency's own
service written in any language: if these pass, the documents in ``docs/``
were enough.
"""
