//! The line framing of the line protocol (`lines.rs`): [`LineCodec`], a decoder for
//! asynchronous-codec's `FramedRead` that caps a line's length. It knows nothing of
//! sockets, so the fuzz target `chat_lines` (fuzz/) drives it on its own.

use std::io;

use asynchronous_codec::{BytesMut, Decoder};

/// Why [`LineCodec`] stopped.
#[derive(Debug)]
pub enum LineError {
    /// A line (without its `\n` or `\r\n`) was longer than the cap.
    TooLong,
    /// Reading failed.
    Io(io::Error),
}

impl From<io::Error> for LineError {
    fn from(error: io::Error) -> LineError {
        LineError::Io(error)
    }
}

/// Lines of at most `max` bytes, for asynchronous-codec's `FramedRead`; a longer line
/// is [`LineError::TooLong`] as soon as more than `max` bytes without a `\n` have
/// arrived (not counting a last `\r`, which may start a `\r\n`). Its `LinesCodec` has
/// no cap (and rejects invalid UTF-8, which chat replaces), hence this one. At EOF an
/// unfinished last line is dropped.
#[derive(Debug)]
pub struct LineCodec {
    max: usize,
    /// How much of the buffer is known to hold no `\n`.
    scanned: usize,
}

impl LineCodec {
    /// A codec for lines of at most `max` bytes.
    pub fn new(max: usize) -> LineCodec {
        LineCodec { max, scanned: 0 }
    }
}

impl Decoder for LineCodec {
    type Item = String;
    type Error = LineError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<String>, LineError> {
        let Some(i) = src[self.scanned..].iter().position(|&b| b == b'\n') else {
            self.scanned = src.len();
            // A last `\r` may be the first half of the line's `\r\n`: it does not count
            // yet, so that where a read splits the input does not change the lines.
            let len = src.len() - usize::from(src.ends_with(b"\r"));
            return match len > self.max {
                true => Err(LineError::TooLong),
                false => Ok(None),
            };
        };
        let end = self.scanned + i;
        self.scanned = 0;
        let frame = src.split_to(end + 1);
        let line = frame[..end].strip_suffix(b"\r").unwrap_or(&frame[..end]);
        if line.len() > self.max {
            return Err(LineError::TooLong);
        }
        Ok(Some(String::from_utf8_lossy(line).into_owned()))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<String>, LineError> {
        let line = self.decode(src)?;
        if line.is_none() {
            // The peer closed mid-line: drop the fragment, not send it half-written.
            src.clear();
            self.scanned = 0;
        }
        Ok(line)
    }
}
