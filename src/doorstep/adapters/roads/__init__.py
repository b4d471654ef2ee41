"""Road networks: OpenStreetMap regions, the bundled road graph and routing-engine adapters."""
