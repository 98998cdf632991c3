"""The single-window hub: one declaration in, one coordinated decision out."""

__version__ = "0.1.0"
