//! Inbound and outbound connections as declared with `inbound!` and `outbound!`.
//!
//! Every setting has a default (given on each field) that an `inbound!`/`outbound!` option
//! overrides. The engine applies them; settings it does not apply yet say so.

use std::time::Duration;

use super::file::FileIn;
use super::file::FileOut;
use super::http::{HttpConnect, HttpListen};
use super::router::RouterDef;
use super::sftp::SftpServer;
use crate::config::Cidr;

/// How an inbound acknowledges what it receives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AckMode {
    /// Original mode: AA once the message is stored. The default.
    Original,
    /// Enhanced mode: CA once stored, as MSH-15 (accept ACK type) asks; then AA/AE on the same
    /// connection once processed, as MSH-16 (application ACK type) asks.
    Enhanced,
    /// AA/AE/AR after the router and handlers ran, reflecting their result.
    AfterProcessing,
    /// No acknowledgment is sent.
    None,
}

/// Whether an inbound speaks TLS.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tls {
    /// TLS for every peer that speaks it: with the configured certificate, or else with a
    /// self-signed one generated at first start and kept beside the store. The default.
    On,
    /// Plaintext only.
    Off,
}

/// Whether a TLS-capable inbound also serves peers that speak plaintext on the same port
/// (told apart by their first byte).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Plaintext {
    /// Served, and each such connection logged. The default: many systems cannot speak TLS.
    Allow,
    /// Refused: the hardened form.
    Refuse,
}

/// How an inbound reads a frame that is not quite well-formed HL7.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParsePolicy {
    /// Repairs problems of whitespace and line endings only (blank lines between segments,
    /// `\n` or `\r\n` endings, trailing whitespace after the last segment, framing bytes left
    /// inside the frame), as most engines do. The default. What was repaired is recorded with
    /// the stored message; the stored bytes are always those received.
    Tolerant,
    /// Refuses anything that is not well-formed (AR, or CR in enhanced mode).
    Strict,
}

/// The character set an inbound reads its messages' text in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CharsetPolicy {
    /// The one MSH-18 declares. The default. A message that declares ISO-8859-1 over UTF-8
    /// bytes is noticed, recorded with the stored message and warned about once per
    /// connection, and still read as declared.
    Declared,
    /// UTF-8, whatever MSH-18 says: for a sender that declares `8859/1` and sends UTF-8.
    Utf8,
    /// ISO-8859-1, whatever MSH-18 says.
    Latin1,
}

impl CharsetPolicy {
    /// Sets the message's reading as the policy says; its bytes never change.
    pub fn apply(self, msg: &mut messagefoundry_hl7::Message) {
        match self {
            CharsetPolicy::Declared => {}
            CharsetPolicy::Utf8 => msg.read_as(messagefoundry_hl7::Charset::Utf8),
            CharsetPolicy::Latin1 => msg.read_as(messagefoundry_hl7::Charset::Latin1),
        }
    }
}

/// Whether an inbound validates each message against the HL7 schema before it routes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValidatePolicy {
    /// No validation at intake. The default.
    Off,
    /// The tolerant preset of `hl7 validate`: structure, required fields, data types.
    Tolerant,
    /// The strict preset: also repetitions, lengths, tables.
    Strict,
}

/// The code a message that fails validation at intake is answered with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InvalidAck {
    /// AE, application error: the sender may correct and resend. The default.
    Ae,
    /// AR, application reject: for partners that treat AR as "do not resend as is".
    Ar,
}

impl InvalidAck {
    /// The acknowledgment code.
    pub fn code(self) -> messagefoundry_hl7::ack::Code {
        match self {
            InvalidAck::Ae => messagefoundry_hl7::ack::Code::ApplicationError,
            InvalidAck::Ar => messagefoundry_hl7::ack::Code::ApplicationReject,
        }
    }
}

impl ValidatePolicy {
    /// The validation options of the policy; `None` when off.
    pub fn options(self) -> Option<messagefoundry_hl7::validate::Options<'static>> {
        match self {
            ValidatePolicy::Off => None,
            ValidatePolicy::Tolerant => Some(messagefoundry_hl7::validate::Options::tolerant()),
            ValidatePolicy::Strict => Some(messagefoundry_hl7::validate::Options::strict()),
        }
    }
}

