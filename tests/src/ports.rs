//! Addresses the tests own. A test never delivers to a fixed port (something else on the
//! machine may listen there) nor to a port it looked up and let go (anything may take it
//! meanwhile): a downstream that is down is a port the test holds.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;

use tokio::net::{TcpListener, TcpSocket};

/// A loopback port the test holds: bound, so no other program can take it, and not listening,
/// so every connection to it is refused at once, as by a downstream that is down.
/// [`Reserved::listen`] brings the downstream up at the same address.
pub struct Reserved {
    socket: TcpSocket,
    addr: SocketAddr,
}

impl Reserved {
    /// Binds a free loopback port without listening on it.
    pub fn new() -> Reserved {
        let socket = TcpSocket::new_v4().expect("test setup: a socket");
        socket
            .bind((Ipv4Addr::LOCALHOST, 0).into())
            .expect("test setup: bind a loopback port");
        let addr = socket.local_addr().expect("test setup: the bound address");
        Reserved { socket, addr }
    }

    /// The held address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The held port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Starts listening on the held port; inside a Tokio runtime.
    pub fn listen(self) -> TcpListener {
        self.socket.listen(128).expect("test setup: listen")
    }
}

impl Default for Reserved {
    fn default() -> Reserved {
        Reserved::new()
    }
}

/// A loopback port this test process holds for its whole run, never listening: where a
/// downstream that stays down "is". One for the process is enough, since nothing is ever
/// accepted there.
pub fn down_port() -> u16 {
    static DOWN: OnceLock<Reserved> = OnceLock::new();
    DOWN.get_or_init(Reserved::new).port()
}
