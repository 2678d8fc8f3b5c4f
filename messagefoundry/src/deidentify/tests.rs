use super::*;

/// An admission with every kind of identifying value, a note, a date result and a Z-segment.
const ADT: &str = "MSH|^~\\&|REG|HOSP|EHR|HOSP|20240301081500||ADT^A01^ADT_A01|CTRL1|P|2.5.1\r\
EVN|A01|20240301081400\r\
PID|1||8675309^4^M10^HOSP^MR~123-45-6789^^^SSA^SS||Doe^Jane^Quinn^^^^L~Smith^Jane^^^^^M||19800229|F|||\
12 Main St^Apt 4B^Springfield^IL^62701^USA^H^^Sangamon||^PRN^PH^^^217^5550123~^NET^Internet^jane.doe@mail.example|||||\
ACC777^^^HOSP^AN|987-65-4321|D1234567^IL|||Chicago\r\
NK1|1|Doe^John|SPO|12 Main St^^Springfield^IL^62701\r\
PV1|1|I|W1^101^A||||1234^Welby^Marcus^^^DR||||||||||||V5550001^^^HOSP^VN|||||||||||||||||||||||||20240301080000|20240305120000\r\
OBX|1|DT|21112-8^Birth date^LN||19800229\r\
OBX|2|TX|NOTE^Note||Patient Jane Doe lives with her husband\r\
NTE|1||Called Jane at home\r\
ZPI|1|Secret Stuff\r";

/// Values that must not survive de-identification (free text aside).
const IDENTIFYING: &[&str] = &[
    "8675309",
    "123-45-6789",
    "Doe",
    "Jane",
    "Quinn",
    "Smith",
    "19800229",
    "12 Main St",
    "Apt 4B",
    "Springfield",
    "62701",
    "Sangamon",
    "5550123",
    "jane.doe",
    "ACC777",
    "987-65-4321",
    "D1234567",
    "Chicago",
    "V5550001",
    "20240301080000",
    "20240305120000",
];

fn run(text: &str, key: &[u8], options: Options) -> (Message, Report) {
    let mut msg = Message::parse(text).unwrap();
    let report = Deidentifier::new(key, options).apply(&mut msg).unwrap();
    (msg, report)
}

fn read(msg: &Message, path: &str) -> String {
    msg[Path::parse(path).unwrap()].to_string()
}

#[test]
fn identifying_values_are_gone_and_the_rest_kept() {
    let (msg, report) = run(ADT, b"test key", Options::default().with_free_text());
    let text = String::from_utf8_lossy(msg.as_bytes()).into_owned();
    for value in IDENTIFYING {
        assert!(!text.contains(value), "{value} survived");
    }
    // Structure, codes and routing fields are kept.
    let ids = |m: &Message| m.segments().map(|s| s.id()).collect::<Vec<_>>();
    assert_eq!(ids(&msg), ids(&Message::parse(ADT).unwrap()));
    for (path, kept) in [
        ("MSH-9", "ADT"),
        ("MSH-10", "CTRL1"),
        ("PID-3.4", "HOSP"),
        ("PID-3.5", "MR"),
        ("PID-3[2].5", "SS"),
        ("PID-5.7", "L"),
        ("PID-8", "F"),
        ("PID-11.4", "IL"),
        ("PID-11.6", "USA"),
        ("PID-13.2", "PRN"),
        ("PV1-3.1", "W1"),
        ("PV1-7.2", "Welby"),
        ("OBX[1]-3.1", "21112-8"),
        ("ZPI-2", "Secret Stuff"),
    ] {
        assert_eq!(read(&msg, path), kept, "{path}");
    }
    // Shapes are kept: the MRN has seven digits, the SSN its dashes, the check digit is gone.
    assert!(read(&msg, "PID-3.1").bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(read(&msg, "PID-3.1").len(), 7);
    assert_eq!(read(&msg, "PID-3.2"), "");
    assert_eq!(read(&msg, "PID-19").as_bytes()[3], b'-');
    assert!(read(&msg, "PID-13[2].4").ends_with("@example.invalid"));
    assert_eq!(read(&msg, "PID-11.9"), "", "county cleared");
    assert_eq!(read(&msg, "OBX[2]-5"), "[removed]");
    assert_eq!(read(&msg, "NTE-3"), "[removed]");
    assert_eq!(report.unknown_segments, 1);
    assert_eq!(report.free_text, 2);
    assert_eq!(report.unreadable_dates, 0);
    assert_eq!(report.names, 7, "{report}");
}

#[test]
fn dates_move_together() {
    let (msg, report) = run(ADT, b"test key", Options::default());
    let day = |path: &str| {
        let text = read(&msg, path);
        let date = jiff::civil::Date::strptime("%Y%m%d", &text[..8]).unwrap();
        (date, text[8..].to_owned())
    };
    let (admit, admit_time) = day("PV1-44");
    let (discharge, discharge_time) = day("PV1-45");
    assert_eq!((discharge - admit).get_days(), 4, "length of stay kept");
    assert_eq!(
        (admit_time.as_str(), discharge_time.as_str()),
        ("080000", "120000")
    );
    // The birth date as a demographic and as a typed result move alike.
    assert_eq!(read(&msg, "PID-7"), read(&msg, "OBX[1]-5"));
    let (msh7, _) = day("MSH-7");
    let (evn2, _) = day("EVN-2");
    assert_eq!(msh7, evn2);
    assert_ne!(read(&msg, "MSH-7"), "20240301081500");
    assert_eq!(report.dates, 6);
    // Free text stays unless asked.
    assert!(read(&msg, "NTE-3").contains("Jane"));
    assert_eq!(report.free_text, 0);
}

#[test]
fn one_key_one_patient_other_keys_other_stand_ins() {
    let (a, _) = run(ADT, b"key one", Options::default());
    let (b, _) = run(ADT, b"key one", Options::default());
    let (c, _) = run(ADT, b"key two", Options::default());
    assert_eq!(a.as_bytes(), b.as_bytes());
    assert_ne!(read(&a, "PID-3.1"), read(&c, "PID-3.1"));
    // The same family name gets the same stand-in wherever it stands.
    assert_eq!(read(&a, "PID-5.1"), read(&a, "NK1-2.1"));
}

#[test]
fn random_keys_differ() {
    let a = Deidentifier::with_random_key(Options::default()).unwrap();
    let b = Deidentifier::with_random_key(Options::default()).unwrap();
    let mut x = Message::parse(ADT).unwrap();
    let mut y = Message::parse(ADT).unwrap();
    a.apply(&mut x).unwrap();
    b.apply(&mut y).unwrap();
    assert_ne!(x.as_bytes(), y.as_bytes());
}

#[test]
fn unreadable_dates_are_cleared() {
    let (msg, report) = run(
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1\rPID|1||1||X||born in spring\r",
        b"k",
        Options::default(),
    );
    assert_eq!(read(&msg, "PID-7"), "");
    assert_eq!(report.unreadable_dates, 1);
}
