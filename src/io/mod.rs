//! Async I/O traits and the process's standard streams.
//!
//! eddy's I/O types implement the `futures-io` traits, the ecosystem's shared interface
//! (re-exported here); use the extension traits of `futures-lite` or `futures` for
//! `read_to_end`, `write_all` and friends.
//!
//! | file | what |
//! |---|---|
//! | `stdio.rs` | [`stdin`], [`stdout`], [`stderr`]: the std handles on the blocking pool |

mod stdio;

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

pub use self::stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
