"""SMS attendance reminders: an outbox table, Danish templates, a GatewayAPI adapter, a worker."""
