//! Procedural macros of MessageFoundry: `inbound!`, `outbound!`, `#[router]`, `#[handler]`,
//! `#[checked]`, `path!`, `segment!` and `main!`.
//!
//! Each macro here is a one-line shim; the work is done by `proc_macro2` code in the modules,
//! which parse, check and expand as separate steps. On an error a macro emits the user's item
//! unchanged beside the `compile_error!`, so one mistake gives one error and editors keep
//! working. Use the macros through the `messagefoundry` crate, which re-exports them.

mod body;
mod checked;
mod connection;
mod function;
mod main_macro;
mod manifest;
mod options;
mod path_literal;
mod segment_literal;

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

/// Checks the HL7 literals of a helper as `#[router]` and `#[handler]` check theirs: on a
/// function, an `impl` block (every method), a trait or an inline `mod` (everything in it).
///
/// In it, `msg["PID-5.1"]`, the first argument of `get`, `set`, `set_null`, `set_er7`, `clear`
/// and `repetitions`, and the argument of `segments_named("OBX")` are checked against the
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

/// Marks a handler: `#[handler] fn name(msg: Message) -> Outcome`, optionally
/// `#[handler(message = "ORU^R01")]`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(function::Kind::Handler, args.into(), item.into()).into()
}

/// Declares an MLLP listener: `inbound!(IB_NAME, mllp(port = 2575), router = my_router)`.
///
/// `IB_NAME` becomes a constant naming the connection (operators see the name in logs and in
/// `messages`); `router` names a `#[router]` function. Options go inside `mllp(…)`; each can be
/// overridden per environment under `[inbound.IB_NAME]` in `environments/<env>.toml`, with the
/// same key. Every option is checked here, at build time.
///
/// | option | default | meaning |
/// |---|---|---|
/// | `port` | (required) | TCP port to listen on |
/// | `bind` | `"0.0.0.0"` | address to listen on |
/// | `max_frame` | 16 MiB | largest frame accepted, in bytes; a larger one is refused (AR) while it arrives |
/// | `max_connections` | 64 | connections served at once; at the cap one that delivered no frame, else the one quiet longest, is closed to make room |
/// | `max_connections_per_peer` | off | connections at once from one peer address |
/// | `allow` | every peer | peer addresses and networks served: `allow = ["127.0.0.1", "10.1.2.0/24"]` |
/// | `first_frame_timeout` | `"5s"` | a new connection must begin its first frame this soon |
/// | `frame_timeout` | `"30s"` | a frame must end this soon after it begins |
/// | `idle_timeout` | `"10m"` | a connection with no frame for this long is closed |
/// | `max_frame_memory` | 64 MiB | bytes the inbound's arriving frames may hold together beyond 64 KiB each |
/// | `ack_mode` | `original` | `original` (AA once stored), `enhanced` (CA, then the application ACK as MSH-15/16 ask), `after_processing` (AA/AE once routed), `none` |
/// | `duplicate_window` | off | a message repeating MSH-3 + MSH-10 within this time is answered and not routed again: `duplicate_window = "24h"` |
/// | `tls` | `on` | `on`: TLS for peers that speak it (a self-signed certificate unless `tls_cert`); `off`: plaintext only |
/// | `plaintext` | `allow` | `allow` or `refuse` plaintext peers on a TLS listener |
/// | `validate` | `off` | `tolerant` or `strict`: validate each message against the schema (the presets of `hl7 validate`); one that fails is answered AE with an ERR per finding, stored as ERROR and not routed |
/// | `parse` | `tolerant` | `tolerant`: repair blank lines, line endings and trailing whitespace (recorded with the message); `strict`: refuse them |
/// | `tls_cert`, `tls_key` | generated | the listener's certificate and key (PEM files), together |
/// | `tls_client_ca` | none | ask for client certificates signed by these CAs (mutual TLS) |
///
/// Durations are strings such as `"500ms"`, `"30s"`, `"10m"`, `"1h"`. The choices of
/// `ack_mode`, `tls`, `plaintext`, `parse` and `validate` are bare words here (`ack_mode = enhanced`) and
/// strings in an environment file (`ack_mode = "enhanced"`).
#[proc_macro]
pub fn inbound(input: TokenStream) -> TokenStream {
    connection::expand(connection::Direction::Inbound, input.into()).into()
}

/// Declares an MLLP sender: `outbound!(OB_NAME, mllp(host = "10.0.0.5", port = 6661))`.
///
/// `OB_NAME` becomes a constant that handlers send to (`Outcome::send(OB_NAME, msg)`). Options
/// go inside `mllp(…)`; each can be overridden per environment under `[outbound.OB_NAME]` in
/// `environments/<env>.toml`, with the same key. Every option is checked here, at build time.
///
/// | option | default | meaning |
/// |---|---|---|
/// | `host` | (required) | the downstream's host name or address |
/// | `port` | (required) | the downstream's TCP port |
/// | `connect_timeout` | `"10s"` | time to connect, the TLS handshake included |
/// | `send_timeout` | `"30s"` | time to write one message |
/// | `ack_timeout` | `"30s"` | time for the ACK to arrive |
/// | `persistent` | `true` | keep one connection between messages (`false`: a connection per message) |
/// | `retries` | 5 | attempts for a message answered AE/CE before it is dead-lettered |
/// | `backoff` | `"1s"` | the first wait before a retry, doubled each time |
/// | `max_backoff` | `"60s"` | the longest wait before a retry |
/// | `tls_ca` | none | speak TLS, trusting the CAs (or self-signed certificate) in this PEM file |
/// | `tls_fingerprint` | none | speak TLS, trusting only the certificate with this SHA-256 fingerprint |
/// | `tls_server_name` | the host | the name the downstream's certificate must carry |
/// | `tls_cert`, `tls_key` | none | a client certificate and key (PEM files), for mutual TLS |
///
/// Durations are strings such as `"500ms"`, `"30s"`, `"10m"`, `"1h"`.
#[proc_macro]
pub fn outbound(input: TokenStream) -> TokenStream {
    connection::expand(connection::Direction::Outbound, input.into()).into()
}

/// The interface binary's `main`: gathers every connection of the crate and runs the command
/// line.
#[proc_macro]
pub fn main(input: TokenStream) -> TokenStream {
    main_macro::expand(input.into()).into()
}
