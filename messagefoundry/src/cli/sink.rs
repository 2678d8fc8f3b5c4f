//! `sink`: an MLLP receiver that acknowledges everything, for testing a sender or measuring
//! delivery. It prints one line per message (type and control ID) unless `--quiet`, with
//! `--print` the message itself after it (one segment per line: test data only), and with
//! `--count N` stops after N messages and prints the rate.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Message, Path, ack};
use tokio::net::TcpListener;
use tokio::sync::Notify;
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
    #[arg(long, conflicts_with = "print")]
    pub quiet: bool,
    /// Print each message received, one segment per line, after its type and control ID.
    #[arg(long)]
    pub print: bool,
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

/// Runs `sink` until Ctrl-C or `--count` messages.
pub fn run(args: &SinkArgs) -> ExitCode {
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
        match listener.local_addr() {
            Ok(addr) => say!("sink listening on {addr}"),
            Err(_) => say!("sink listening on {}:{}", args.bind, args.port),
        }
        let received = Arc::new(AtomicU64::new(0));
        let done = Arc::new(Notify::new());
        let first: Arc<std::sync::OnceLock<Instant>> = Arc::default();
        let accept = {
            let (received, done, first) = (received.clone(), done.clone(), first.clone());
            let (quiet, print, count) = (args.quiet, args.print, args.count);
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let _ = stream.set_nodelay(true);
                    let (received, done, first) = (received.clone(), done.clone(), first.clone());
                    tokio::spawn(async move {
                        let mut conn = Framed::new(stream, MllpCodec::default());
                        while let Some(Ok(frame)) = conn.next().await {
                            let Frame::Message(bytes) = frame else {
                                continue;
                            };
                            let Ok(msg) = Message::parse(bytes.to_vec()) else {
                                eprintln!("a frame that is not HL7 was ignored");
                                continue;
                            };
                            first.get_or_init(Instant::now);
                            if !quiet {
                                announce(&msg, print);
                            }
                            if let Ok(ack) =
                                ack::Builder::new(&msg, ack::Code::ApplicationAccept).build_now()
                                && conn.send(ack.as_bytes()).await.is_err()
                            {
                                return;
                            }
                            let n = received.fetch_add(1, Ordering::SeqCst) + 1;
                            if count == Some(n) {
                                done.notify_one();
                            }
                        }
                    });
                }
            }
        };
        tokio::select! {
            () = accept => {}
            () = done.notified() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let n = received.load(Ordering::SeqCst);
        let secs = first.get().map_or(0.0, |t| t.elapsed().as_secs_f64());
        say!(
            "received {n} messages in {secs:.2} s: {:.0} msg/s",
            if secs > 0.0 { n as f64 / secs } else { 0.0 }
        );
        ExitCode::SUCCESS
    })
}
