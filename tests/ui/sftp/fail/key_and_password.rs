use messagefoundry::prelude::*;

outbound!(
    OB_ORDERS,
    sftp(
        host = "sftp.lab.example",
        user = "gh",
        host_key = "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0",
        key = "keys/lab",
        password_env = "LAB_SFTP_PASSWORD",
        dir = "orders"
    )
);

fn main() {}
