"""Route modules of the JSON API, one per domain part."""
