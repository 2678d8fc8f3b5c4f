//! Procedural macros of MessageFoundry: `inbound!`, `outbound!`, `#[router]`, `#[handler]`,
//! `route!`, `#[checked]`, `path!`, `segment!`, `new_message!`, `tables!`, `table!`, `values!`,
//! `value!` and `main!`.
//!
//! Each macro here is a one-line shim; the work is done by `proc_macro2` code in the modules,
//! which parse, check and expand as separate steps. On an error a macro emits the user's item
//! unchanged beside the `compile_error!`, so one mistake gives one error and editors keep
//! working. Use the macros through the `messagefoundry` crate, which re-exports them.

mod body;
mod checked;
mod connection;
mod function;
mod handler_args;
mod index;
mod lookup;
mod main_macro;
mod manifest;
mod message_type;
mod named;
mod new_message;
mod options;
mod path_literal;
mod route;
mod segment_literal;
mod tables;
mod values;

use proc_macro::TokenStream;

/// Checks an HL7 path literal at compile time and turns it into a `const` `Path`:
/// `path!("OBR-25")`.
#[proc_macro]
pub fn path(input: TokenStream) -> TokenStream {
    path_literal::expand_macro(input.into()).into()
}

/// Checks an HL7 segment ID literal at compile time and turns it into a `const` `SegmentId`:
/// `msg.segments_named(segment!("OBX"))`, `seg.id() == segment!("ZPI")`. The ID must be a
/// segment of the crate's HL7 version or a Z-segment its `Cargo.toml` declares.
#[proc_macro]
pub fn segment(input: TokenStream) -> TokenStream {
    segment_literal::expand_macro(input.into()).into()
}

/// Starts a new message of a type checked at compile time: `new_message!("ORU^R01")` is a
/// `MessageBuilder` of the crate's HL7 version (`hl7-version` in its `Cargo.toml`), whose
/// MSH-7 shows the clock of the crate's `time-zone` (UTC when none is set). A type that is
/// not one of the version fails the build, at the literal; a locally defined `Z…` type is
/// allowed.
#[proc_macro]
pub fn new_message(input: TokenStream) -> TokenStream {
    new_message::expand_macro(input.into()).into()
}

/// Checks the HL7 literals of a helper as `#[router]` and `#[handler]` check theirs: on a
/// function, an `impl` block (every method), a trait or an inline `mod` (everything in it).
///
/// In it, `msg["PID-5.1"]`, the first argument of `get`, `set`, `set_null`, `set_er7`, `clear`,
/// `repetitions` and `datetime`, and the argument of `segments_named("OBX")` are checked against the
/// crate's HL7 version and declared Z-segments and become constants; a wrong one fails the
/// build with an error at the literal. Literals inside closures and inside macros whose
/// arguments are expressions (`assert_eq!`, `format!`) are checked too.
///
/// ```text
/// #[checked]
/// fn family_name(msg: &Message) -> String {
///     msg["PID-5.1"].to_uppercase()
/// }
/// ```
#[proc_macro_attribute]
pub fn checked(args: TokenStream, item: TokenStream) -> TokenStream {
    checked::expand(args.into(), item.into()).into()
}

/// Marks a router: `#[router] fn name(msg: &Message) -> Route`.
#[proc_macro_attribute]
pub fn router(args: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(function::Kind::Router, args.into(), item.into()).into()
}

/// Marks a handler: `#[handler] fn name(msg: Message) -> Outcome`, or `async fn` for one that
/// awaits I/O (a database, a web service), optionally `#[handler(message = "ORU^R01")]`.
///
/// An `async` handler may take 30 seconds, or what `#[handler(timeout = "2s")]` says; past
/// it, its disposition is ERROR. A timeout on a plain `fn` is a compile error: it could not
/// be stopped.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(function::Kind::Handler, args.into(), item.into()).into()
}

/// Routes a message to handlers: `route![to_ehr, to_archive]`, in a `#[router]`.
///
/// Each name is a `#[handler]` function declared or imported in the module (or a path to one);
/// a typo, a plain function or a router is one compile error at the name.
#[proc_macro]
pub fn route(input: TokenStream) -> TokenStream {
    route::expand(input.into()).into()
}

