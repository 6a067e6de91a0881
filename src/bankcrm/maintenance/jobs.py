"""The nightly's operational step after the publish: owners by tier, then the task calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bankcrm.assignment import service as assignment
from bankcrm.maintenance import tasks


@dataclass
class MaintenanceRun:
    assignment: assignment.AssignmentSummary
    tasks: tasks.TaskSummary | None


def run(session: Session, as_of: date, *, with_tasks: bool = True) -> MaintenanceRun:
    """Assignment for `as_of`, then (unless told not to: a backfill of old month ends) the
    tasks of the next horizon — in the caller's transaction."""
    owners = assignment.run_nightly(session, as_of)
    calendar = tasks.generate(session, as_of) if with_tasks else None
    return MaintenanceRun(owners, calendar)
