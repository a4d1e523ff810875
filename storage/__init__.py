"""Storage: `Database` on SQLite (the default) or PostgreSQL, and one module per aggregate.

SQL lives here and nowhere else. Repositories are module functions that take a
`Reader` (the database, or a write transaction) or a `Transaction`, and return
frozen dataclasses; one copy of their SQL serves both backends (storage.db).
Times are stored as epoch seconds in UTC and come back as aware datetimes.
"""

from storage.db import Database, Reader, Transaction

__all__ = ["Database", "Reader", "Transaction"]
