//! [`UdpSocket`]'s options: multicast groups, loops and TTLs, the unicast TTL, the IPv4
//! type of service, broadcast — std's and socket2's calls on the registered socket.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

use socket2::SockRef;

use super::UdpSocket;

impl UdpSocket {
    /// Joins the IPv4 multicast group `multiaddr` on the interface with address
    /// `interface` (`Ipv4Addr::UNSPECIFIED`: the system picks one). Datagrams sent to the
    /// group and to the socket's port arrive on it.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an address that is not multicast; the OS error (no multicast
    /// route, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    ///
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     let group = Ipv4Addr::new(224, 0, 0, 123);
    ///     // A host without a multicast route refuses: an error, not a panic.
    ///     if socket.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_ok() {
    ///         socket.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap();
    ///     }
    /// });
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with index `interface`
    /// (0: the system picks one).
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    ///
    /// eddy::run(async {
    ///     if let Ok(socket) = eddy::net::UdpSocket::bind("[::]:0").await {
    ///         let group: Ipv6Addr = "ff02::123".parse().unwrap();
    ///         if socket.join_multicast_v6(&group, 0).is_ok() {
    ///             socket.leave_multicast_v6(&group, 0).unwrap();
    ///         }
    ///     }
    /// });
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// # Errors
    ///
    /// The OS error (`AddrNotAvailable` if the group was not joined).
    ///
    /// # Examples
    ///
    /// See [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Examples
    ///
    /// See [`join_multicast_v6`](Self::join_multicast_v6).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets `IP_MULTICAST_LOOP`: whether this host's own multicast datagrams come back to
    /// its sockets in the group (on by default).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     socket.set_multicast_loop_v4(false).unwrap();
    ///     assert!(!socket.multicast_loop_v4().unwrap());
    /// });
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(socket.multicast_loop_v4().unwrap());
    /// });
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: how many hops this socket's multicast datagrams may travel
    /// (1 by default: the local network).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     socket.set_multicast_ttl_v4(4).unwrap();
    ///     assert_eq!(socket.multicast_ttl_v4().unwrap(), 4);
    /// });
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IP_MULTICAST_TTL`.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_eq!(socket.multicast_ttl_v4().unwrap(), 1);
    /// });
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP` (an IPv6 socket's [`set_multicast_loop_v4`]).
    ///
    /// [`set_multicast_loop_v4`]: Self::set_multicast_loop_v4
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     if let Ok(socket) = eddy::net::UdpSocket::bind("[::1]:0").await {
    ///         socket.set_multicast_loop_v6(false).unwrap();
    ///         assert!(!socket.multicast_loop_v6().unwrap());
    ///     }
    /// });
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     if let Ok(socket) = eddy::net::UdpSocket::bind("[::1]:0").await {
    ///         assert!(socket.multicast_loop_v6().unwrap());
    ///     }
    /// });
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     socket.set_broadcast(true).unwrap();
    ///     assert!(socket.broadcast().unwrap());
    /// });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether broadcast is allowed.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(!socket.broadcast().unwrap());
    /// });
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets the IP time-to-live of unicast datagrams (`IP_TTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     socket.set_ttl(42).unwrap();
    ///     assert_eq!(socket.ttl().unwrap(), 42);
    /// });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(socket.ttl().unwrap() > 0);
    /// });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the IPv4 type-of-service field (`IP_TOS`) of the datagrams sent (tokio's
    /// `set_tos_v4`; not on Solaris, illumos, Fuchsia, Redox, Haiku).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     socket.set_tos_v4(0x10).unwrap();
    ///     assert_eq!(socket.tos_v4().unwrap(), 0x10);
    /// });
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_tos_v4(tos)
    }

    /// The IPv4 type-of-service field (`IP_TOS`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_eq!(socket.tos_v4().unwrap(), 0);
    /// });
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn tos_v4(&self) -> io::Result<u32> {
        SockRef::from(self.io.get_ref()).tos_v4()
    }

    /// [`set_tos_v4`](Self::set_tos_v4) under tokio's earlier name.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     socket.set_tos(0x08).unwrap();
    ///     assert_eq!(socket.tos().unwrap(), 0x08);
    /// });
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// [`tos_v4`](Self::tos_v4) under tokio's earlier name.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_eq!(socket.tos().unwrap(), 0);
    /// });
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }
}
