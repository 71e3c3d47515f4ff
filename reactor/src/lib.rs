//! eddy-reactor: readiness I/O on the `polling` crate. Empty until the I/O issue lands.
