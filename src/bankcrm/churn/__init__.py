"""Churn early warning (issue 7): the model pipeline, its vetting on any labelled table, scoring."""
