"""Security core (DESIGN §7): users and roles, sessions, data scope, classification and masking,
the audit log. Every page, endpoint and export goes through it."""
