"""What jobs share in Redis: the per-issue lock and the job-to-build ledger."""
