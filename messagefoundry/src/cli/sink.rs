//! `sink`: an MLLP receiver that acknowledges everything (AA, or the code `--code` names), for
//! testing a sender or measuring delivery. It prints one line per message (type and control
//! ID) unless `--quiet`, with `--print` the message itself after it (one segment per line:
//! test data only), and with `--count N` stops after N messages and prints the rate. With
//! `--tls-cert` and `--tls-key` it speaks TLS only, and with `--tls-client-ca` asks every peer
//! for a client certificate: a stand-in for a downstream that requires mutual TLS.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Message, Path, ack};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::Framed;

use crate::mllp::{Frame, MllpCodec};

/// Options of `sink`.
#[derive(clap::Args, Debug)]
pub struct SinkArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Port to listen on; 0 for any free port (the address it got is printed first).
    #[arg(long)]
    pub port: u16,
    /// Stop after this many messages and print the rate.
    #[arg(long)]
    pub count: Option<u64>,
    /// Print nothing per message.
    #[arg(long)]
    pub quiet: bool,
    /// Print each message received, one segment per line, after its type and control ID.
    #[arg(long)]
    pub print: bool,
    /// The answer to every message: AA, or AE/AR (and CA/CE/CR) to try how a sender takes a
    /// downstream that refuses.
    #[arg(long, default_value = "AA")]
    pub code: String,
    /// Speak TLS (and nothing else) with this certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Require a client certificate signed by one of these CAs (PEM): mutual TLS.
    #[arg(long, requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
}

/// The longest a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What each connection shares: the counts, and what to print.
#[derive(Clone)]
struct Shared {
    received: Arc<AtomicU64>,
    done: Arc<Notify>,
    first: Arc<std::sync::OnceLock<Instant>>,
    code: ack::Code,
    quiet: bool,
    print: bool,
    count: Option<u64>,
}

/// Runs `sink` until Ctrl-C or `--count` messages.
pub fn run(args: &SinkArgs) -> ExitCode {
    let Some(code) = ack::Code::parse(&args.code) else {
        eprintln!("error: --code is one of AA, AE, AR, CA, CE, CR");
        return ExitCode::from(2);
    };
    // The files are read before anything listens: a wrong one is said at once.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            match crate::tls::server_config(cert, key, args.tls_client_ca.as_deref()) {
                Ok(config) => Some(TlsAcceptor::from(config)),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => None,
    };
    let Some(runtime) = super::runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let listener = match TcpListener::bind((args.bind.as_str(), args.port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}:{}: {e}", args.bind, args.port);
                return ExitCode::FAILURE;
            }
        };
        let over = if tls.is_some() { " (TLS)" } else { "" };
        match listener.local_addr() {
            Ok(addr) => say!("sink listening on {addr}{over}"),
            Err(_) => say!("sink listening on {}:{}{over}", args.bind, args.port),
        }
        let shared = Shared {
            received: Arc::default(),
            done: Arc::default(),
            first: Arc::default(),
            code,
            quiet: args.quiet,
            print: args.print,
            count: args.count,
        };
        let accept = {
            let shared = shared.clone();
            async move {
                while let Ok((stream, peer)) = listener.accept().await {
                    let _ = stream.set_nodelay(true);
                    let (shared, tls) = (shared.clone(), tls.clone());
                    tokio::spawn(async move {
                        let Some(tls) = tls else {
                            return serve(stream, shared).await;
                        };
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await {
                            Ok(Ok(stream)) => serve(stream, shared).await,
                            Ok(Err(e)) => eprintln!("TLS handshake with {peer} failed: {e}"),
                            Err(_) => eprintln!("TLS handshake with {peer} not done in time"),
                        }
                    });
                }
            }
        };
        tokio::select! {
            () = accept => {}
            () = shared.done.notified() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let n = shared.received.load(Ordering::SeqCst);
        let secs = shared
            .first
            .get()
            .map_or(0.0, |t| t.elapsed().as_secs_f64());
        say!(
            "received {n} messages in {secs:.2} s: {:.0} msg/s",
            if secs > 0.0 { n as f64 / secs } else { 0.0 }
        );
        ExitCode::SUCCESS
    })
}

/// Acknowledges every message of one connection, plaintext or TLS.
async fn serve(stream: impl AsyncRead + AsyncWrite + Unpin, shared: Shared) {
    let mut conn = Framed::new(stream, MllpCodec::default());
    while let Some(Ok(frame)) = conn.next().await {
        let Frame::Message(bytes) = frame else {
            continue;
        };
        let Ok(msg) = Message::parse(bytes.to_vec()) else {
            eprintln!("a frame that is not HL7 was ignored");
            continue;
        };
        shared.first.get_or_init(Instant::now);
        if !shared.quiet {
            announce(&msg, shared.print);
        }
        if let Ok(ack) = ack::Builder::new(&msg, shared.code).build_now()
            && conn.send(ack.as_bytes()).await.is_err()
        {
            return;
        }
        let n = shared.received.fetch_add(1, Ordering::SeqCst) + 1;
        if shared.count == Some(n) {
            shared.done.notify_one();
        }
    }
}

/// Prints a message's type and control ID, and with `print`, its segments, indented, as one
/// write so that messages arriving on several connections do not interleave.
fn announce(msg: &Message, print: bool) {
    use std::io::Write as _;
    let mut text = format!(
        "{} {}\n",
        msg.get(Path::parse_const("MSH-9")).er7(),
        msg.control_id()
    )
    .into_bytes();
    if print {
        // Writing to memory cannot fail.
        let _ = super::messages::segments(&mut text, msg.as_bytes(), "    ");
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&text).and_then(|()| out.flush());
}
