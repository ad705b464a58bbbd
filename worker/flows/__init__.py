"""The job flows: what a build, a revision, a command and a job's ending decide and do."""
