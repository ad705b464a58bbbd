"""GitHub at the worker's edge: clients, a repository's data, publishing, authorization."""
