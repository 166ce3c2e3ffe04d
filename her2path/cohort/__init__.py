"""Cohort audits: read a registry in the columnar layout and run the audits on every patient."""
