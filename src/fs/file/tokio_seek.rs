//! tokio's two-step seek (`start_seek`, then `poll_complete`) on the file's state
//! machine, for its `tokio::io::AsyncSeek` (feature `tokio-io`, `io/tokio_io.rs`).
//!
//! `start_seek` cannot wait, so it starts the seek only on an idle file, as tokio's
//! `File` does, and says to call `poll_complete` first otherwise; tokio's `seek` always
//! does. `poll_complete` waits for the operation in flight: a seek's result is the new
//! position; with no seek started it returns 0, the placeholder tokio's trait allows.

use std::io::{self, SeekFrom};
use std::task::{ready, Context, Poll};

use super::{File, Op, State};

impl File {
    /// Starts a seek to `pos` on a pool thread (unconsumed read-ahead is accounted for
    /// and pending writes go first, as in `poll_seek`).
    ///
    /// # Errors
    ///
    /// Of kind `Other` while another operation is in flight.
    pub(crate) fn start_seek(&mut self, pos: SeekFrom) -> io::Result<()> {
        let State::Idle(slot) = &mut self.state else {
            return Err(io::Error::other(
                "eddy::fs::File: another operation is in flight; call poll_complete \
                 before start_seek",
            ));
        };
        let mut buf = slot.take().expect("idle file holds its buffer");
        buf.discard_read();
        // Not `Some(pos)`: that marks a futures-io `poll_seek`'s own seek, which a later
        // `poll_seek` to the same position would take as its own if this one were dropped.
        self.seeking = None;
        self.start(buf, move |file, buf| Op::Seek(buf.seek(file, pos)));
        Ok(())
    }

    /// Waits for the operation in flight: the position a seek moved to, or 0 when no seek
    /// was in flight.
    ///
    /// # Errors
    ///
    /// The seek's, or that of a background write that was in flight.
    pub(crate) fn poll_seek_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        loop {
            match &self.state {
                State::Idle(_) => return Poll::Ready(Ok(0)),
                State::Busy(_) => match ready!(self.poll_complete(cx))? {
                    Op::Seek(res) => {
                        self.seeking = None;
                        return Poll::Ready(res);
                    }
                    Op::Write(Err(err)) => return Poll::Ready(Err(err)),
                    // A read whose caller gave up: its bytes stay as read-ahead.
                    Op::Read(_) | Op::Write(Ok(())) => {}
                },
            }
        }
    }
}
