use messagefoundry::prelude::*;

inbound!(IB_Lab_ORU, mllp(port = 2575), router = oru_router);
outbound!(OB_EHR_ORU, mllp(host = "127.0.0.1", port = 6661));

#[router]
fn oru_router(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted();
    }
    route![to_ehr]
}

#[handler]
fn to_ehr(msg: Message) -> Outcome {
    if msg["OBR-25"] == "X" {
        return Outcome::filtered();
    }
    Outcome::send(OB_EHR_ORU, msg)
}

fn main() {
    let oru = "MSH|^~\\&|LIS|LAB|EHR|HOSP|20260101||ORU^R01|1|P|2.5.1\rOBR|1||||||||||||||||||||||||F\r";
    let run = messagefoundry::testing::run_text(IB_Lab_ORU, oru).unwrap();
    assert_eq!(run.disposition(), Disposition::Processed);
    assert_eq!(run.sent_to(OB_EHR_ORU).len(), 1);
}
