"""HTTP plumbing: tokens, roles and staff accounts (auth), the WebSocket hub, the OpenAPI document, and reading and
answering JSON with the error middleware."""
