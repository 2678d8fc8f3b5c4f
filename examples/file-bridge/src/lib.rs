//! The file bridge: a reference lab drops result files (one or many messages each, batches
//! included) in `inbox/`; each message goes on to the EHR over MLLP. The other way, the EHR
//! sends orders over MLLP on port 2577 and each is written to `outbox/` as a file named by its
//! control ID, for a system that only reads files. The interface is this library;
//! `src/main.rs` makes it the `file-bridge` binary.

use messagefoundry::prelude::*;

// Files picked up from `inbox/` (relative to the folder `serve` runs in): each file once it
// has not changed for a second, then moved to `inbox/done/`.
inbound!(pub IB_LAB_FILES, file(dir = "inbox", pattern = "*.hl7"), router = to_ehr_router);
// The EHR, over MLLP. Loopback here, so running the example can never reach another machine.
outbound!(pub OB_EHR, mllp(host = "127.0.0.1", port = 6664));

// Orders from the EHR over MLLP, each written to `outbox/` as `<MSH-10>.hl7`.
inbound!(pub IB_EHR_ORDERS, mllp(port = 2577), router = to_files_router);
outbound!(pub OB_ORDER_FILES, file(dir = "outbox", name = "{MSH-10}.hl7"));

/// Every message of a file goes to the EHR.
#[router]
fn to_ehr_router(_msg: &Message) -> Route {
    route![to_ehr]
}

/// Sends a lab message to the EHR as received.
#[handler]
fn to_ehr(msg: Message) -> Outcome {
    Outcome::send(OB_EHR, msg)
}

/// Every order is written to a file.
#[router]
fn to_files_router(_msg: &Message) -> Route {
    route![to_file]
}

/// Queues an order for the order files' folder.
#[handler]
fn to_file(msg: Message) -> Outcome {
    Outcome::send(OB_ORDER_FILES, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_to_the_ehr_and_orders_to_files() {
        let result = Message::parse(
            "MSH|^~\\&|LIS|REFLAB|EHR|GH|20240101||ORU^R01|RES1|P|2.5.1\rPID|1||100001^^^GH\r",
        )
        .expect("a result");
        let run = messagefoundry::testing::run(IB_LAB_FILES, &result);
        assert_eq!(run.disposition(), Disposition::Processed);
        assert_eq!(run.sent_to(OB_EHR).len(), 1);
        let order = Message::parse(
            "MSH|^~\\&|EHR|GH|LIS|GH|20240101||ORM^O01|ORD1|P|2.5.1\rPID|1||100001^^^GH\r",
        )
        .expect("an order");
        let run = messagefoundry::testing::run(IB_EHR_ORDERS, &order);
        assert_eq!(run.sent_to(OB_ORDER_FILES).len(), 1);
    }
}
