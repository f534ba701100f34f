"""Deployment and operation: migrations, the embedded runtime, process entry points and the CLI."""
