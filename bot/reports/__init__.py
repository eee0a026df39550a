"""Reports from the anonymised event log: unanswered questions in clusters, figures, charts."""
