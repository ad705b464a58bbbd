"""Kiln's web side: the webhook receiver, the health check and the dashboard."""
