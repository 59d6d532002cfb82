"""The ``osteon`` command: serve, db, demo, user, audit, keys, triage, openapi."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from osteon.config import Settings

app = typer.Typer(help="Osteon 骨科智慧管理平台 — orthopedic department platform.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="Field-encryption keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (default ./var); ignored for the DB when OSTEON_DATABASE_URL is set.")]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    """Settings from the environment, with command-line overrides."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)


def _migrate(settings: Settings) -> None:
    from osteon.migrations import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url())


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8000).")] = None,
    dicom_port: Annotated[int | None, typer.Option("--dicom-port", help="DICOM port (default 11112; 0 = off).")] = None,
    dicom_host: Annotated[str | None, typer.Option("--dicom-host", help="DICOM bind address (default: --host).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Seed demo data into an empty database and mark the UI as demo.")] = False,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="PEM certificate chain: serve HTTPS (and wss).")] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="PEM private key for --tls-cert.")] = None,
) -> None:
    """Migrate the database and serve HTTP (and DICOM); HTTPS when given a certificate and key."""
    import uvicorn

    from osteon.app import create_app
    from osteon.kit import logs

    if (tls_cert is None) != (tls_key is None):
        typer.echo("--tls-cert and --tls-key go together", err=True)
        raise typer.Exit(2)
    # Over HTTPS the session cookie is marked Secure so a browser never sends it in clear.
    settings = _settings(data_dir, host=host, port=port, dicom_port=dicom_port, dicom_host=dicom_host,
                         demo=demo or None,
                         cookie_secure=True if tls_cert else None)
    _migrate(settings)
    if settings.demo:
        _seed_demo(settings)
    application = create_app(settings)
    scheme = "https" if tls_cert else "http"
    typer.echo(f"Osteon on {scheme}://{settings.host}:{settings.port}  (data: {settings.data_dir.resolve()})")
    # Per-message deflate costs more CPU per subscriber than it saves on a LAN (queue updates, bed board).
    config = uvicorn.Config(application, host=settings.host, port=settings.port, log_level="info",
                            proxy_headers=False, ws_per_message_deflate=False,
                            ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)
    server = uvicorn.Server(config)
    logs.install()  # after uvicorn configured its handlers, so they get the redacting filter too
    server.run()


def _seed_demo(settings: Settings) -> None:
    from osteon import demo as demo_module
    from osteon.db import Database
    from osteon.security.crypto import load_cipher

    async def run() -> demo_module.DemoResult | None:
        db = Database(settings.resolved_database_url())
        try:
            async with db.sessionmaker() as session:
                if await demo_module.has_real_data(session):
                    return None
            return await demo_module.seed(db, settings, load_cipher(settings))
        finally:
            await db.dispose()

    result = asyncio.run(run())
    if result is None:
        typer.echo("error: this database holds real institutions; demo data goes only into an empty database", err=True)
        raise typer.Exit(2)
    demo_module.print_credentials(result, echo=typer.echo)


@app.command("demo")
def demo_cmd(data_dir: DataDir = None) -> None:
    """Seed demo data into an empty database (migrating it first) and print the logins."""
    settings = _settings(data_dir, demo=True)
    _migrate(settings)
    _seed_demo(settings)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, revision: str = "heads") -> None:
    """Apply migrations."""
    from osteon.migrations import upgrade

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url(), revision)
    typer.echo("database is up to date")


@db_app.command("downgrade")
def db_downgrade(revision: str, data_dir: DataDir = None) -> None:
    """Revert migrations down to REVISION ("base" for an empty database)."""
    from osteon.migrations import downgrade

    downgrade(_settings(data_dir).resolved_database_url(), revision)


@db_app.command("backup")
def db_backup(out: Annotated[Path, typer.Argument(help="Backup file to write (gzip JSON lines).")], data_dir: DataDir = None) -> None:
    """Back up every table with per-table SHA-256 checksums (keys.json is NOT included: keep it separately)."""
    from osteon import backup
    from osteon.db import Database

    async def run() -> dict[str, object]:
        db = Database(_settings(data_dir).resolved_database_url())
        try:
            return await backup.backup(db, out)
        finally:
            await db.dispose()

    try:
        manifest = asyncio.run(run())
    except backup.BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    tables = manifest["tables"]
    typer.echo(f"backup written to {out}: {len(tables)} tables, {sum(t['rows'] for t in tables.values())} rows")


