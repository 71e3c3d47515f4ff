//! Multi-producer, single-consumer channels — asyncio's `Queue`.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `q = asyncio.Queue(maxsize=n)` | `let (tx, mut rx) = mpsc::`[`channel`]`(n)` |
//! | `q = asyncio.Queue()` | `let (tx, mut rx) = mpsc::`[`unbounded_channel`]`()` |
//! | `await q.put(item)` | `tx.send(item).await` (bounded: waits while full) / `tx.send(item)` |
//! | `q.put_nowait(item)` | [`Sender::try_send`] |
//! | `await q.get()` | `rx.recv().await` (`None` once closed and drained) |
//! | `q.get_nowait()` | `rx.try_recv()` |
//! | `q.shutdown()` (3.13) | [`Receiver::close`], or drop every sender |
//! | `async for item in ...` | `while let Some(item) = rx.next().await` (both receivers are `Stream`s) |
//! | — | [`Receiver::recv_many`] (a batch), [`Sender::reserve_many`], [`Sender::reserve_owned`], [`Sender::send_timeout`], [`WeakSender`] |
//!
//! Senders are served in FIFO order when the buffer is full, and a `send` future dropped
//! while it waits leaves no trace. The receiver spends one unit of the task's
//! cooperative budget per message, so a busy receiver cannot starve its worker.
//!
//! # Examples
//!
//! A producer feeding a consumer through a buffer of 2 (the producer waits while it is
//! full):
//!
//! ```
//! use eddy::sync::mpsc;
//!
//! eddy::run(async {
//!     let (tx, mut rx) = mpsc::channel(2);
//!     let producer = eddy::spawn(async move {
//!         for i in 0..10 {
//!             tx.send(i).await.unwrap();
//!         }
//!     });
//!     let mut got = Vec::new();
//!     while let Some(i) = rx.recv().await {
//!         got.push(i);
//!     }
//!     producer.await.unwrap();
//!     assert_eq!(got, (0..10).collect::<Vec<_>>());
//! });
//! ```

mod bounded;
pub(crate) mod chan;
pub mod error;
mod owned_permit;
mod permit;
mod reserve;
pub(crate) mod ring;
mod rx;
mod stream;
mod unbounded;
mod weak;

pub use bounded::{channel, Receiver, Sender};
pub use owned_permit::OwnedPermit;
pub use permit::{Permit, PermitIterator};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender};
pub use weak::{WeakSender, WeakUnboundedSender};
