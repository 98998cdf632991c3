"""The agencies plugged into the hub, one folder each: ``agency.yaml``, profiles, reference data.

``hub`` never imports this package; agencies are data read by generic code.
"""
