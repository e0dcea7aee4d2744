"""The entry layer: every page, API operation and CLI command goes through here (see docs/architecture.md)."""