/// Declares an inbound connection: an MLLP listener,
/// `inbound!(IB_NAME, mllp(port = 2575), router = my_router)`, or a folder files are picked up
/// from, `inbound!(IB_NAME, file(dir = "/data/in", pattern = "*.hl7"), router = my_router)`.
///
/// `IB_NAME` becomes a constant naming the connection (operators see the name in logs and in
/// `messages`); `router` names a `#[router]` function. Options go inside `mllp(…)` or
/// `file(…)`; each can be overridden per environment under `[inbound.IB_NAME]` in
/// `environments/<env>.toml`, with the same key. Every option is checked here, at build time.
///
/// `mllp(…)`:
///
#[doc = include_str!("../docs/inbound-options.md")]
///
/// `file(…)`:
///
#[doc = include_str!("../docs/file-inbound-options.md")]
///
/// Durations are strings such as `"500ms"`, `"30s"`, `"10m"`, `"1h"`. The choices of
/// `ack_mode`, `tls`, `plaintext`, `parse` and `validate` are bare words here (`ack_mode = enhanced`) and
/// strings in an environment file (`ack_mode = "enhanced"`).
///
/// `http(port = 8080, path = "/hl7", …)` instead of `mllp(…)` declares an HTTP inbound: HL7 v2
/// posted to the path, the ACK in the response (its options are listed in `docs/options.md`,
/// its statuses in `docs/http.md`).
///
/// `sftp(host = "…", user = "…", host_key = "SHA256:…", key = "…", dir = "…", …)` declares a
/// folder on an SFTP server, picked up from as `file(…)` picks up a local one (its options are
/// listed in `docs/options.md`; the host key is required: it is pinned, never trusted on first
/// use).
#[proc_macro]
pub fn inbound(input: TokenStream) -> TokenStream {
    connection::expand(messagefoundry_options::Direction::Inbound, input.into()).into()
}

/// Declares an outbound connection: an MLLP sender,
/// `outbound!(OB_NAME, mllp(host = "10.0.0.5", port = 6661))`, or a folder each message is
/// written to as a file, `outbound!(OB_NAME, file(dir = "/data/out", name = "{MSH-10}.hl7"))`.
///
/// `OB_NAME` becomes a constant that handlers send to (`Outcome::send(OB_NAME, msg)`). Options
/// go inside `mllp(…)` or `file(…)`; each can be overridden per environment under
/// `[outbound.OB_NAME]` in `environments/<env>.toml`, with the same key. Every option is
/// checked here, at build time, and each HL7 path of a file name template against the schema.
///
/// `mllp(…)`:
///
#[doc = include_str!("../docs/outbound-options.md")]
///
/// `file(…)`:
///
#[doc = include_str!("../docs/file-outbound-options.md")]
///
/// Durations are strings such as `"500ms"`, `"30s"`, `"10m"`, `"1h"`.
///
/// `http(url = "https://…", tls_ca = "…", …)` instead of `mllp(…)` declares an HTTP outbound:
/// each message posted to the URL, the response read as its ACK (see `docs/http.md`).
///
/// `sftp(host = "…", user = "…", host_key = "SHA256:…", key = "…", dir = "…", name = "…")`
/// writes each message as a file in a folder on an SFTP server, as `file(…)` does locally.
#[proc_macro]
pub fn outbound(input: TokenStream) -> TokenStream {
    connection::expand(messagefoundry_options::Direction::Outbound, input.into()).into()
}

/// Declares the crate's code tables, in its root (`lib.rs` or `main.rs`): each a CSV file,
/// relative to this source file as `include_str!` reads, whose header names the columns (the
/// first is the key):
///
/// ```text
/// tables! {
///     /// The registration system's point-of-care codes and the downstreams' codes for them.
///     point_of_care = "../tables/point_of_care.csv",
/// }
/// ```
///
/// Each file is read and checked now and built into the binary; an environment file may point
/// a table at another file (`[tables]`), which `serve` reloads when it changes. Look a key up
/// with [`table!`].
#[proc_macro]
pub fn tables(input: TokenStream) -> TokenStream {
    tables::expand(input.into(), proc_macro::Span::call_site().local_file()).into()
}

/// A column of a table that [`tables!`] declares: `table!("point_of_care", "downstream")`,
/// then `.lookup(key)` and a miss policy. A table or column that is not declared fails the
/// build with an error at its literal. The names may also be written bare:
/// `table!(point_of_care, downstream)`.
#[proc_macro]
pub fn table(input: TokenStream) -> TokenStream {
    lookup::expand_table(input.into()).into()
}

/// Declares the crate's values per environment, in its root: a name, a type (`text`,
/// `integer`, `flag`, `duration`) and optionally a default.
///
/// ```text
/// values! {
///     /// MSH-6 of the EHR's copy.
///     ehr_facility: text,
///     lookup_timeout: duration = "5s",
/// }
/// ```
///
/// Each environment sets them under `[values]`; `check` reports one missing, unknown or of the
/// wrong type. Read one with [`value!`].
#[proc_macro]
pub fn values(input: TokenStream) -> TokenStream {
    values::expand(input.into()).into()
}

/// The value of a [`values!`] declaration in the environment `serve` runs with, of its
/// declared type: `msg.set("MSH-6", &value!("ehr_facility"))`. A name that is not declared
/// fails the build with an error at its literal. The name may also be written bare:
/// `value!(ehr_facility)`.
#[proc_macro]
pub fn value(input: TokenStream) -> TokenStream {
    lookup::expand_value(input.into()).into()
}

/// The interface binary's `main`: gathers every connection of the crate and runs the command
/// line.
#[proc_macro]
pub fn main(input: TokenStream) -> TokenStream {
    main_macro::expand(input.into()).into()
}
