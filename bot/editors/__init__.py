"""Tools for content editors: spreadsheets, diffs, readability hints, stale entries, hot reload."""
