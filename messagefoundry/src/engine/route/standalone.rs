//! Routing one message outside the engine (`testing`, the `test` command): on a runtime of
//! the calling thread's own, so that `async` handlers run, and handlers read the values a
//! test set for its thread (`testing::set_value`), on the runtime's threads too.

use messagefoundry_hl7::Message;

use super::process::{Processed, process};
use crate::interface::{Disposition, RouterDef};

/// Routes `msg` through `router` and its handlers, and waits for the result.
///
/// Called from inside a tokio runtime (an async test), where no runtime may start on the
/// caller's thread, it runs on a thread of its own, with the caller's values.
pub(crate) fn process_here(router: &RouterDef, msg: &Message) -> Processed {
    if tokio::runtime::Handle::try_current().is_err() {
        return on_this_thread(router, msg);
    }
    let values = crate::values::all_for_thread();
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                crate::values::set_all_for_thread(values);
                on_this_thread(router, msg)
            })
            .join()
            .unwrap_or_else(|_| failed("the routing thread panicked".to_owned()))
    })
}

fn on_this_thread(router: &RouterDef, msg: &Message) -> Processed {
    let values = crate::values::all_for_thread();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_start(move || crate::values::set_all_for_thread(values.clone()))
        .build();
    match runtime {
        Ok(runtime) => {
            let processed = runtime.block_on(process(router, msg));
            // A handler that timed out may have left blocking work behind (a query waiting on
            // a lock): its result is not wanted, and the caller must not wait for it.
            runtime.shutdown_background();
            processed
        }
        Err(e) => failed(format!(
            "cannot start an async runtime for the handlers: {e}"
        )),
    }
}

fn failed(reason: String) -> Processed {
    Processed {
        disposition: Disposition::Error,
        router_error: Some(reason),
        handlers: Vec::new(),
        sends: Vec::new(),
    }
}
