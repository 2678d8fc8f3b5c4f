use messagefoundry::prelude::*;

outbound!(OB_ORDERS, sftp(host = "sftp.lab.example", user = "gh", host_key = "yes", key = "keys/lab", dir = "orders"));

fn main() {}
