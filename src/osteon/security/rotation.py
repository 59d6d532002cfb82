"""Key rotation: re-encrypt protected fields still under an older key (SECURITY 15)."""

from __future__ import annotations

from sqlalchemy import select

from osteon.config import Settings
from osteon.db import Database
from osteon.kit.domains import load_all_models
from osteon.patients.models import Patient
from osteon.security import audit
from osteon.security.crypto import FieldCipher
from osteon.security.models import User

# (model, column attribute, encryption context) for every encrypted column.
ENCRYPTED_COLUMNS = [
    (Patient, "id_number_enc", "patients.id_number"),
    (Patient, "phone_enc", "patients.phone"),
    (Patient, "address_enc", "patients.address"),
    (Patient, "emergency_contact_enc", "patients.emergency_contact"),
    (User, "totp_secret_enc", "users.totp"),
]


async def reencrypt_all(settings: Settings, cipher: FieldCipher, batch: int = 500) -> int:
    """Re-encrypt in batches, one transaction per batch; returns how many values changed."""
    load_all_models()
    db = Database(settings.resolved_database_url())
    changed = 0
    try:
        for model, column, context in ENCRYPTED_COLUMNS:
            last_id = None
            while True:
                async with db.transaction() as session:
                    session.info["client_ip"] = "cli"
                    q = select(model).where(getattr(model, column).is_not(None)).order_by(model.id).limit(batch)
                    if last_id is not None:
                        q = q.where(model.id > last_id)
                    rows = (await session.execute(q)).scalars().all()
                    if not rows:
                        break
                    n = 0
                    for row in rows:
                        token = getattr(row, column)
                        if cipher.needs_rotation(token):
                            setattr(row, column, cipher.encrypt(cipher.decrypt(token, context=context), context=context))
                            n += 1
                    last_id = rows[-1].id
                    if n:
                        audit.record(session, "config.key_rotation", resource_type=model.__tablename__,
                                     detail={"column": column, "reencrypted": n}, username="system")
                    changed += n
    finally:
        await db.dispose()
    return changed
