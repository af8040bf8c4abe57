"""The pipeline every message and tick goes through: route, turn, context, the action registry,
prompts, outbox, audit, menus, identity and account linking."""
