//! `send`: an MLLP or HTTP client that prints each ACK, and a closed-loop load generator.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Message, Path, ack::Ack};
use messagefoundry_options::HttpUrl;

use super::progress::Progress;
use crate::config::{HttpOutboundSettings, OutboundSettings};
use crate::mllp::Frame;
use crate::mllp::codec::DEFAULT_MAX_FRAME;

/// Options of `send`.
#[derive(clap::Args, Debug)]
pub struct SendArgs {
    /// Where to send: HOST:PORT for MLLP, or an `http://` or `https://` URL to post each
    /// message to (HL7 over HTTP, the answers read as an HTTP outbound reads them).
    pub target: String,
    /// Files holding one message, a batch, or several messages one after the other; a folder
    /// stands for the .hl7 files in it.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Load mode: this many connections, each waiting for every ACK before its next send (a
    /// connection that fails is opened again, for up to five seconds).
    #[arg(long, default_value_t = 1)]
    pub connections: usize,
    /// Load mode: send this many messages in all, cycling over the files' messages, each with
    /// a control ID (MSH-10) of its own.
    #[arg(long)]
    pub count: Option<usize>,
    /// Load mode: write the control ID of every message answered AA or CA to this file, one
    /// per line, to check delivery afterwards.
    #[arg(long, requires = "count")]
    pub record: Option<PathBuf>,
    /// How long to wait for each ACK ("500ms", "30s", "1m"), and at most for a connection
    /// (with its TLS handshake), which is otherwise given 10 s.
    #[arg(long, default_value = "30s")]
    pub timeout: String,
    /// Speak TLS, trusting the CAs (or the self-signed certificate) in this PEM file.
    #[arg(long, conflicts_with = "tls_fingerprint")]
    pub tls_ca: Option<PathBuf>,
    /// Speak TLS, trusting exactly the certificate with this SHA-256 fingerprint.
    #[arg(long)]
    pub tls_fingerprint: Option<String>,
    /// The name the server's certificate must carry (default: the target's host).
    #[arg(long)]
    pub tls_server_name: Option<String>,
    /// A client certificate (PEM), for servers that ask for one.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// HTTP: send `Authorization: Bearer` with the token held in this environment variable.
    #[arg(long)]
    pub auth_token_env: Option<String>,
    /// Draw no progress bar (none is drawn where standard error is not a terminal either).
    #[arg(long)]
    pub quiet: bool,
}

/// Where `send` connects, whether over TLS, and whether it speaks MLLP or HTTP: described as
/// an outbound is, so it connects and checks its TLS settings the way a sender does.
#[derive(Clone)]
struct Target {
    settings: OutboundSettings,
    tls: Option<crate::tls::Client>,
    http: Option<Arc<crate::http::client::Target>>,
}

impl Target {
    fn of(args: &SendArgs, timeout: Duration) -> Result<Target, String> {
        let mut settings = OutboundSettings::from(&crate::interface::MllpConnect::DEFAULT);
        let url = args
            .target
            .contains("://")
            .then(|| HttpUrl::parse(&args.target));
        match url {
            Some(url) => {
                let url = url?;
                let tls_given = args.tls_ca.is_some() || args.tls_fingerprint.is_some();
                if url.tls != tls_given {
                    return Err(if url.tls {
                        "an https URL needs --tls-ca or --tls-fingerprint".to_owned()
                    } else {
                        "TLS options need an https URL".to_owned()
                    });
                }
                settings.host.clone_from(&url.host);
                settings.port = url.port;
                settings.http = Some(HttpOutboundSettings {
                    url: args.target.clone(),
                    headers: Vec::new(),
                    auth_token_env: args.auth_token_env.clone(),
                    auth_user: None,
                    auth_password_env: None,
                });
            }
            None => {
                if args.auth_token_env.is_some() {
                    return Err("--auth-token-env is for an http:// or https:// URL".to_owned());
                }
                let bad = || format!("{:?} is not HOST:PORT or an HTTP URL", args.target);
                let (host, port) = args.target.rsplit_once(':').ok_or_else(bad)?;
                settings.host = host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned();
                settings.port = port.parse().map_err(|_| bad())?;
            }
        }
        settings.connect_timeout = settings.connect_timeout.min(timeout);
        settings.tls_ca = args.tls_ca.clone();
        settings.tls_fingerprint = args.tls_fingerprint.clone();
        settings.tls_server_name = args.tls_server_name.clone();
        settings.tls_cert = args.tls_cert.clone();
        settings.tls_key = args.tls_key.clone();
        let tls = crate::tls::client(&settings).map_err(|e| e.to_string())?;
        let http = crate::http::client::Target::of(&settings)?;
        Ok(Target {
            settings,
            tls,
            http,
        })
    }
}

