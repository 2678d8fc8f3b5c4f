use messagefoundry::interface::{
    AckMode, Cidr, InboundTransport, OutboundTransport, ParsePolicy, Plaintext, Tls, ValidatePolicy,
};
use messagefoundry::prelude::*;

inbound!(
    pub IB_ALL,
    mllp(
        port = 2575,
        bind = "127.0.0.1",
        max_frame = 1048576,
        max_connections = 8,
        max_connections_per_peer = 4,
        allow = ["127.0.0.1", "10.1.2.0/24", "fd00:1::/32"],
        first_frame_timeout = "2s",
        idle_timeout = "5m",
        frame_timeout = "10s",
        max_frame_memory = 33554432,
        ack_mode = enhanced,
        duplicate_window = "1h",
        tls = on,
        plaintext = refuse,
        parse = strict,
        validate = tolerant,
        tls_cert = "certs/lab.pem",
        tls_key = "certs/lab-key.pem",
        tls_client_ca = "certs/partners.pem",
    ),
    router = everything,
);
outbound!(
    OB_ALL,
    mllp(
        host = "127.0.0.1",
        port = 6661,
        connect_timeout = "2s",
        send_timeout = "3s",
        ack_timeout = "4s",
        persistent = false,
        batch = 50,
        batch_wait = "200ms",
        retries = 3,
        backoff = "500ms",
        max_backoff = "30s",
        tls_ca = "certs/ehr-ca.pem",
        tls_server_name = "ehr.example.org",
        tls_cert = "certs/engine.pem",
        tls_key = "certs/engine-key.pem",
    )
);

#[router]
fn everything(_msg: &Message) -> Route {
    route![twice, fallible]
}

#[handler(message = "ORU^R01")]
fn twice(msg: Message) -> Outcome {
    Outcome::send_all([(OB_ALL, msg.clone()), (OB_ALL, msg)])
}

#[handler]
fn fallible(msg: Message) -> Result<Outcome, std::num::ParseIntError> {
    let _set_id: u32 = msg["OBX-1"].parse()?;
    Ok(Outcome::filtered())
}

fn main() {
    let InboundTransport::Mllp(def) = IB_ALL.def().transport else {
        panic!("IB_ALL is an MLLP inbound")
    };
    assert_eq!(def.bind, "127.0.0.1");
    assert_eq!(def.ack_mode, AckMode::Enhanced);
    assert_eq!(def.duplicate_window, Some(std::time::Duration::from_secs(3600)));
    assert_eq!((def.tls, def.plaintext), (Tls::On, Plaintext::Refuse));
    assert_eq!(def.parse, ParsePolicy::Strict);
    assert_eq!(def.validate, ValidatePolicy::Tolerant);
    assert_eq!(def.tls_client_ca, Some("certs/partners.pem"));
    let allow: Vec<Cidr> = ["127.0.0.1", "10.1.2.0/24", "fd00:1::/32"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    assert_eq!(def.allow, &allow[..]);
    assert_eq!(def.max_connections_per_peer, Some(4));
    assert_eq!(def.first_frame_timeout, std::time::Duration::from_secs(2));
    assert_eq!(def.max_frame_memory, 32 << 20);
    let OutboundTransport::Mllp(out) = OB_ALL.def().transport else {
        panic!("OB_ALL is an MLLP outbound")
    };
    assert_eq!(out.tls_server_name, Some("ehr.example.org"));
    assert!(!out.persistent);
    assert_eq!(out.batch, Some(50));
    assert_eq!(out.batch_wait, std::time::Duration::from_millis(200));
    assert_eq!(out.retry.max_attempts, 3);
    assert_eq!(out.retry.initial_backoff, std::time::Duration::from_millis(500));
    const P: Path = path!("OBX[2]-5.1");
    assert_eq!(P.to_string(), "OBX[2]-5.1");
}
