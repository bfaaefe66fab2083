"""Channel adapters: a platform's payload in, one InboundMessage, replies out its own way."""
