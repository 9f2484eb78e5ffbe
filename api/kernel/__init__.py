"""What every domain uses and that uses no domain: settings, the database and its engines,
errors as problem+json, the clock, couple days, the change counter and couple lock, the
realtime feed, shared field types. Kernel modules import only the kernel and api.models."""
