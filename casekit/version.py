"""The version of casekit, at the bottom of the house so that any module can name it."""
__version__ = "0.1.0"
