"""What only HTTP needs: hardening middleware, metrics, observability, /docs, the shaping of
the OpenAPI document, Idempotency-Key and conditional requests (SPEC §1)."""
