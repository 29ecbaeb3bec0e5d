"""Residents' data requests: a form, a public list with status and history, moderated by the analytic team."""