/// One message to send, with the control ID its ACK must name.
struct Outgoing {
    label: String,
    control_id: String,
    bytes: Vec<u8>,
}

/// Runs `send`; exit 1 if any message was not acknowledged positively.
pub fn run(args: &SendArgs) -> ExitCode {
    let Some(timeout) = crate::config::parse_duration(&args.timeout) else {
        eprintln!("error: --timeout is a duration such as \"30s\"");
        return ExitCode::from(2);
    };
    let messages = match super::files::expand(&args.files).and_then(|files| load(&files)) {
        Ok(m) if !m.is_empty() => m,
        Ok(_) => {
            eprintln!("error: the files hold no message");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let target = match Target::of(args, timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(runtime) = super::runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        match args.count {
            None => {
                let progress = Progress::new(messages.len(), "messages", args.quiet);
                send_each(&target, &messages, timeout, &progress).await
            }
            Some(count) => {
                let plan = LoadPlan {
                    connections: args.connections.max(1),
                    count,
                    timeout,
                    record: args.record.clone(),
                    progress: Progress::new(count, "messages", args.quiet),
                };
                load_run(&target, &messages, plan).await
            }
        }
    })
}

/// Reads every message of every file (batches and streams are split).
fn load(files: &[PathBuf]) -> Result<Vec<Outgoing>, String> {
    let mut out = Vec::new();
    for file in files {
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let batch = messagefoundry_hl7::batch::split(&bytes)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        for (n, raw) in batch.messages().enumerate() {
            let msg = raw
                .parse()
                .map_err(|e| format!("{} message {}: {e}", file.display(), n + 1))?;
            out.push(Outgoing {
                label: file.display().to_string(),
                control_id: msg.control_id().to_string(),
                bytes: msg.into_bytes(),
            });
        }
    }
    Ok(out)
}

use crate::engine::deliver::exchange::{Connection, MllpConnection};

async fn connect(target: &Target) -> Result<Connection, String> {
    let s = &target.settings;
    crate::engine::deliver::exchange::connect_to(
        &s.host,
        s.port,
        s.connect_timeout,
        DEFAULT_MAX_FRAME,
        target.tls.as_ref(),
        target.http.as_ref(),
    )
    .await
    .map_err(|e| e.to_string())
}

/// Closes a connection cleanly (TLS close_notify included), so the engine logs no broken
/// connection.
async fn close(conn: Connection) {
    match conn {
        Connection::Mllp(mut c) => {
            let _ = c.close().await;
        }
        Connection::Http(link) => drop(link),
    }
}

/// Sends one message and waits for its ACK: an MLLP frame, or an HTTP response read as an
/// HTTP outbound reads it.
async fn exchange(conn: &mut Connection, msg: &Outgoing, timeout: Duration) -> Result<Ack, String> {
    match conn {
        Connection::Mllp(c) => exchange_mllp(c, msg, timeout).await,
        Connection::Http(link) => link
            .post(&msg.bytes, &msg.control_id, timeout, DEFAULT_MAX_FRAME)
            .await
            .map_err(|e| e.to_string()),
    }
}

/// Sends one MLLP frame and waits for the ACK that names it.
async fn exchange_mllp(
    conn: &mut MllpConnection,
    msg: &Outgoing,
    timeout: Duration,
) -> Result<Ack, String> {
    conn.send(msg.bytes.as_slice())
        .await
        .map_err(|e| e.to_string())?;
    let frame = tokio::time::timeout(timeout, conn.next())
        .await
        .map_err(|_| format!("no ACK within {timeout:?}"))?;
    let bytes = match frame {
        None => return Err("the connection was closed".to_owned()),
        Some(Err(e)) => return Err(e.to_string()),
        Some(Ok(Frame::Oversize { len })) => {
            return Err(format!("an oversize answer ({len} bytes)"));
        }
        Some(Ok(Frame::Message(b))) => b,
    };
    let answer =
        Message::parse(bytes.to_vec()).map_err(|e| format!("the answer is not HL7: {e}"))?;
    let ack = Ack::read(&answer).map_err(|e| format!("the answer is not an ACK: {e}"))?;
    if !ack.acknowledges(&msg.control_id) {
        return Err(format!(
            "the ACK names {:?}, not {:?}",
            ack.control_id, msg.control_id
        ));
    }
    Ok(ack)
}

async fn send_each(
    target: &Target,
    messages: &[Outgoing],
    timeout: Duration,
    progress: &Progress,
) -> ExitCode {
    let mut conn = match connect(target).await {
        Ok(c) => c,
        Err(e) => {
            progress.finish();
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    for msg in messages {
        match exchange(&mut conn, msg, timeout).await {
            Ok(ack) => {
                failed |= !ack.code.is_positive();
                let text: Vec<&str> = ack.texts().collect();
                progress.above(|| {
                    say!(
                        "{} {} -> {} {} {}",
                        msg.label,
                        msg.control_id,
                        ack.code,
                        ack.control_id,
                        text.join("; ")
                    )
                });
                progress.step();
            }
            Err(e) => {
                failed = true;
                progress.above(|| say!("{} {} -> error: {e}", msg.label, msg.control_id));
                progress.step();
                match connect(target).await {
                    Ok(c) => conn = c,
                    Err(e) => {
                        progress.finish();
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    progress.finish();
    close(conn).await;
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Connects again after a failure, trying for up to five seconds (an engine restarting).
async fn reconnect(target: &Target) -> Option<Connection> {
    for _ in 0..50 {
        if let Ok(c) = connect(target).await {
            return Some(c);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// What one load connection saw.
#[derive(Default)]
struct Tally {
    /// Control IDs answered positively (kept only when recording).
    accepted: Vec<String>,
    latencies: Vec<Duration>,
    codes: std::collections::BTreeMap<String, usize>,
    errors: usize,
    first_error: Option<String>,
}

/// What a load run does.
struct LoadPlan {
    connections: usize,
    count: usize,
    timeout: Duration,
    record: Option<PathBuf>,
    /// Counts every answer or failure, from every connection.
    progress: Progress,
}

async fn load_run(target: &Target, messages: &[Outgoing], plan: LoadPlan) -> ExitCode {
    let LoadPlan {
        connections,
        count,
        timeout,
        record,
        progress,
    } = plan;
    let keep = record.is_some();
    // Each message gets a control ID of its own: the load run checks every ACK names it.
    let run_id = std::process::id();
    let mut plans: Vec<Vec<Outgoing>> = (0..connections).map(|_| Vec::new()).collect();
    for n in 0..count {
        let template = &messages[n % messages.len()];
        let control_id = format!("L{run_id}-{n}");
        let bytes = match Message::parse(template.bytes.clone()) {
            Ok(mut msg) => match msg.set(Path::parse_const("MSH-10"), &control_id) {
                Ok(()) => msg.into_bytes(),
                Err(e) => {
                    eprintln!("error: cannot set MSH-10: {e}");
                    return ExitCode::from(2);
                }
            },
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        plans[n % connections].push(Outgoing {
            label: String::new(),
            control_id,
            bytes,
        });
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for plan in plans {
        let (target, progress) = (target.clone(), progress.clone());
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut conn = match connect(&target).await {
                Ok(c) => c,
                Err(e) => {
                    tally.errors = plan.len();
                    tally.first_error = Some(e);
                    return tally;
                }
            };
            for msg in &plan {
                let sent = Instant::now();
                let answer = exchange(&mut conn, msg, timeout).await;
                progress.step();
                match answer {
                    Ok(ack) => {
                        tally.latencies.push(sent.elapsed());
                        *tally.codes.entry(ack.code.to_string()).or_default() += 1;
                        if keep && ack.code.is_positive() {
                            tally.accepted.push(msg.control_id.clone());
                        }
                    }
                    Err(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert(e);
                        match reconnect(&target).await {
                            Some(c) => conn = c,
                            None => return tally,
                        }
                    }
                }
            }
            close(conn).await;
            tally
        });
    }
    let mut all = Tally::default();
    while let Some(done) = tasks.join_next().await {
        let Ok(t) = done else { continue };
        all.latencies.extend(t.latencies);
        all.accepted.extend(t.accepted);
        for (code, n) in t.codes {
            *all.codes.entry(code).or_default() += n;
        }
        all.errors += t.errors;
        if all.first_error.is_none() {
            all.first_error = t.first_error;
        }
    }
    let elapsed = started.elapsed();
    progress.finish();
    if let Some(path) = &record {
        let mut text = all.accepted.join("\n");
        text.push('\n');
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    all.latencies.sort_unstable();
    let pct = |p: f64| {
        let n = all.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        all.latencies[((n as f64 * p).ceil() as usize).clamp(1, n) - 1]
    };
    let acked = all.latencies.len();
    say!(
        "{acked} of {count} messages acknowledged over {connections} connection(s) in {:.2} s: {:.0} msg/s",
        elapsed.as_secs_f64(),
        acked as f64 / elapsed.as_secs_f64()
    );
    say!(
        "ACK latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    let codes: Vec<String> = all.codes.iter().map(|(c, n)| format!("{c} {n}")).collect();
    say!("answers: {}; errors: {}", codes.join(", "), all.errors);
    if let Some(e) = &all.first_error {
        say!("first error: {e}");
    }
    let positive =
        all.codes.get("AA").copied().unwrap_or(0) + all.codes.get("CA").copied().unwrap_or(0);
    if positive == count {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
