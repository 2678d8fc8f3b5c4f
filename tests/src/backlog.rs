//! A store left with a backlog, as a run that crashed while its pipeline lagged behind intake
//! leaves it: messages received and acknowledged, not yet routed.

use std::path::Path;
use std::sync::Arc;

use messagefoundry::hl7::Message;
use messagefoundry::store::{Incoming, MessageInfo, Store, now_micros};

use crate::lab::IB_Lab_ORU;
use crate::oru;

/// Stores one ORU^R01 per control ID, in order, for the lab interface's inbound to route at
/// its next start. The store must not be open elsewhere (the engine is stopped or dead).
pub async fn store_unrouted(db: &Path, control_ids: &[String]) {
    let path = db.to_path_buf();
    let store = tokio::task::spawn_blocking(move || Store::open(path))
        .await
        .expect("open task")
        .expect("the store opens");
    for control_id in control_ids {
        let raw = oru(control_id, "F");
        let msg = Message::parse(raw.clone()).expect("the test message parses");
        let incoming = Incoming {
            inbound: Arc::from(IB_Lab_ORU.name()),
            raw: raw.into(),
            info: MessageInfo::of(IB_Lab_ORU.name(), now_micros(), &msg),
            refused: None,
            dedupe: None,
            index: Vec::new(),
        };
        store.receive(incoming).await.expect("stored");
    }
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .expect("the store closes");
}
