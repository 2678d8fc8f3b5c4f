use messagefoundry::prelude::*;

outbound!(OB_Web, htp(url = "http://127.0.0.1:8080/hl7"));

fn main() {}