impl ParsePolicy {
    /// Reads a frame as the policy says: the message, and, when it parsed only once repaired,
    /// what strict parsing objected to.
    pub fn read(
        self,
        raw: &[u8],
    ) -> Result<
        (
            messagefoundry_hl7::Message,
            Option<messagefoundry_hl7::ParseError>,
        ),
        messagefoundry_hl7::ParseError,
    > {
        use messagefoundry_hl7::{Message, ParseOptions};
        let strict = match Message::parse_with(raw.to_vec(), ParseOptions::default()) {
            Ok(msg) => return Ok((msg, None)),
            Err(e) => e,
        };
        match self {
            ParsePolicy::Strict => Err(strict),
            ParsePolicy::Tolerant => {
                let msg = Message::parse_with(raw.to_vec(), ParseOptions { tolerant: true })?;
                Ok((msg, Some(strict)))
            }
        }
    }

    /// Reads a message the store holds. It was accepted at intake, strictly or once repaired;
    /// tolerant parsing accepts both, so the same message comes back.
    pub(crate) fn stored(
        raw: Vec<u8>,
    ) -> Result<messagefoundry_hl7::Message, messagefoundry_hl7::ParseError> {
        messagefoundry_hl7::Message::parse_with(
            raw,
            messagefoundry_hl7::ParseOptions { tolerant: true },
        )
    }
}

/// How often and how patiently a sender retries a message the downstream answered AE/CE, or
/// could not be reached for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RetryPolicy {
    /// Attempts for a message answered AE/CE before it is dead-lettered. Default 5.
    pub max_attempts: u32,
    /// The first wait between attempts; it doubles each time. Default 1 s.
    pub initial_backoff: Duration,
    /// The longest wait between attempts. Default 60 s.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// 5 attempts, backing off from 1 s to at most 60 s.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(60),
    };
}

/// An MLLP listener's settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MllpListen {
    /// Address to bind. Default `0.0.0.0` (every interface).
    pub bind: &'static str,
    /// TCP port. No default: every inbound names its port.
    pub port: u16,
    /// Largest frame accepted, in bytes; larger ones are refused while they arrive.
    /// Default 16 MiB.
    pub max_frame: usize,
    /// Most connections served at once. At the cap a new connection is served by closing one
    /// that has not yet delivered a frame, or else the one quiet longest between frames.
    /// Default 64.
    pub max_connections: usize,
    /// Most connections at once from one peer address; more are refused before anything is
    /// read. Default off: partners may share an address.
    pub max_connections_per_peer: Option<usize>,
    /// Peer addresses and networks served; others are closed before anything is read.
    /// Default empty: every peer.
    pub allow: &'static [Cidr],
    /// A new connection must begin its first frame this soon (a TLS handshake included), or
    /// it is closed. Default 5 s.
    pub first_frame_timeout: Duration,
    /// A connection with no traffic for this long is closed. Default 10 minutes.
    pub idle_timeout: Duration,
    /// A frame must be complete this long after its first byte. Default 30 s.
    pub frame_timeout: Duration,
    /// Bytes the inbound's connections may hold together in frames still arriving, beyond
    /// the first 64 KiB of each; a frame that finds no room is refused like an oversize one.
    /// Default 64 MiB.
    pub max_frame_memory: usize,
    /// How messages are acknowledged. Default [`AckMode::Original`].
    pub ack_mode: AckMode,
    /// Answer a repeat of MSH-3 + MSH-10 seen within this window like the original, without
    /// routing it again. Default off.
    pub duplicate_window: Option<Duration>,
    /// TLS on (the default) or off.
    pub tls: Tls,
    /// Plaintext peers on a TLS port: allowed (the default) or refused.
    pub plaintext: Plaintext,
    /// How a frame that is not quite well-formed is read. Default tolerant.
    pub parse: ParsePolicy,
    /// The character set text is read in. Default: as MSH-18 declares.
    pub charset: CharsetPolicy,
    /// Validation against the schema before routing. Default off.
    pub validate: ValidatePolicy,
    /// What a message that fails validation is answered with. Default AE.
    pub invalid_ack: InvalidAck,
    /// The certificate chain (PEM file). Without it a self-signed certificate is generated.
    pub tls_cert: Option<&'static str>,
    /// The private key (PEM file) of `tls_cert`.
    pub tls_key: Option<&'static str>,
    /// Ask peers for a client certificate signed by these CAs (PEM file): mutual TLS.
    pub tls_client_ca: Option<&'static str>,
}

