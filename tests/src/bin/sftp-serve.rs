//! An interface binary with SFTP connections for the end-to-end tests: result files picked up
//! from a folder on an SFTP server go on to an EHR over MLLP; orders received over MLLP are
//! written as files to another folder on the server. The declared server, pin, key and
//! folders are placeholders; each test gives the `sshd` it started in an environment file.

use messagefoundry::prelude::*;

inbound!(
    IB_Lab_Sftp,
    sftp(
        host = "127.0.0.1",
        port = 22,
        user = "root",
        // No key's fingerprint: the environment file pins the test server's key.
        host_key = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        key = "client_ed25519",
        dir = "inbox",
        pattern = "*.hl7"
    ),
    router = to_ehr_router
);
outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 9));

inbound!(IB_Orders, mllp(port = 2577), router = to_files_router);
outbound!(
    OB_Order_Files,
    sftp(
        host = "127.0.0.1",
        user = "root",
        // No key's fingerprint: the environment file pins the test server's key.
        host_key = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        key = "client_ed25519",
        dir = "outbox",
        name = "{MSH-10}.hl7"
    )
);

#[router]
fn to_ehr_router(_msg: &Message) -> Route {
    route![to_ehr]
}

#[handler]
fn to_ehr(msg: Message) -> Outcome {
    Outcome::send(OB_EHR, msg)
}

#[router]
fn to_files_router(_msg: &Message) -> Route {
    route![to_file]
}

#[handler]
fn to_file(msg: Message) -> Outcome {
    Outcome::send(OB_Order_Files, msg)
}

messagefoundry::main!();
