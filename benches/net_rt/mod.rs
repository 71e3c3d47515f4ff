//! The runtimes of `benches/net.rs` behind one interface: [`Rt`] (build, spawn, block on,
//! bind, accept, connect), [`Spawner`] (spawn from the runtime's own tasks) and [`Conn`]
//! (a TCP stream's reads and writes), implemented for eddy on each I/O backend, tokio and
//! smol, so each workload is written once.

use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
// What `socket2::SockRef::from` takes on each OS (for `SO_LINGER` in `close_now`).
#[cfg(unix)]
use std::os::fd::AsFd as AsSocketLike;
#[cfg(windows)]
use std::os::windows::io::AsSocket as AsSocketLike;
use std::time::Duration;

use eddy::runtime::IoBackend;

use crate::common::{self, NUM_WORKERS};

/// A connected TCP stream, owned by one task at a time.
pub trait Conn: AsSocketLike + Send + Sized + 'static {
    fn set_nodelay(&self);
    /// Closes with `SO_LINGER` 0: the kernel sends RST and keeps no TIME_WAIT state (see
    /// [`churn_client`](crate::churn_client) for why `tcp_churn` closes this way).
    fn abort(self) {
        socket2::SockRef::from(&self)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        // `self` is dropped here: deregistered, then closed.
    }
    fn read<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
    fn write_all<'a>(
        &'a mut self,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// Spawns onto a runtime, from the benchmark thread or from its tasks.
pub trait Spawner: Clone + Send + Sync + 'static {
    /// The returned future is the task's output. (By value: a future returned from a
    /// trait method borrows every reference argument, even when it is `'static`.)
    fn spawn<T: Send + 'static>(
        self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static;

    /// Runs `f` with nobody waiting for its end.
    fn detach(&self, f: impl Future<Output = ()> + Send + 'static);
}

impl Spawner for eddy::runtime::Handle {
    fn spawn<T: Send + 'static>(
        self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        let task = eddy::runtime::Handle::spawn(&self, f);
        async move { task.await.unwrap() }
    }
    fn detach(&self, f: impl Future<Output = ()> + Send + 'static) {
        // Dropping eddy's `JoinHandle` detaches the task.
        drop(eddy::runtime::Handle::spawn(self, f));
    }
}

impl Spawner for tokio::runtime::Handle {
    fn spawn<T: Send + 'static>(
        self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        let task = tokio::runtime::Handle::spawn(&self, f);
        async move { task.await.unwrap() }
    }
    fn detach(&self, f: impl Future<Output = ()> + Send + 'static) {
        // Dropping tokio's `JoinHandle` detaches the task.
        drop(tokio::runtime::Handle::spawn(self, f));
    }
}

impl Spawner for &'static async_executor::Executor<'static> {
    fn spawn<T: Send + 'static>(
        self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        async_executor::Executor::spawn(self, f)
    }
    fn detach(&self, f: impl Future<Output = ()> + Send + 'static) {
        // Dropping async-executor's `Task` cancels it; `detach` lets it run.
        async_executor::Executor::spawn(self, f).detach();
    }
}

/// What a workload needs from a runtime.
pub trait Rt: Sized + 'static {
    /// The benchmark's name within its group.
    const NAME: &'static str;
    type Listener: Send + Sync + 'static;
    type Stream: Conn;
    type Spawner: Spawner;

    /// A multi-threaded runtime with [`NUM_WORKERS`] workers and its reactor.
    fn build() -> Self;

    /// A spawner for the runtime's tasks to spawn with.
    fn spawner(&self) -> Self::Spawner;

    /// Spawns from the benchmark thread; the returned future is the task's output.
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        self.spawner().spawn(f)
    }

    /// Runs `f` to completion on the calling thread (with the runtime's context, so
    /// sockets made there register with its reactor).
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// A listener on `127.0.0.1`, port chosen by the kernel, and its address.
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)>;
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + Send + '_;
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> + Send;
}

/// `Conn` through the runtime's own read / write extension traits.
macro_rules! conn {
    ($stream:ty, $read_ext:path, $write_ext:path) => {
        impl Conn for $stream {
            fn set_nodelay(&self) {
                <$stream>::set_nodelay(self, true).unwrap();
            }
            fn read<'a>(
                &'a mut self,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
                async move { <$stream as $read_ext>::read(self, buf).await }
            }
            fn read_exact<'a>(
                &'a mut self,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                // tokio's returns the length read, futures-lite's `()`.
                async move {
                    <$stream as $read_ext>::read_exact(self, buf)
                        .await
                        .map(drop)
                }
            }
            fn write_all<'a>(
                &'a mut self,
                buf: &'a [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                async move { <$stream as $write_ext>::write_all(self, buf).await }
            }
        }
    };
}

