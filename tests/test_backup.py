"""SECURITY 19: backups restore into an empty database with matching checksums."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from osteon import backup
from osteon.db import Database
from osteon.patients.models import Patient
from osteon.security import audit
from tests.conftest import PG_URL, fresh_database_url


async def _restore_into_fresh(tmp_path, label: str, path, url: str | None = None) -> Database:
    target = Database(url or await fresh_database_url(tmp_path, label))
    await backup.restore(target, path)
    return target


async def test_backup_restores_into_an_empty_database_with_matching_checksums(db, demo, app, tmp_path):
    path = tmp_path / "osteon.backup.gz"
    manifest = await backup.backup(db, path)
    assert manifest["tables"]["patients"]["rows"] >= 200 and manifest["tables"]["audit_events"]["rows"] > 0

    target = await _restore_into_fresh(tmp_path, "restored", path)
    try:
        async with target.engine.connect() as conn:  # the restored database has the same checksums
            assert await backup._checksums(conn, backup._tables()) == manifest["tables"]
        async with target.transaction() as s:
            assert (await audit.verify(s)).ok  # the hash chain survived
            wang = (await s.execute(select(Patient).where(Patient.mrn == "Q00000001"))).scalar_one()
        async with db.transaction() as s:
            original = (await s.execute(select(Patient).where(Patient.mrn == "Q00000001"))).scalar_one()
        # protected fields are copied as ciphertext and still open with the deployment's keys
        assert wang.phone_enc == original.phone_enc and wang.phone_enc is not None
        assert app.state.cipher.decrypt(wang.phone_enc, context="patients.phone") == \
            app.state.cipher.decrypt(original.phone_enc, context="patients.phone")

        with pytest.raises(backup.BackupError, match="not empty"):  # never over existing data
            await backup.restore(target, path)
    finally:
        await target.dispose()


@pytest.mark.skipif(not PG_URL, reason="cross-database restore runs when the suite runs on PostgreSQL")
async def test_a_postgresql_backup_restores_into_sqlite(db, demo, tmp_path):
    path = tmp_path / "pg.backup.gz"
    manifest = await backup.backup(db, path)
    target = await _restore_into_fresh(tmp_path, "to-sqlite", path, f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}")
    try:
        async with target.engine.connect() as conn:
            assert await backup._checksums(conn, backup._tables()) == manifest["tables"]
    finally:
        await target.dispose()


async def test_a_tampered_backup_is_refused_and_nothing_is_restored(db, demo, tmp_path):
    path = tmp_path / "osteon.backup.gz"
    await backup.backup(db, path)
    tampered = tmp_path / "tampered.backup.gz"
    with gzip.open(path, "rt", encoding="utf-8") as src, gzip.open(tampered, "wt", encoding="utf-8") as dst:
        done = False
        for line in src:
            item = json.loads(line)
            if not done and item.get("table") == "patients":
                item["row"]["name"] = "篡改"
                line, done = json.dumps(item, ensure_ascii=False) + "\n", True
            dst.write(line)
    target = Database(await fresh_database_url(tmp_path, "tampered"))
    try:
        with pytest.raises(backup.BackupError, match="patients"):
            await backup.restore(target, tampered)
        async with target.engine.connect() as conn:  # all or nothing
            assert (await conn.execute(select(func.count()).select_from(Patient))).scalar_one() == 0
    finally:
        await target.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"not gzip at all")
    with pytest.raises(backup.BackupError, match="not an Osteon backup"):
        backup.read_manifest(junk)


def test_backup_and_restore_from_the_command_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "OSTEON_DEMO_PASSWORD": "Backup-Demo-2026!",
           **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}
    src, dst, file = tmp_path / "src", tmp_path / "dst", tmp_path / "b.gz"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "osteon.cli", *args], env=env, capture_output=True, text=True,
                              check=False, timeout=300)

    assert run("demo", "--data-dir", str(src)).returncode == 0
    made = run("db", "backup", str(file), "--data-dir", str(src))
    assert made.returncode == 0, made.stderr
    restored = run("db", "restore", str(file), "--data-dir", str(dst))
    assert restored.returncode == 0 and "every checksum matches" in restored.stdout, restored.stderr
    again = run("db", "restore", str(file), "--data-dir", str(dst))
    assert again.returncode == 1 and "not empty" in again.stderr
