"""The sync protocol and its merge rule: pure, shared by peers and the hub."""
