use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;
use messagefoundry::testing;

inbound!(IB_X, mllp(port = 2575), router = r);
outbound!(OB_Y, mllp(host = "127.0.0.1", port = 6661));

#[router]
fn r(_msg: &Message) -> Route {
    route![lookup, slow, plain]
}

/// Awaits blocking work, then edits the message with a checked path.
#[handler(timeout = "5s", message = "ADT^A01")]
async fn lookup(mut msg: Message) -> Result<Outcome, EditError> {
    let mrn = tokio::task::spawn_blocking(|| "E100".to_owned())
        .await
        .unwrap_or_default();
    msg.set("PID-3.1", &mrn)?;
    Ok(Outcome::send(OB_Y, msg))
}

/// Awaits past its timeout.
#[handler(timeout = "20ms")]
async fn slow(_msg: Message) -> Outcome {
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    Outcome::filtered()
}

/// A plain handler beside them, unchanged.
#[handler]
fn plain(_msg: Message) -> Outcome {
    Outcome::filtered()
}

/// No timeout written: the default applies.
#[handler]
async fn unhurried(_msg: Message) -> Outcome {
    Outcome::filtered()
}

fn main() {
    let run = testing::run_text(
        IB_X,
        "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1||M1\r",
    )
    .unwrap();
    assert_eq!(run.sent_to(OB_Y)[0].get(path!("PID-3.1")).er7(), "E100");
    assert_eq!(
        run.handlers()[1].reason.as_deref(),
        Some("handler slow did not finish within its timeout of 20ms")
    );
    assert_eq!(run.handlers()[2].disposition, Disposition::Filtered);
    use messagefoundry::interface::{Handle, Handler};
    match <unhurried as Handler>::DEF.handle {
        Handle::Async { timeout, .. } => {
            assert_eq!(timeout, messagefoundry::__private::DEFAULT_TIMEOUT)
        }
        Handle::Sync(_) => panic!("an async fn is awaited"),
    }
}
