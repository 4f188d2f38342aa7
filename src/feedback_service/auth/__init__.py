"""Authentication: bearer tokens stored as hashes, and the roles and scopes they carry."""

from __future__ import annotations

from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import (
    IssuedToken,
    TokenRequestError,
    authenticate_secret,
    hash_secret,
    issue_token,
)

__all__ = [
    "IssuedToken",
    "Principal",
    "Role",
    "TokenRequestError",
    "authenticate_secret",
    "hash_secret",
    "issue_token",
]
