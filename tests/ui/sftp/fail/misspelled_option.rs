use messagefoundry::prelude::*;

inbound!(
    IB_RESULTS,
    sftp(
        host = "sftp.lab.example",
        user = "gh",
        host_key = "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0",
        key = "keys/lab",
        dir = "results",
        patern = "*.hl7"
    ),
    router = r
);

#[router]
fn r(_msg: &Message) -> Route {
    Route::unrouted()
}

fn main() {}
