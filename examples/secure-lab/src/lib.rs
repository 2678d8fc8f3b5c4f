//! The lab results feed over mutual TLS. The lab connects to port 2577 with a client
//! certificate the engine's CA list accepts (plaintext is refused); the engine delivers to the
//! EHR over TLS, trusting the EHR's CA and presenting its own client certificate. Results go on
//! to the EHR; a result whose patient has no identifier is an ERROR to look at; anything that
//! is not a result is unrouted.
//!
//! Every certificate is a PEM file named in the declarations below, relative to the folder
//! `serve` runs in; an environment file moves them (see `environments/`). `secure-lab-certs`
//! makes a set for trying the interface out.

use messagefoundry::prelude::*;

// Receive over TLS only, from peers whose client certificate the CA in tls/ca.pem signed.
inbound!(
    pub IB_Lab_ORU,
    mllp(
        port = 2577,
        plaintext = refuse,
        tls_cert = "tls/engine.pem",
        tls_key = "tls/engine-key.pem",
        tls_client_ca = "tls/ca.pem",
    ),
    router = oru_router
);

// Send over TLS to the EHR (loopback here, so the example never reaches another machine),
// trusting its CA and proving who we are with a client certificate.
outbound!(
    pub OB_EHR_ORU,
    mllp(
        host = "127.0.0.1",
        port = 6664,
        tls_ca = "tls/ca.pem",
        tls_cert = "tls/engine-client.pem",
        tls_key = "tls/engine-client-key.pem",
    )
);

/// Results go to the EHR; nothing else is routed.
#[router]
pub fn oru_router(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted(); // not a result
    }
    route![to_ehr]
}

/// Sends results to the EHR, unless their patient has no identifier for the EHR to file them
/// under.
#[handler]
pub fn to_ehr(msg: Message) -> Outcome {
    if msg["PID-3.1"].is_empty() {
        return Outcome::error("the patient has no identifier (PID-3)");
    }
    Outcome::send(OB_EHR_ORU, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use messagefoundry::testing;

    const ORU: &str = include_str!("../samples/oru_r01.hl7");
    const NO_MRN: &str = include_str!("../samples/oru_r01_no_mrn.hl7");
    const ORM: &str = include_str!("../samples/orm_o01.hl7");

    #[test]
    fn results_reach_the_ehr_unchanged() {
        let run = testing::run_text(IB_Lab_ORU, ORU).unwrap();
        assert_eq!(run.disposition(), Disposition::Processed);
        let sent = run.sent_to(OB_EHR_ORU);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].as_bytes(), ORU.as_bytes());
    }

    #[test]
    fn a_result_without_a_patient_identifier_is_an_error() {
        let run = testing::run_text(IB_Lab_ORU, NO_MRN).unwrap();
        assert_eq!(run.disposition(), Disposition::Error);
        assert_eq!(
            run.handlers()[0].reason.as_deref(),
            Some("the patient has no identifier (PID-3)")
        );
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }

    #[test]
    fn orders_are_unrouted() {
        let run = testing::run_text(IB_Lab_ORU, ORM).unwrap();
        assert_eq!(run.disposition(), Disposition::Unrouted);
        assert!(run.sent_to(OB_EHR_ORU).is_empty());
    }
}
