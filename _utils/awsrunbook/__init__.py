"""The shared code of salt-aws-runbook: the engine, the clients, validation, the
pillar writer's helpers and the pure domain code, one module per concern."""
