"""csn-desk: offline-first desktop app for Community Support Network access points.

Everything outside ``csn_desk.ui`` is plain Python (no Qt), so the command line,
the tests and the app all call the same services.
"""

__version__ = "0.1.0"
