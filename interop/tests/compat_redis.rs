//! redis-rs on eddy, the three ways docs/compat.md names, against examples/redis_server
//! in-process: a multiplexed connection over an eddy stream with no tokio runtime at
//! all, the `smol-comp` runtime (smol's reactor thread does the I/O), and `tokio-comp`
//! with a tokio runtime entered by async-compat's `Compat`.

#[path = "../../examples/redis_server/main.rs"]
#[allow(dead_code)]
mod redis_server;
#[path = "../../tests/support/mod.rs"]
mod support;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use async_compat::Compat;
use eddy::net::{TcpListener, TcpStream};
use redis::aio::MultiplexedConnection;
use redis::AsyncCommands;
use support::{runtime, with_timeout, LIMIT};
use tokio_util::compat::FuturesAsyncReadCompatExt;

/// Runs `body` on an eddy runtime with examples/redis_server listening on a free port,
/// failing the test if it takes longer than [`LIMIT`].
fn with_server<F>(body: impl FnOnce(SocketAddr) -> F + Send + 'static)
where
    F: Future<Output = ()>,
{
    with_timeout(LIMIT, move || {
        runtime(2).block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let store = Arc::new(redis_server::resp::Store::new());
            eddy::spawn(redis_server::serve(listener, store));
            body(addr).await;
        })
    });
}

/// SET, GET and INCR through `con`: what each test checks the connection can do.
async fn round_trip(con: &mut MultiplexedConnection) {
    let _: () = con.set("greeting", "hello").await.unwrap();
    let value: String = con.get("greeting").await.unwrap();
    assert_eq!(value, "hello");
    // The example server has INCR, not the INCRBY that `con.incr` sends.
    let counted: i64 = redis::cmd("INCR")
        .arg("counter")
        .query_async(con)
        .await
        .unwrap();
    assert_eq!(counted, 1);
}

#[test]
fn a_multiplexed_connection_over_an_eddy_stream_needs_no_tokio_runtime() {
    with_server(|addr| async move {
        assert!(tokio::runtime::Handle::try_current().is_err());
        let stream = TcpStream::connect(addr).await.unwrap();
        // tokio's I/O traits over eddy's futures-io stream (eddy's `tokio-io` feature
        // gives the stream these traits itself).
        let stream = stream.compat();
        // The default response timeout is a timer of redis-rs' own runtime: off.
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        let (mut con, driver) = MultiplexedConnection::new_with_config(
            &redis::RedisConnectionInfo::default(),
            stream,
            config,
        )
        .await
        .unwrap();
        eddy::spawn(driver);
        round_trip(&mut con).await;
    });
}

#[test]
fn smol_comp_runs_under_eddy_with_no_tokio_runtime() {
    with_server(|addr| async move {
        assert!(tokio::runtime::Handle::try_current().is_err());
        let client = redis::Client::open(format!("redis://{addr}/")).unwrap();
        // With both runtime features on, redis-rs takes smol when no tokio runtime is
        // entered.
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        round_trip(&mut con).await;
    });
}

#[test]
fn tokio_comp_runs_under_eddy_inside_compat() {
    with_server(|addr| async move {
        Compat::new(async move {
            assert!(tokio::runtime::Handle::try_current().is_ok());
            let client = redis::Client::open(format!("redis://{addr}/")).unwrap();
            let mut con = client.get_multiplexed_async_connection().await.unwrap();
            round_trip(&mut con).await;
        })
        .await;
    });
}
