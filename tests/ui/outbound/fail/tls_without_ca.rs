use messagefoundry::prelude::*;

outbound!(OB_X, mllp(host = "ehr", port = 6661, tls_server_name = "ehr.example.org"));

fn main() {}
