"""Auth, account administration and audit API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from osteon.db import AppSettings, DbSession
from osteon.institutions import service as institutions
from osteon.institutions.schemas import DepartmentRef, InstitutionRef
from osteon.kit.schemas import Page
from osteon.security import service
from osteon.security.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AnyAuthenticated,
    Cipher,
    CurrentUser,
    client_ip,
    require,
)
from osteon.security.schemas import (
    AuditEventRead,
    AuditVerifyRead,
    LoginRequest,
    LoginResponse,
    Me,
    PasswordChange,
    RoleChange,
    TotpConfirm,
    TotpSetup,
    UserCreate,
    UserRead,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login", response_model=LoginResponse)
async def login(body: LoginRequest, request: Request, response: Response, session: DbSession,
                settings: AppSettings, cipher: Cipher) -> LoginResponse:
    """Log in: returns a bearer token and sets an HttpOnly session cookie (plus a CSRF cookie)."""
    ip = client_ip(request, settings)
    session.info["client_ip"] = ip
    new = await service.login(session, settings, cipher, username=body.username, password=body.password,
                              totp=body.totp, client_ip=ip, user_agent=request.headers.get("user-agent", ""))
    max_age = settings.session_absolute_hours * 3600
    response.set_cookie(SESSION_COOKIE, new.token, max_age=max_age, httponly=True, samesite="strict",
                        secure=settings.cookie_secure, path="/")
    response.set_cookie(CSRF_COOKIE, new.csrf_token, max_age=max_age, httponly=False, samesite="strict",
                        secure=settings.cookie_secure, path="/")
    return LoginResponse(access_token=new.token, expires_at=new.row.expires_at,
                         must_change_password=new.user.must_change_password)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(actor: AnyAuthenticated, session: DbSession, response: Response) -> Response:
    """Log out: the session is revoked on the server."""
    await service.logout(session, actor)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=Me)
async def me(actor: AnyAuthenticated, session: DbSession) -> Me:
    """The logged-in user, role, institution and permissions."""
    user = await service.get_user(session, actor.user_id)
    inst = await institutions.get_institution(session, user.institution_id)
    dept = await institutions.get_department(session, user.department_id) if user.department_id else None
    return Me(
        id=user.id, username=user.username, full_name=user.full_name, role=user.role, title=user.title,
        institution=InstitutionRef.model_validate(inst),
        department=DepartmentRef.model_validate(dept) if dept else None,
        permissions=sorted(actor.permissions), must_change_password=user.must_change_password,
        patient_id=user.patient_id, totp_enrolled=user.totp_secret_enc is not None,
    )


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, actor: AnyAuthenticated, session: DbSession,
                          settings: AppSettings) -> Response:
    """Change your password (required at first login); your other sessions are logged out."""
    await service.change_password(session, settings, actor, body.old_password, body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/totp/setup", response_model=TotpSetup)
async def totp_setup(actor: CurrentUser, session: DbSession, settings: AppSettings) -> TotpSetup:
    """Start TOTP enrolment: scan the URI, then confirm with a code."""
    secret, uri = await service.totp_setup(session, settings, actor)
    return TotpSetup(secret=secret, uri=uri)


@router.post("/auth/totp/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def totp_confirm(body: TotpConfirm, actor: CurrentUser, session: DbSession, cipher: Cipher) -> Response:
    """Finish TOTP enrolment."""
    await service.totp_confirm(session, cipher, actor, secret=body.secret, code=body.code, password=body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users", response_model=Page[UserRead], tags=["users"])
async def list_users(session: DbSession, _: object = require("user:read"),
                     institution_id: uuid.UUID | None = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Page[UserRead]:
    """Accounts (administrators)."""
    rows, total = await service.list_users(session, institution_id, limit, offset)
    return Page[UserRead](items=[UserRead.model_validate(u) for u in rows], total=total, limit=limit, offset=offset)


@router.post("/users", response_model=UserRead, status_code=201, tags=["users"])
async def create_user(body: UserCreate, session: DbSession, settings: AppSettings, cipher: Cipher,
                      _: object = require("user:manage")) -> UserRead:
    """Create an account; its initial password must be changed at first login."""
    await institutions.get_institution(session, body.institution_id)
    user, _uri = await service.create_user(session, settings, cipher, username=body.username,
                                           full_name=body.full_name, role=body.role,
                                           institution_id=body.institution_id, department_id=body.department_id,
                                           password=body.password, title=body.title)
    return UserRead.model_validate(user)


@router.put("/users/{user_id}/role", response_model=UserRead, tags=["users"])
async def assign_role(user_id: uuid.UUID, body: RoleChange, session: DbSession,
                      actor: CurrentUser, _: object = require("role:assign")) -> UserRead:
    """Assign a role (security administrator); the user's sessions are revoked."""
    return UserRead.model_validate(await service.assign_role(session, actor, user_id, body.role))


@router.post("/users/{user_id}/unlock", response_model=UserRead, tags=["users"])
async def unlock_user(user_id: uuid.UUID, session: DbSession, _: object = require("user:unlock")) -> UserRead:
    """Clear a lockout (security administrator)."""
    return UserRead.model_validate(await service.unlock_user(session, user_id))


@router.get("/audit/events", response_model=Page[AuditEventRead], tags=["audit"])
async def search_audit(
    session: DbSession,
    actor: CurrentUser,
    _: object = require("audit:read"),
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    patient_id: uuid.UUID | None = None,
    outcome: Annotated[str | None, Query(pattern="^(success|failure|denied)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Page[AuditEventRead]:
    """Search the audit trail (audit administrator only)."""
    rows, total = await service.search_audit(session, actor, username=username, action=action,
                                             patient_id=patient_id, outcome=outcome, since=since,
                                             until=until, limit=limit, offset=offset)
    return Page[AuditEventRead](items=[AuditEventRead.model_validate(r) for r in rows], total=total,
                                limit=limit, offset=offset)


@router.get("/audit/verify", response_model=AuditVerifyRead, tags=["audit"])
async def verify_audit(session: DbSession, _: object = require("audit:read")) -> AuditVerifyRead:
    """Check the audit hash chain end to end."""
    r = await service.verify_audit(session)
    return AuditVerifyRead(ok=r.ok, checked=r.checked, first_bad_seq=r.first_bad_seq, problem=r.problem)
