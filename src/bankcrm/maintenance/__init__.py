"""Maintenance standards per tier, holidays, task calendars, contacts and compliance (issue 6)."""
