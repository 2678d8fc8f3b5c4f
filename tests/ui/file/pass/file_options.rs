use messagefoundry::interface::{AfterPickup, InboundTransport, OutboundTransport, ParsePolicy};
use messagefoundry::prelude::*;

inbound!(
    IB_FILES,
    file(
        dir = "/data/in",
        pattern = "lab_*.txt",
        settle = "250ms",
        poll = "2s",
        after = delete,
        done = "finished",
        error = "refused",
        max_file = 1048576,
        parse = strict,
        charset = utf8,
    ),
    router = r
);
outbound!(
    OB_ARCHIVE,
    file(dir = "/data/out", name = "{MSH-9.1}_{PID-3.1}_{seq}.hl7", retries = 2, backoff = "2s")
);
outbound!(OB_BATCHES, file(dir = "/data/batches", name = "lab_{seq}.hl7", batch = 500, batch_wait = "5m"));

#[router]
fn r(_msg: &Message) -> Route {
    route![archive]
}

#[handler]
fn archive(msg: Message) -> Outcome {
    Outcome::send(OB_ARCHIVE, msg)
}

fn main() {
    let InboundTransport::File(inb) = IB_FILES.def().transport else {
        panic!("IB_FILES is a file inbound")
    };
    assert_eq!((inb.dir, inb.pattern), ("/data/in", "lab_*.txt"));
    assert_eq!(inb.settle, std::time::Duration::from_millis(250));
    assert_eq!(inb.after, AfterPickup::Delete);
    assert_eq!((inb.done, inb.error, inb.max_file), ("finished", "refused", 1 << 20));
    assert_eq!(inb.parse, ParsePolicy::Strict);
    let OutboundTransport::File(out) = OB_ARCHIVE.def().transport else {
        panic!("OB_ARCHIVE is a file outbound")
    };
    assert_eq!(out.name, "{MSH-9.1}_{PID-3.1}_{seq}.hl7");
    assert_eq!(out.retry.max_attempts, 2);
    assert_eq!(out.retry.initial_backoff, std::time::Duration::from_secs(2));
    assert_eq!(out.batch, None);
    let OutboundTransport::File(batches) = OB_BATCHES.def().transport else {
        panic!("OB_BATCHES is a file outbound")
    };
    assert_eq!(batches.batch, Some(500));
    assert_eq!(batches.batch_wait, std::time::Duration::from_secs(300));
}