impl MllpListen {
    /// The defaults, with port 0 standing for "not set" (the macro requires a port).
    pub const DEFAULT: MllpListen = MllpListen {
        bind: "0.0.0.0",
        port: 0,
        max_frame: 16 * 1024 * 1024,
        max_connections: 64,
        max_connections_per_peer: None,
        allow: &[],
        first_frame_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(600),
        frame_timeout: Duration::from_secs(30),
        max_frame_memory: 64 * 1024 * 1024,
        ack_mode: AckMode::Original,
        duplicate_window: None,
        tls: Tls::On,
        plaintext: Plaintext::Allow,
        parse: ParsePolicy::Tolerant,
        charset: CharsetPolicy::Declared,
        validate: ValidatePolicy::Off,
        invalid_ack: InvalidAck::Ae,
        tls_cert: None,
        tls_key: None,
        tls_client_ca: None,
    };
}

/// An MLLP sender's settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MllpConnect {
    /// Host name or address of the downstream system. No default.
    pub host: &'static str,
    /// TCP port of the downstream system. No default.
    pub port: u16,
    /// Time allowed to connect, the TLS handshake included. Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed to write one message. Default 30 s.
    pub send_timeout: Duration,
    /// Time allowed for the ACK to arrive. Default 30 s.
    pub ack_timeout: Duration,
    /// Keep one connection open between messages (true, the default) or connect per message.
    pub persistent: bool,
    /// Send queued messages as batches of at most this many (BHS … BTS in one frame), each
    /// answered with a batch acknowledgment. Default: off, one message per frame.
    pub batch: Option<usize>,
    /// With `batch`: how long a batch not yet full waits for more messages. Default 500 ms.
    pub batch_wait: Duration,
    /// Retries of AE/CE answers and unreachable downstreams. Default [`RetryPolicy::DEFAULT`].
    pub retry: RetryPolicy,
    /// Speak TLS, trusting the CAs (or the self-signed certificate) in this PEM file. Without
    /// it the connection is plaintext. A TLS sender never falls back to plaintext.
    pub tls_ca: Option<&'static str>,
    /// Speak TLS, trusting exactly the certificate with this SHA-256 fingerprint (a partner's
    /// self-signed certificate). An alternative to `tls_ca`.
    pub tls_fingerprint: Option<&'static str>,
    /// The name the downstream's certificate must carry. Default: `host`.
    pub tls_server_name: Option<&'static str>,
    /// A client certificate chain (PEM file) for downstreams that ask for one.
    pub tls_cert: Option<&'static str>,
    /// The private key (PEM file) of `tls_cert`.
    pub tls_key: Option<&'static str>,
}

impl MllpConnect {
    /// The defaults, with an empty host and port 0 standing for "not set" (the macro requires
    /// both).
    pub const DEFAULT: MllpConnect = MllpConnect {
        host: "",
        port: 0,
        connect_timeout: Duration::from_secs(10),
        send_timeout: Duration::from_secs(30),
        ack_timeout: Duration::from_secs(30),
        persistent: true,
        batch: None,
        batch_wait: Duration::from_millis(500),
        retry: RetryPolicy::DEFAULT,
        tls_ca: None,
        tls_fingerprint: None,
        tls_server_name: None,
        tls_cert: None,
        tls_key: None,
    };
}

/// What an inbound receives from: its transport and that transport's settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InboundTransport {
    /// `mllp(…)`: a listener.
    Mllp(MllpListen),
    /// `file(…)`: a folder.
    File(FileIn),
    /// `http(…)`: a listener answering `POST`s.
    Http {
        /// What HTTP shares with MLLP: port, TLS, ACK mode, limits.
        listen: MllpListen,
        /// HTTP's own settings: path, authentication.
        http: HttpListen,
    },
    /// `sftp(…)`: a folder on an SFTP server.
    Sftp {
        /// The server, and how to log in.
        server: SftpServer,
        /// The folder on it, picked up from as a local one.
        folder: FileIn,
    },
}