conn!(
    eddy::net::TcpStream,
    futures_lite::AsyncReadExt,
    futures_lite::AsyncWriteExt
);
conn!(
    tokio::net::TcpStream,
    tokio::io::AsyncReadExt,
    tokio::io::AsyncWriteExt
);
conn!(
    async_net::TcpStream,
    futures_lite::AsyncReadExt,
    futures_lite::AsyncWriteExt
);

const LOOPBACK: &str = "127.0.0.1:0";

/// One of eddy's I/O backends, chosen with `Builder::io_backend`.
pub trait Backend: 'static {
    /// The benchmark's name within its group.
    const NAME: &'static str;
    const BACKEND: IoBackend;
}

/// epoll, driven directly.
pub struct Epoll;

impl Backend for Epoll {
    const NAME: &'static str = "eddy-epoll";
    const BACKEND: IoBackend = IoBackend::Epoll;
}

/// The `polling` crate (edge-triggered epoll underneath, on Linux).
pub struct Polling;

impl Backend for Polling {
    const NAME: &'static str = "eddy-polling";
    const BACKEND: IoBackend = IoBackend::Polling;
}

/// eddy on one backend.
pub struct Eddy<B>(eddy::Runtime, PhantomData<B>);

pub type EddyEpoll = Eddy<Epoll>;
pub type EddyPolling = Eddy<Polling>;

impl<B> Eddy<B> {
    /// The runtime's handle (`benches/wakeups.rs` reads its worker counters).
    #[allow(dead_code)]
    pub fn handle(&self) -> &eddy::runtime::Handle {
        self.0.handle()
    }
}

impl<B: Backend> Rt for Eddy<B> {
    const NAME: &'static str = B::NAME;
    type Listener = eddy::net::TcpListener;
    type Stream = eddy::net::TcpStream;
    type Spawner = eddy::runtime::Handle;

    fn build() -> Self {
        // The explicit backend wins over a caller's EDDY_IO_BACKEND.
        let rt = common::eddy_runtime(B::BACKEND);
        assert_eq!(rt.handle().io_backend(), B::BACKEND, "{}", B::NAME);
        Eddy(rt, PhantomData)
    }
    fn spawner(&self) -> Self::Spawner {
        self.0.handle().clone()
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> {
        async {
            let listener = eddy::net::TcpListener::bind(LOOPBACK).await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
    }
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + Send + '_ {
        async { listener.accept().await.unwrap().0 }
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> + Send {
        async move { eddy::net::TcpStream::connect(addr).await.unwrap() }
    }
}

pub struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;
    type Spawner = tokio::runtime::Handle;

    fn build() -> Self {
        // I/O and timers, as eddy's runtime has both.
        Tokio(common::tokio_runtime(true))
    }
    fn spawner(&self) -> Self::Spawner {
        self.0.handle().clone()
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> {
        async {
            let listener = tokio::net::TcpListener::bind(LOOPBACK).await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
    }
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + Send + '_ {
        async { listener.accept().await.unwrap().0 }
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> + Send {
        async move { tokio::net::TcpStream::connect(addr).await.unwrap() }
    }
}

/// smol: async-executor run by 2 threads, each in `async_io::block_on(ex.run(..))`, and
/// async-net's sockets on async-io's reactor (polled by whichever thread is idle in
/// `block_on`, else by the `async-io` thread), as in any smol program.
pub struct Smol(common::SmolPool);

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Listener = async_net::TcpListener;
    type Stream = async_net::TcpStream;
    type Spawner = &'static async_executor::Executor<'static>;

    fn build() -> Self {
        Smol(common::SmolPool::new(NUM_WORKERS, |f| {
            async_io::block_on(f)
        }))
    }
    fn spawner(&self) -> Self::Spawner {
        self.0.ex
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_io::block_on(f)
    }
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> {
        async {
            let listener = async_net::TcpListener::bind(LOOPBACK).await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
    }
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + Send + '_ {
        async { listener.accept().await.unwrap().0 }
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> + Send {
        async move { async_net::TcpStream::connect(addr).await.unwrap() }
    }
}
