"""Core-extract ingest (DESIGN §4)."""

from bankcrm.analytics.ingest.pipeline import ingest_drop, resolve_options
from bankcrm.analytics.ingest.problems import IngestReport, Problem

__all__ = ["IngestReport", "Problem", "ingest_drop", "resolve_options"]