@db_app.command("restore")
def db_restore(backup_file: Annotated[Path, typer.Argument(help="A file made by `osteon db backup`.")], data_dir: DataDir = None) -> None:
    """Restore a backup into an empty database; commits only if every table's checksum matches."""
    from osteon import backup
    from osteon.db import Database

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> backup.RestoreResult:
        db = Database(settings.resolved_database_url())
        try:
            return await backup.restore(db, backup_file)
        finally:
            await db.dispose()

    try:
        result = asyncio.run(run())
    except backup.BackupError as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {result.rows} rows into {result.tables} tables; every checksum matches")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="system_admin, security_admin, audit_admin, dept_head, doctor, nurse, technician, expert")],
    institution: Annotated[str, typer.Option(help="Institution code")],
    full_name: Annotated[str, typer.Option("--full-name")],
    department: Annotated[str | None, typer.Option(help="Department code")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an account; the password is read from OSTEON_NEW_PASSWORD or prompted, and must be changed at first login."""
    from osteon.db import Database
    from osteon.institutions import service as institutions
    from osteon.kit.errors import OsteonError
    from osteon.security.crypto import load_cipher
    from osteon.security.service import create_user

    password = os.environ.get("OSTEON_NEW_PASSWORD") or typer.prompt("Initial password", hide_input=True, confirmation_prompt=True)
    settings = _settings(data_dir)

    async def run() -> str | None:
        db = Database(settings.resolved_database_url())
        try:
            async with db.transaction() as session:
                session.info["client_ip"] = "cli"
                inst = await institutions.get_institution_by_code(session, institution)
                if inst is None:
                    raise typer.BadParameter(f"no institution with code {institution}")
                dep_id = None
                if department:
                    dep = await institutions.get_department_by_code(session, inst.id, department)
                    if dep is None:
                        raise typer.BadParameter(f"no department {department} in {institution}")
                    dep_id = dep.id
                _user, uri = await create_user(session, settings, load_cipher(settings), username=username,
                                               full_name=full_name, role=role, institution_id=inst.id,
                                               department_id=dep_id, password=password)
                return uri
        finally:
            await db.dispose()

    try:
        uri = asyncio.run(run())
    except OsteonError as exc:
        typer.echo(f"error: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {username} ({role}); the password must be changed at first login")
    if uri:
        typer.echo(f"TOTP enrolment URI (scan once, keep private): {uri}")


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Check the audit hash chain; exit 1 and name the first bad row if it was tampered with."""
    from osteon.db import Database
    from osteon.security import audit

    settings = _settings(data_dir)

    async def run() -> audit.VerifyResult:
        db = Database(settings.resolved_database_url())
        try:
            async with db.sessionmaker() as session:
                return await audit.verify(session)
        finally:
            await db.dispose()

    result = asyncio.run(run())
    if result.ok:
        typer.echo(f"audit trail OK: {result.checked} events, chain intact")
    else:
        typer.echo(f"audit trail BROKEN at row {result.first_bad_seq}: {result.problem} ({result.checked} rows verified before it)", err=True)
        raise typer.Exit(1)


@keys_app.command("rotate")
def keys_rotate(data_dir: DataDir = None) -> None:
    """Add a new field-encryption key and re-encrypt every protected field with it."""
    from osteon.security.crypto import add_key_to_file, load_cipher
    from osteon.security.rotation import reencrypt_all

    settings = _settings(data_dir)
    if settings.field_keys:
        typer.echo("keys come from OSTEON_FIELD_KEYS: put a new key first there, then run `osteon keys reencrypt`", err=True)
        raise typer.Exit(2)
    kid = add_key_to_file(settings)
    count = asyncio.run(reencrypt_all(settings, load_cipher(settings)))
    typer.echo(f"new key {kid} is current; re-encrypted {count} values")


@keys_app.command("reencrypt")
def keys_reencrypt(data_dir: DataDir = None) -> None:
    """Re-encrypt protected fields still under an older key."""
    from osteon.security.crypto import load_cipher
    from osteon.security.rotation import reencrypt_all

    settings = _settings(data_dir)
    typer.echo(f"re-encrypted {asyncio.run(reencrypt_all(settings, load_cipher(settings)))} values")


@app.command()
def openapi(out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
            data_dir: DataDir = None) -> None:
    """Print the OpenAPI document (for the front-end client generator)."""
    from osteon.app import create_app

    settings = _settings(data_dir or Path(os.environ.get("TMPDIR", "/tmp")) / "osteon-openapi")
    spec = json.dumps(create_app(settings, start_worker=False).openapi(), ensure_ascii=False, indent=1)
    if out:
        out.write_text(spec + "\n")
    else:
        typer.echo(spec)


@app.command()
def triage(
    json_text: Annotated[str | None, typer.Option("--json", help="Patient's words; prints one JSON object.")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSON lines {id, text}; one JSON object per line out.")] = None,
) -> None:
    """Triage patients' own words to a department and urgency (offline engine)."""
    from osteon.triage.cli import run_triage_cli

    if json_text is None and batch is None:
        typer.echo("error: give --json TEXT or --batch FILE", err=True)
        raise typer.Exit(2)
    raise typer.Exit(run_triage_cli(json_text, str(batch) if batch else None, out=sys.stdout))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
