"""Kiln: shared pieces every Kiln process uses (settings, states, the job contract)."""
