use messagefoundry::prelude::*;

inbound!(
    IB_Web,
    http(port = 8443, path = "/hl7/lab", max_body = 1048576, auth_token_env = "LAB_TOKEN", plaintext = refuse),
    router = r
);
outbound!(
    OB_Web,
    http(
        url = "https://ehr.example.org/hl7",
        tls_ca = "ehr-ca.pem",
        response_timeout = "10s",
        headers = ["X-Feed: lab"],
        auth_user = "lab",
        auth_password_env = "EHR_PASSWORD"
    )
);

#[router]
fn r(_msg: &Message) -> Route {
    route![h]
}

#[handler]
fn h(msg: Message) -> Outcome {
    Outcome::send(OB_Web, msg)
}

fn main() {
    let inbound = IB_Web.def();
    assert_eq!(inbound.listen().map(|l| l.max_frame), Some(1048576));
    assert_eq!(inbound.http().map(|h| h.path), Some("/hl7/lab"));
    assert!(inbound.mllp().is_none());
    let outbound = OB_Web.def();
    assert_eq!(
        outbound.connect().map(|c| c.ack_timeout),
        Some(std::time::Duration::from_secs(10))
    );
    assert_eq!(outbound.http().map(|h| h.headers), Some(&["X-Feed: lab"][..]));
    assert!(outbound.mllp().is_none());
}
