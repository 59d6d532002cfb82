"""Database backup and restore with checksums (SECURITY 19).

A backup is one gzip-compressed JSON-lines file, portable between SQLite and PostgreSQL:

    {"kind": "osteon-backup", "format": 1, "heads": [...], "created_at": ..., "tables": {name: {"rows": n, "sha256": h}}}
    {"table": "institutions", "row": {...}}
    ...

Every row is written in a canonical form (UUIDs and datetimes as ISO text, bytes as base64, JSON with sorted keys)
and each table's checksum is SHA-256 over its rows in primary-key order. ``restore`` refuses a database that
already holds data or sits at another schema version, migrates the empty database, inserts everything in one
transaction, recomputes every table's checksum *from the restored database* and commits only if all of them
match the manifest — a mismatch leaves the database as empty as it was.

Protected fields stay encrypted in the backup (they are copied as stored); the keys file (``keys.json`` in the
data dir) is NOT in the backup and must be kept separately — a backup without its keys cannot be read, which is
the point. DICOM files and attachments are content-addressed files under the data dir: copy that folder.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from osteon.db import Database
from osteon.kit.domains import load_all_models
from osteon.kit.models import Base

FORMAT = 1
BATCH = 500


class BackupError(Exception):
    """A backup cannot be made or restored (message for the operator)."""


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    tables: int
    rows: int


def _heads() -> list[str]:
    """The migration heads this code expects."""
    from alembic.script import ScriptDirectory

    from osteon.migrations import alembic_config

    return sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _tables() -> list[Table]:
    """Every model table, parents before children."""
    load_all_models()
    return list(Base.metadata.sorted_tables)


def _canonical(value: Any) -> Any:
    """A JSON value that is the same whichever database the row came from."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral_value() else str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return str(value)


def _python_type(type_: Any) -> type | None:
    """The Python type a column type binds (looking through TypeDecorators)."""
    for candidate in (type_, getattr(type_, "impl", None)):
        try:
            py = candidate.python_type if candidate is not None else None
        except NotImplementedError:
            continue
        if py is not None and py is not object:
            return py
    return None


def _restore_value(column: Any, value: Any) -> Any:
    """Turn a canonical value back into what the column's type binds."""
    if value is None:
        return None
    py = _python_type(column.type)
    if isinstance(value, dict) and set(value) == {"$b64"} and py is not dict:
        return base64.b64decode(value["$b64"])
    if py is uuid.UUID:
        return uuid.UUID(value)
    if py is datetime:
        return datetime.fromisoformat(value)
    if py is date:
        return date.fromisoformat(value)
    if py is time:
        return time.fromisoformat(value)
    if py is Decimal:
        return Decimal(value)
    return value


def _row_order(table: Table) -> list[Any]:
    """Primary key columns (or all columns) for a stable order."""
    return list(table.primary_key.columns) or list(table.columns)


async def _rows(conn: AsyncConnection, table: Table) -> AsyncIterator[dict[str, Any]]:
    """The table's rows in canonical form, in primary-key order."""
    result = await conn.stream(select(table).order_by(*_row_order(table)))
    async for row in result.mappings():
        yield {k: _canonical(v) for k, v in row.items()}


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


async def _checksums(conn: AsyncConnection, tables: Iterable[Table]) -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of every table as stored now."""
    out: dict[str, dict[str, Any]] = {}
    for table in tables:
        digest, n = hashlib.sha256(), 0
        async for row in _rows(conn, table):
            digest.update(_line(row).encode())
            digest.update(b"\n")
            n += 1
        out[table.name] = {"rows": n, "sha256": digest.hexdigest()}
    return out


async def _check_schema_matches(conn: AsyncConnection, tables: list[Table]) -> None:
    """Refuse to back up a database with tables the models don't know (they would be silently lost)."""
    names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    unknown = names - {t.name for t in tables} - {"alembic_version"}
    if unknown:
        raise BackupError(f"tables without a model would be lost: {sorted(unknown)}")
    missing = {t.name for t in tables} - names
    if missing:
        raise BackupError(f"the database is not at this version's schema (missing {sorted(missing)}); run `osteon db upgrade`")


