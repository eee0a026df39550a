"""Channel adapters: they turn platform events into the core's messages and render its replies."""
