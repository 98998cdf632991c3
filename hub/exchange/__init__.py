"""Exchange with partner administrations: signed pre-arrival, risk and AEO/MRA messages."""
