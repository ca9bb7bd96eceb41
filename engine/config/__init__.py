"""Config: discovery, loading/validation (both file shapes), the built-in example and the
span-preserving editor. Import from the submodules (``engine.config.loader`` ...)."""
