use messagefoundry::prelude::*;

outbound!(OB_Web, http(url = "http://127.0.0.1:8080/hl7", auth_user = "lab"));

fn main() {}
