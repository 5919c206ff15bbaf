"""Storage: one SQLAlchemy Core schema, the engine factory and Alembic migrations."""

from citybase.storage.database import Database, connect_database

__all__ = ["Database", "connect_database"]
