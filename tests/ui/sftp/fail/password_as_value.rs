use messagefoundry::prelude::*;

// A secret is never an option's value: only where it is read from.
outbound!(
    OB_ORDERS,
    sftp(
        host = "sftp.lab.example",
        user = "gh",
        host_key = "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0",
        password = "s3cret",
        dir = "orders"
    )
);

fn main() {}
