"""The encrypted local store: key file, SQLCipher engine, models, migrations, the one write path.

Only this package knows about SQL sessions and tables.
"""
