use messagefoundry::prelude::*;

outbound!(OB_Web, http(url = "ftp://ehr.example.org/hl7"));

fn main() {}
