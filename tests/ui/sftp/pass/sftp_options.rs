use std::time::Duration;

use messagefoundry::interface::{AfterPickup, InboundTransport, OutboundTransport};
use messagefoundry::prelude::*;

inbound!(
    IB_RESULTS,
    sftp(
        host = "sftp.lab.example",
        port = 2222,
        user = "gh",
        host_key = "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0",
        key = "keys/lab",
        key_passphrase_file = "/run/secrets/lab-key",
        dir = "results",
        pattern = "*.txt",
        after = delete,
        settle = "5s"
    ),
    router = r
);
outbound!(
    OB_ORDERS,
    sftp(
        host = "sftp.lab.example",
        user = "gh",
        host_key = "sftp.lab.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB4/B8yq5JQcz8wYXHDPAQdwtvXLLlFIg0kWjaLy72Xk",
        password_env = "LAB_SFTP_PASSWORD",
        dir = "orders",
        name = "{MSH-10}_{seq}.hl7",
        retries = 3,
        io_timeout = "10s"
    )
);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {
    let InboundTransport::Sftp { server, folder } = IB_RESULTS.def().transport else {
        panic!("not SFTP");
    };
    assert_eq!((server.host, server.port, server.user), ("sftp.lab.example", 2222, "gh"));
    assert_eq!(server.key, Some("keys/lab"));
    assert_eq!(server.key_passphrase_file, Some("/run/secrets/lab-key"));
    assert_eq!((folder.dir, folder.pattern), ("results", "*.txt"));
    assert_eq!(folder.after, AfterPickup::Delete);
    assert_eq!(folder.settle, Duration::from_secs(5));
    let OutboundTransport::Sftp { server, folder } = OB_ORDERS.def().transport else {
        panic!("not SFTP");
    };
    assert_eq!((server.port, server.password_env, server.key), (22, Some("LAB_SFTP_PASSWORD"), None));
    assert_eq!(server.io_timeout, Duration::from_secs(10));
    assert_eq!((folder.dir, folder.name, folder.retry.max_attempts), ("orders", "{MSH-10}_{seq}.hl7", 3));
}