/// What an outbound delivers to: its transport and that transport's settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OutboundTransport {
    /// `mllp(…)`: a sender.
    Mllp(MllpConnect),
    /// `file(…)`: a folder.
    File(FileOut),
    /// `http(…)`: each message posted.
    Http {
        /// What HTTP shares with MLLP: timeouts, retries, TLS.
        connect: MllpConnect,
        /// HTTP's own settings: URL, headers, authentication.
        http: HttpConnect,
    },
    /// `sftp(…)`: a folder on an SFTP server.
    Sftp {
        /// The server, and how to log in.
        server: SftpServer,
        /// The folder on it, written to as a local one.
        folder: FileOut,
    },
}

impl OutboundDef {
    /// Its sender's settings, when it is an MLLP outbound.
    pub fn mllp(&self) -> Option<&MllpConnect> {
        match &self.transport {
            OutboundTransport::Mllp(m) => Some(m),
            _ => None,
        }
    }

    /// Its sender's settings, when it sends over a network: MLLP or HTTP.
    pub fn connect(&self) -> Option<&MllpConnect> {
        match &self.transport {
            OutboundTransport::Mllp(m) | OutboundTransport::Http { connect: m, .. } => Some(m),
            OutboundTransport::File(_) | OutboundTransport::Sftp { .. } => None,
        }
    }

    /// Its HTTP settings, when it is an HTTP outbound.
    pub fn http(&self) -> Option<&HttpConnect> {
        match &self.transport {
            OutboundTransport::Http { http, .. } => Some(http),
            _ => None,
        }
    }
}

/// An inbound connection, as `inbound!` declares it.
#[derive(Debug)]
pub struct InboundDef {
    /// The connection's name (`IB_Lab_ORU`).
    pub name: &'static str,
    /// Its transport's settings.
    pub transport: InboundTransport,
    /// The router every message of this inbound goes through.
    pub router: &'static RouterDef,
}

impl InboundDef {
    /// Its listener's settings, when it is an MLLP inbound.
    pub fn mllp(&self) -> Option<&MllpListen> {
        match &self.transport {
            InboundTransport::Mllp(m) => Some(m),
            _ => None,
        }
    }

    /// Its listener's settings, when it listens on a port: MLLP or HTTP.
    pub fn listen(&self) -> Option<&MllpListen> {
        match &self.transport {
            InboundTransport::Mllp(m) | InboundTransport::Http { listen: m, .. } => Some(m),
            InboundTransport::File(_) | InboundTransport::Sftp { .. } => None,
        }
    }

    /// Its HTTP settings, when it is an HTTP inbound.
    pub fn http(&self) -> Option<&HttpListen> {
        match &self.transport {
            InboundTransport::Http { http, .. } => Some(http),
            _ => None,
        }
    }

    /// The character set its messages are read in.
    pub fn charset(&self) -> CharsetPolicy {
        match &self.transport {
            InboundTransport::Mllp(m) | InboundTransport::Http { listen: m, .. } => m.charset,
            InboundTransport::File(f) | InboundTransport::Sftp { folder: f, .. } => f.charset,
        }
    }
}

/// An outbound connection, as `outbound!` declares it.
#[derive(Debug)]
pub struct OutboundDef {
    /// The connection's name (`OB_EHR_ORU`).
    pub name: &'static str,
    /// Its transport's settings.
    pub transport: OutboundTransport,
}

/// A handle on an inbound connection: what the name declared by `inbound!` stands for.
#[derive(Clone, Copy, Debug)]
pub struct Inbound(#[doc(hidden)] pub &'static InboundDef);

/// A handle on an outbound connection: what the name declared by `outbound!` stands for, and
/// what [`Outcome::send`](super::Outcome::send) takes.
#[derive(Clone, Copy, Debug)]
pub struct Outbound(#[doc(hidden)] pub &'static OutboundDef);

impl Inbound {
    /// The connection's name.
    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// Its declaration.
    #[doc(hidden)]
    pub fn def(&self) -> &'static InboundDef {
        self.0
    }
}

impl Outbound {
    /// The connection's name.
    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// Its declaration.
    #[doc(hidden)]
    pub fn def(&self) -> &'static OutboundDef {
        self.0
    }
}

impl PartialEq for Outbound {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Outbound {}
