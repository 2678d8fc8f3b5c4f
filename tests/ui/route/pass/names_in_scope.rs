// A route names handlers declared in the module, imported into it, or by path.
use messagefoundry::prelude::*;

mod archive {
    use messagefoundry::prelude::*;

    #[handler]
    pub fn to_archive(_msg: Message) -> Outcome {
        Outcome::filtered()
    }

    #[handler]
    pub fn to_audit(_msg: Message) -> Outcome {
        Outcome::filtered()
    }
}

use archive::to_archive;

#[handler]
fn to_ehr(_msg: Message) -> Outcome {
    Outcome::filtered()
}

#[router]
fn r(_msg: &Message) -> Route {
    route![to_ehr, to_archive, archive::to_audit]
}

inbound!(IB_X, mllp(port = 2575), router = r);

fn main() {
    let msg = Message::parse("MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1\r").unwrap();
    let run = messagefoundry::testing::run(IB_X, &msg);
    let names: Vec<&str> = run.handlers().iter().map(|h| h.handler).collect();
    assert_eq!(names, ["to_ehr", "to_archive", "to_audit"]);
    // A handler is still a function.
    assert_eq!(to_ehr(msg).disposition(), Disposition::Filtered);
}
