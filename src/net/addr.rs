//! [`ToSocketAddrs`]: what `connect`, `bind` and `send_to` take. IP literals resolve in
//! place; host names are looked up off the worker threads.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Anything that names one or more socket addresses: a `SocketAddr`, an `(ip, port)`
/// pair, `"127.0.0.1:8080"`, `"localhost:8080"`, `("example.com", 443)` — the types
/// `std::net::ToSocketAddrs` and `tokio::net::ToSocketAddrs` take.
///
/// IP literals are parsed without a lookup. A host name goes through the system
/// resolver (`getaddrinfo`), which blocks; eddy runs that lookup on the runtime's
/// blocking pool, so a slow DNS server never stalls a worker.
///
/// The trait is sealed: its method is an implementation detail.
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use std::net::SocketAddr;

    /// Keeps [`ToSocketAddrs`](super::ToSocketAddrs) implementable only here.
    pub trait Sealed {
        #[doc(hidden)]
        fn resolved(&self) -> std::io::Result<Resolved>;
    }

    /// What an address turns into: addresses at once, or a name to look up.
    #[derive(Debug)]
    pub enum Resolved {
        Ready(Vec<SocketAddr>),
        Lookup(String, u16),
    }
}

use self::sealed::Resolved;

macro_rules! ready_addrs {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::Sealed for $ty {
            fn resolved(&self) -> io::Result<Resolved> {
                let addrs = std::net::ToSocketAddrs::to_socket_addrs(self)?;
                Ok(Resolved::Ready(addrs.collect()))
            }
        }
    )*};
}

ready_addrs!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::Sealed for [SocketAddr] {
    fn resolved(&self) -> io::Result<Resolved> {
        Ok(Resolved::Ready(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl sealed::Sealed for str {
    fn resolved(&self) -> io::Result<Resolved> {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Ok(Resolved::Ready(vec![addr]));
        }
        let (host, port) = self
            .rsplit_once(':')
            .ok_or_else(|| invalid("missing port"))?;
        let port = port.parse().map_err(|_| invalid("invalid port value"))?;
        Ok(Resolved::Lookup(host.to_owned(), port))
    }
}

impl ToSocketAddrs for String {}
impl sealed::Sealed for String {
    fn resolved(&self) -> io::Result<Resolved> {
        self.as_str().resolved()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::Sealed for (&str, u16) {
    fn resolved(&self) -> io::Result<Resolved> {
        let (host, port) = *self;
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(Resolved::Ready(vec![SocketAddr::new(ip, port)]));
        }
        Ok(Resolved::Lookup(host.to_owned(), port))
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::Sealed for (String, u16) {
    fn resolved(&self) -> io::Result<Resolved> {
        (self.0.as_str(), self.1).resolved()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {
    fn resolved(&self) -> io::Result<Resolved> {
        (**self).resolved()
    }
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Resolves `host` to its socket addresses — tokio's `lookup_host`, asyncio's
/// `getaddrinfo`. IP literals resolve in place; a host name goes through the system
/// resolver on the runtime's blocking pool, so a slow DNS server never stalls a worker.
///
/// # Errors
///
/// `InvalidInput` for a string without a port (`"localhost"`) or with a bad one; the
/// resolver's error for an unknown name.
///
/// # Panics
///
/// When a host name is looked up outside a runtime, naming the fix.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let addrs: Vec<_> = eddy::net::lookup_host("127.0.0.1:80").await.unwrap().collect();
///     assert_eq!(addrs, ["127.0.0.1:80".parse().unwrap()]);
///     for addr in eddy::net::lookup_host("localhost:443").await.unwrap() {
///         assert!(addr.ip().is_loopback());
///     }
/// });
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve_all(host).await?.into_iter())
}

/// Resolves `addr`, possibly to no address; a host name is looked up on the blocking pool.
async fn resolve_all<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    match addr.resolved()? {
        Resolved::Ready(addrs) => Ok(addrs),
        Resolved::Lookup(host, port) => lookup(host, port).await,
    }
}

/// Resolves `addr` to at least one address; a host name is looked up on the blocking pool.
pub(crate) async fn resolve<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    let addrs = resolve_all(addr).await?;
    if addrs.is_empty() {
        return Err(invalid("could not resolve to any address"));
    }
    Ok(addrs)
}

/// Looks `host` up with the system resolver, off the workers.
async fn lookup(host: String, port: u16) -> io::Result<Vec<SocketAddr>> {
    let job = crate::task::spawn_blocking(move || {
        std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Iterator::collect)
    });
    match job.await {
        Ok(result) => result,
        // The job never ran (the blocking pool could not start a thread: the error's kind
        // is the OS's) or panicked.
        Err(err) => {
            let err = io::Error::from(err);
            Err(io::Error::new(
                err.kind(),
                format!("address lookup failed: {err}"),
            ))
        }
    }
}

/// Tries `op` on each address in turn; the last error if none succeeds.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut op: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| invalid("could not resolve to any address")))
}

#[cfg(test)]
mod tests {
    use super::sealed::{Resolved, Sealed};

    #[test]
    fn literals_resolve_in_place_and_names_need_a_lookup() {
        assert!(matches!("127.0.0.1:80".resolved(), Ok(Resolved::Ready(a)) if a.len() == 1));
        assert!(matches!("[::1]:80".resolved(), Ok(Resolved::Ready(_))));
        assert!(matches!(("10.0.0.1", 5).resolved(), Ok(Resolved::Ready(_))));
        assert!(
            matches!("localhost:80".resolved(), Ok(Resolved::Lookup(h, 80)) if h == "localhost")
        );
        assert!("localhost".resolved().is_err());
        assert!("localhost:http".resolved().is_err());
    }
}
