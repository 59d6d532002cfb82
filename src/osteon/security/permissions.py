"""Roles and what they may do (SECURITY 8). 三员分立: system, security and audit administrators are
separate, and none of them reads patient records; only the audit administrator reads the audit log."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles of SECURITY.md §8."""

    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"
    DEPT_HEAD = "dept_head"
    DOCTOR = "doctor"
    NURSE = "nurse"
    TECHNICIAN = "technician"
    EXPERT = "expert"
    PATIENT = "patient"


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
CLINICAL_ROLES = frozenset({Role.DEPT_HEAD, Role.DOCTOR, Role.NURSE, Role.TECHNICIAN, Role.EXPERT})

ROLE_LABELS = {
    Role.SYSTEM_ADMIN: ("系统管理员", "System administrator"),
    Role.SECURITY_ADMIN: ("安全管理员", "Security administrator"),
    Role.AUDIT_ADMIN: ("审计管理员", "Audit administrator"),
    Role.DEPT_HEAD: ("科主任", "Department head"),
    Role.DOCTOR: ("医生", "Doctor"),
    Role.NURSE: ("护士", "Nurse"),
    Role.TECHNICIAN: ("技师", "Technician"),
    Role.EXPERT: ("远程会诊专家", "Remote expert"),
    Role.PATIENT: ("患者", "Patient"),
}

_CLINICAL_BASE = {"patient:read", "patient:write", "institution:read"}

PERMISSIONS: dict[Role, frozenset[str]] = {
    # The system administrator runs the system (institutions, accounts) but sees no patient data.
    Role.SYSTEM_ADMIN: frozenset({"institution:read", "institution:write", "user:read", "user:manage", "config:write"}),
    # The security administrator assigns roles and unlocks accounts.
    Role.SECURITY_ADMIN: frozenset({"institution:read", "user:read", "role:assign", "user:unlock", "session:revoke"}),
    Role.AUDIT_ADMIN: frozenset({"institution:read", "audit:read"}),
    Role.DEPT_HEAD: frozenset(_CLINICAL_BASE | {"patient:merge", "patient:export", "break_glass"}),
    Role.DOCTOR: frozenset(_CLINICAL_BASE | {"patient:merge", "break_glass"}),
    Role.NURSE: frozenset(_CLINICAL_BASE | {"break_glass"}),
    Role.TECHNICIAN: frozenset({"patient:read", "institution:read"}),
    Role.EXPERT: frozenset({"patient:read", "institution:read"}),
    Role.PATIENT: frozenset({"self:read"}),
}


# Each clinical domain declares its own role → permission map in ``<domain>/permissions.py`` and registers it
# here at import, so one place answers "what may this role do" (the actor's permissions, ``/auth/me``, the
# front end's menus) while the domain's map stays next to the code that checks it.
_DOMAIN_PERMISSIONS: dict[str, dict[Role, frozenset[str]]] = {}


def register_domain(domain: str, role_permissions: dict[str, frozenset[str]]) -> None:
    """Add a domain's role → permissions map. Administrators get nothing from a domain (三员分立)."""
    mapping = {Role(role): frozenset(perms) for role, perms in role_permissions.items()}
    admins = ADMIN_ROLES & mapping.keys()
    if admins:
        raise ValueError(f"{domain}: administrator roles may not hold clinical permissions ({sorted(admins)})")
    _DOMAIN_PERMISSIONS[domain] = mapping


def permissions_of(role: str) -> frozenset[str]:
    """Permissions granted to ``role``: the platform's plus every registered domain's (none for an unknown role)."""
    try:
        r = Role(role)
    except ValueError:
        return frozenset()
    extra = [m[r] for m in _DOMAIN_PERMISSIONS.values() if r in m]
    return PERMISSIONS[r].union(*extra) if extra else PERMISSIONS[r]


def requires_totp(role: str) -> bool:
    """Administrators always need a second factor (SECURITY 5)."""
    return role in ADMIN_ROLES
