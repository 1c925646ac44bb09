"""The database: SQLite in the data folder by default, PostgreSQL when a ``postgresql://`` URL is
given; its tables made and migrated by Alembic (``serve/migrations``) before anything else runs."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from insolegen.errors import InvalidInput

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(data: Path, url: str | None) -> str:
    """``url`` as SQLAlchemy takes it (``postgresql://`` through psycopg 3), else SQLite in ``data``."""
    if url is None:
        return f"sqlite:///{(Path(data) / 'insolegen.db').resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise InvalidInput(f"--db {url!r}: give a postgresql://user@host/name URL (or leave it out for SQLite in --data)")


def make_engine(url: str) -> Engine:
    """Every request and the job thread hold at most one connection each. SQLite: a connection per
    session (opening one is a file open), so no pool can run dry under a burst of requests;
    PostgreSQL: a pool as large as the server's request threads."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")      # readers do not wait for the job thread's writes
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")      # a committed state survives a power cut
            cursor.close()
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40, pool_timeout=30)


def migrate(engine: Engine, target: str = "head") -> str:
    """The tables at Alembic's ``target`` revision, its newest by default (made on a new
    database, upgraded on an old one); the revision they are at."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        return MigrationContext.configure(connection).get_current_revision()


def open_database(data: Path, url: str | None = None) -> sessionmaker[Session]:
    """A session factory on the migrated database."""
    engine = make_engine(database_url(data, url))
    try:
        migrate(engine)
    except Exception as exc:
        raise InvalidInput(f"the database {engine.url.render_as_string(hide_password=True)} cannot be opened: {exc}") from None
    return sessionmaker(engine, expire_on_commit=False)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
