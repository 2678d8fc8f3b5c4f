use messagefoundry::prelude::*;

outbound!(OB_ORDERS, sftp(host = "sftp.lab.example", user = "gh", key = "keys/lab", dir = "orders"));

fn main() {}
