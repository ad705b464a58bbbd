"""Kiln's worker: RQ jobs and the build pipeline."""
