use messagefoundry::prelude::*;

outbound!(OB_Web, http(url = "https://ehr.example.org/hl7"));

fn main() {}
