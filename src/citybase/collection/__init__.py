"""Collection (采集): tasks, templates, submissions through every channel."""
