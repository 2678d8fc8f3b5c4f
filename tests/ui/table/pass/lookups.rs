use messagefoundry::prelude::*;

tables! {
    /// Point-of-care codes.
    point_of_care = "../point_of_care.csv",
}

/// A column can be held in a constant and handed to helpers.
const BED_BOARD: messagefoundry::tables::Column = table!("point_of_care", "bed_board");

mod elsewhere {
    use messagefoundry::prelude::*;

    #[checked]
    pub fn downstream(msg: &Message) -> String {
        table!("point_of_care", "downstream")
            .lookup(&msg["PV1-3.1"])
            .or_pass_through()
    }
}

fn main() {
    let msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPV1|1|I|ICU\r").unwrap();
    assert_eq!(elsewhere::downstream(&msg), "CRITCARE");
    // An empty field is a miss.
    assert_eq!(BED_BOARD.lookup("ICU").or_default("NONE"), "NONE");
    assert_eq!(BED_BOARD.lookup("4W").or_error().unwrap(), "4WEST");
    assert!(BED_BOARD.lookup("5E").or_error().is_err());
    // Names may be written bare, as rustc's suggestions write them.
    assert_eq!(table!(point_of_care, downstream).lookup("4W").or_pass_through(), "MED4W");
}
