"""Peer role definitions: services, selectors, forms, views and version comparison."""
