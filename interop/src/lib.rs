//! eddy with the crates written for tokio: the examples and tests of TLS (rustls), gRPC
//! (tonic), reqwest and tokio's I/O traits on eddy. docs/compat.md is the guide; this
//! crate is what it points at. It is not a dependency of eddy and is never published.
//!
//! It is a crate of its own because rustls' crypto provider (ring) builds C and assembly
//! with the target's C compiler at build time, which the other OSes' cross-checks do not
//! have; the code here has nothing OS-specific, which all lives in eddy itself.

/// docs/compat.md (which crates written for tokio run on eddy, and how): its examples
/// need reqwest and tokio, so they run as this crate's doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/compat.md")]
pub struct CompatGuide;
