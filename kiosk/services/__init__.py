"""Business rules: plain functions over a session and values, raising domain errors."""