async def backup(db: Database, out: Path) -> dict[str, Any]:
    """Write a backup of every table to ``out`` (gzip JSON lines); returns the manifest."""
    tables = _tables()
    tmp = out.with_name(out.name + ".partial")
    async with db.engine.connect() as conn:
        # One read transaction: on PostgreSQL a repeatable-read snapshot, so the dump is consistent.
        if not db.is_sqlite:
            await conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        await _check_schema_matches(conn, tables)
        manifest: dict[str, Any] = {"kind": "osteon-backup", "format": FORMAT, "heads": _heads(),
                                    "created_at": datetime.now(UTC).isoformat(), "tables": {}}
        body = tmp.with_name(tmp.name + ".body")
        with gzip.open(body, "wt", encoding="utf-8") as f:
            for table in tables:
                digest, n = hashlib.sha256(), 0
                async for row in _rows(conn, table):
                    line = _line(row)
                    digest.update(line.encode())
                    digest.update(b"\n")
                    f.write(_line({"table": table.name, "row": row}) + "\n")
                    n += 1
                manifest["tables"][table.name] = {"rows": n, "sha256": digest.hexdigest()}
    # manifest first, then the rows (so a reader can check the version before reading everything)
    with gzip.open(tmp, "wt", encoding="utf-8") as f, gzip.open(body, "rt", encoding="utf-8") as rows:
        f.write(_line(manifest) + "\n")
        for line in rows:
            f.write(line)
    body.unlink()
    tmp.replace(out)
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    """The backup's first line, checked to be an Osteon backup of a format this code reads."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            manifest = json.loads(f.readline())
    except (OSError, ValueError) as exc:
        raise BackupError(f"not an Osteon backup: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != "osteon-backup" or manifest.get("format") != FORMAT:
        raise BackupError("not an Osteon backup of a format this version reads")
    return manifest


async def restore(db: Database, path: Path) -> RestoreResult:
    """Restore ``path`` into an EMPTY database (migrated here); commit only if every checksum matches."""
    from osteon.migrations import upgrade_async

    manifest = read_manifest(path)
    if manifest["heads"] != _heads():
        raise BackupError(f"the backup was made at schema {manifest['heads']}, this version is at {_heads()}; "
                          "restore with the matching Osteon version, then upgrade")
    await upgrade_async(db.url)
    tables = {t.name: t for t in _tables()}
    if set(manifest["tables"]) != set(tables):
        raise BackupError("the backup's tables do not match this version's")
    async with db.engine.connect() as conn:
        for table in tables.values():
            if (await conn.execute(select(func.count()).select_from(table))).scalar_one():
                raise BackupError(f"the database is not empty (table {table.name} has rows); restore needs an empty one")
    total = 0
    async with db.engine.begin() as conn:
        # Rows go in table order, but a few foreign keys are circular: check them at commit.
        if db.is_sqlite:
            await conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        else:
            await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        batch: list[dict[str, Any]] = []
        current: Table | None = None

        async def flush() -> None:
            if current is not None and batch:
                await conn.execute(insert(current), batch)
                batch.clear()

        with gzip.open(path, "rt", encoding="utf-8") as f:
            f.readline()
            for line in f:
                item = json.loads(line)
                table = tables[item["table"]]
                if table is not current or len(batch) >= BATCH:
                    await flush()
                    current = table
                batch.append({c.name: _restore_value(c, item["row"].get(c.name)) for c in table.columns
                              if c.name in item["row"]})
                total += 1
            await flush()
        if not db.is_sqlite:
            await _reset_sequences(conn, tables.values())
        got = await _checksums(conn, tables.values())
        bad = sorted(n for n, want in manifest["tables"].items() if got[n] != want)
        if bad:
            raise BackupError(f"checksums do not match after restore for {bad}; nothing was restored")
    return RestoreResult(tables=len(tables), rows=total)


async def _reset_sequences(conn: AsyncConnection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move serial sequences past the restored ids."""
    for table in tables:
        for col in table.primary_key.columns:
            if col.autoincrement is True or (col.autoincrement == "auto" and _python_type(col.type) is int):
                seq = (await conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                          {"t": table.name, "c": col.name})).scalar()
                if seq:
                    await conn.execute(text(f"SELECT setval('{seq}', COALESCE((SELECT MAX({col.name}) FROM "
                                            f"{table.name}), 0) + 1, false)"))
