"""Authentication, sessions, roles and permissions, audit trail, field encryption."""
