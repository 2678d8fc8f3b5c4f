use messagefoundry::prelude::*;

inbound!(
    IB_LAB,
    mllp(port = 2575),
    router = r,
    index = ["PID-3.1", "PID-5[1].1"]
);

inbound!(
    IB_FILES,
    file(dir = "/data/in"),
    router = r,
    index = ["MSH-4"],
);

inbound!(IB_PLAIN, mllp(port = 2576), router = r);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {
    let lab = messagefoundry::interface::index::declared("IB_LAB").expect("declared");
    assert_eq!(lab.names, ["PID-3.1", "PID-5[1].1"]);
    let files = messagefoundry::interface::index::declared("IB_FILES").expect("declared");
    assert_eq!(files.names, ["MSH-4"]);
    assert!(messagefoundry::interface::index::declared("IB_PLAIN").is_none());
}
