//! Unit tests and loom models of the executor's concurrent protocols.
