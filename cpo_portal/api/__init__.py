"""The shared REST API base: pagination, error format, and the floor's own endpoints."""
