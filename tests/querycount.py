"""Count the SQL statements a block runs (for pinning list pages' query counts)."""

import contextlib
import logging


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        # peewee logs each statement as a (sql, params) tuple; other lines (the connection
        # pool's) are not queries.
        if isinstance(record.msg, tuple):
            self.statements.append(record.getMessage())


@contextlib.contextmanager
def count_queries():
    """Yields the list of statements peewee ran inside the block."""
    logger = logging.getLogger("peewee")
    collector = _Collector()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(collector)
    try:
        yield collector.statements
    finally:
        logger.removeHandler(collector)
        logger.setLevel(old_level)
