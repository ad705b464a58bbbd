"""The conversation on GitHub: the job's session, its progress comment, reports and messages."""
