//! `check`: the pre-flight of what the build cannot know. It reads the environment's
//! settings, loads every TLS file, tries every listening port and reaches every downstream, and
//! prints one line per finding. Exit status 1 when something would stop `serve` or a delivery.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::admin::{AdminArgs, AdminCert, read_token};
use crate::config::{InboundSettings, OutboundSettings};
use crate::interface::{Inbound, Outbound};
use crate::operations::{Request, Response};
use crate::tls::ListenerCert;

use super::Wiring;
use super::environment::EnvironmentArgs;

/// Options of `check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The settings' environment.
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    /// The store file `serve` will use (the generated TLS certificate is kept beside it).
    #[arg(long, default_value = "messagefoundry.redb")]
    pub db: PathBuf,
    /// Count a connection that may carry plaintext off loopback as an error.
    #[arg(long)]
    pub require_tls: bool,
    /// The admin server `serve` will start.
    #[command(flatten)]
    pub admin: AdminArgs,
}

/// The longest wait for a downstream.
const REACH_TIMEOUT: Duration = Duration::from_secs(3);

/// What `check` found.
#[derive(Default)]
struct Findings {
    warnings: usize,
    errors: usize,
}

impl Findings {
    fn ok(&mut self, line: impl std::fmt::Display) {
        say!("ok    {line}");
    }
    fn warn(&mut self, line: impl std::fmt::Display) {
        self.warnings += 1;
        say!("warn  {line}");
    }
    fn error(&mut self, line: impl std::fmt::Display) {
        self.errors += 1;
        say!("error {line}");
    }
}

/// Runs `check`.
pub fn run(wiring: &Wiring<'_>, args: &CheckArgs) -> ExitCode {
    let mut found = Findings::default();
    let (settings, errors) = match args.environment.settings(wiring) {
        Ok(settings) => (settings, Vec::new()),
        Err(e) => (*e.readable, e.errors),
    };
    let file_unusable = args.environment.env.is_some() && settings.environment.is_none();
    match &settings.environment {
        Some(path) => found.ok(format!("environment {}", path.display())),
        None if !file_unusable => found.ok("no environment: the declared settings apply"),
        None => {}
    }
    for error in &errors {
        found.error(error);
    }
    if file_unusable {
        return summary(&found);
    }
    check_tables(&mut found, &settings.tables);
    check_alerts(&mut found, &settings.alerts);
    if !settings.values.is_empty() {
        let mut names: Vec<&str> = settings.values.iter().map(|(def, _)| def.name).collect();
        names.sort_unstable();
        found.ok(format!("values set: {}", names.join(", ")));
    }
    for line in settings.plaintext_off_loopback() {
        if args.require_tls {
            found.error(format!("plaintext allowed off loopback: {line}"));
        } else {
            found.warn(format!("plaintext allowed off loopback: {line}"));
        }
    }
    let serving = check_store(&mut found, &args.db, &settings.store);
    for (inbound, settings) in &settings.inbounds {
        check_inbound(&mut found, *inbound, settings, &args.db, serving);
    }
    let folders = settings
        .file_inbounds
        .iter()
        .map(|(i, s)| ("inbound", i.name(), &s.dir, s.remote.as_ref()))
        .chain(
            settings
                .file_outbounds
                .iter()
                .map(|(o, s)| ("outbound", o.name(), &s.dir, s.remote.as_ref())),
        );
    // SFTP folders are reached through the async runtime, below.
    let mut remote_folders = Vec::new();
    for (direction, name, dir, remote) in folders {
        if let Some(remote) = remote {
            remote_folders.push((direction, name, remote));
            continue;
        }
        match super::check_folders::writable_folder(dir) {
            Ok(()) => found.ok(format!(
                "{direction} {name}: folder {} is writable",
                dir.display()
            )),
            Err(e) => found.error(format!("{direction} {name}: {e}")),
        }
    }
    check_admin(&mut found, &args.admin, &args.db, serving);
    let Some(runtime) = super::runtime() else {
        return ExitCode::FAILURE;
    };
    // Files are read here, before the async runtime; only the connections go through it.
    let reachable: Vec<_> = settings
        .outbounds
        .iter()
        .filter_map(|(outbound, settings)| {
            let tls = outbound_tls(&mut found, *outbound, settings)?;
            Some((*outbound, settings, tls))
        })
        .collect();
    runtime.block_on(async {
        for (direction, name, remote) in remote_folders {
            match super::check_folders::writable_remote_folder(remote).await {
                Ok(line) => found.ok(format!("{direction} {name}: {line}")),
                Err(e) => found.error(format!("{direction} {name}: {e}")),
            }
        }
        for (outbound, settings, tls) in reachable {
            check_outbound(&mut found, outbound, settings, tls).await;
        }
    });
    summary(&found)
}

fn summary(found: &Findings) -> ExitCode {
    say!("{} error(s), {} warning(s)", found.errors, found.warnings);
    if found.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The store: a running `serve` answering on its control socket (then its queues are shown),
/// or a file that opens, or none yet. Returns whether `serve` is running on it.
fn check_store(
    found: &mut Findings,
    db: &std::path::Path,
    keys: &crate::store::KeySettings,
) -> bool {
    let shown = db.display();
    if let Some(answer) = super::control::ask(db, &Request::Queues) {
        match answer {
            Ok(Ok(Response::Queues(queues))) => {
                found.ok(format!("store {shown}: in use by a running serve"));
                for queue in &queues {
                    found.ok(format!("outbound {}", super::messages::queue_line(queue)));
                }
            }
            Ok(Ok(_)) => found.warn(format!(
                "store {shown}: the running serve answered something else than its queues"
            )),
            Ok(Err(e)) => found.warn(format!("store {shown}: the running serve answered: {e}")),
            Err(e) => found.warn(format!(
                "store {shown}: the running serve did not answer: {e}"
            )),
        }
        return true;
    }
    if !db.exists() {
        found.ok(format!("store {shown}: will be created at the first start"));
        return false;
    }
    match crate::store::Store::open_with(db, keys) {
        Ok(store) => {
            store.shutdown();
            found.ok(format!("store {shown}: opens"));
        }
        Err(e) => found.error(e),
    }
    false
}

/// Every table's file: the one the environment names, read and checked as `serve` reads it,
/// or the crate's, built in and checked when the binary was built.
fn check_tables(found: &mut Findings, tables: &[crate::config::TableSetting]) {
    for table in tables {
        let name = table.def.name;
        match &table.file {
            None => found.ok(format!(
                "table {name}: built in, from the crate's {}",
                table.def.file
            )),
            Some(path) => match crate::tables::read(table.def, path) {
                Ok(t) => found.ok(format!(
                    "table {name}: {} ({} rows)",
                    path.display(),
                    t.len()
                )),
                Err(e) => found.error(e),
            },
        }
    }
}

/// The alert rules (already read with the settings) and their channels: secrets set, CA files
/// usable. Nothing is sent; `alerts test` does that.
fn check_alerts(found: &mut Findings, alerts: &crate::alerts::AlertSettings) {
    if alerts.rules.is_empty() && alerts.webhook.is_none() && alerts.email.is_none() {
        return;
    }
    let mut kinds: Vec<&str> = alerts.rules.iter().map(|r| r.kind()).collect();
    kinds.dedup();
    found.ok(format!(
        "alerts: {} rule(s) ({}), looked at every {}, times in {}",
        alerts.rules.len(),
        kinds.join(", "),
        messagefoundry_options::format_duration(alerts.check_every),
        alerts.zone.iana_name().unwrap_or("the system's time zone")
    ));
    match crate::alerts::Channels::open(alerts, "check") {
        Ok(channels) => found.ok(format!("alerts notify: {}", channels.names().join(", "))),
        Err(e) => found.error(format!("alerts: {e}")),
    }
}

/// The port, and the TLS files.
fn check_inbound(
    found: &mut Findings,
    inbound: Inbound,
    s: &InboundSettings,
    db: &std::path::Path,
    serving: bool,
) {
    let name = inbound.name();
    let address = format!("{}:{}", s.bind, s.port);
    check_bind(found, &format!("inbound {name}"), &address, serving);
    if let Some(http) = &s.http {
        match crate::http::auth::Gate::of(http, s.tls_client_ca.is_some()) {
            Err(e) => found.error(format!("inbound {name}: {e}")),
            Ok(gate) if gate.is_open() => found.warn(format!(
                "inbound {name}: HTTP without authentication (auth_token_env, auth_user or tls_client_ca)"
            )),
            Ok(_) => found.ok(format!("inbound {name}: HTTP POST {} authenticated", http.path)),
        }
    }
    match crate::tls::listener_cert(s) {
        Err(e) => found.error(format!("inbound {name}: {e}")),
        Ok(cert) => check_cert(
            found,
            &format!("inbound {name}"),
            &cert,
            s.tls_client_ca.as_deref(),
            db,
        ),
    }
}

/// Whether a listening address can be bound: in use is fine when `serve` runs on this store.
fn check_bind(found: &mut Findings, connection: &str, address: &str, serving: bool) {
    match std::net::TcpListener::bind(address) {
        Ok(_) => found.ok(format!("{connection}: {address} can be bound")),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && serving => found.ok(format!(
            "{connection}: {address} in use (serve runs on this store)"
        )),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => found.warn(format!(
            "{connection}: {address} is in use by another program"
        )),
        Err(e) => found.error(format!("{connection}: cannot listen on {address}: {e}")),
    }
}

/// A listener's certificate: its files usable (with the client CAs), its fingerprint and its
/// expiry; a self-signed one that does not exist yet will be generated.
fn check_cert(
    found: &mut Findings,
    connection: &str,
    cert: &ListenerCert,
    client_ca: Option<&std::path::Path>,
    db: &std::path::Path,
) {
    let cert = match cert {
        ListenerCert::Off => return,
        ListenerCert::Files { cert, key } => {
            if let Err(e) = crate::tls::server_config(cert, key, client_ca) {
                return found.error(format!("{connection}: {e}"));
            }
            cert.clone()
        }
        ListenerCert::SelfSigned => {
            let (cert, _) = crate::tls::self_signed::paths(db);
            if !cert.exists() {
                return found.ok(format!(
                    "{connection}: a self-signed TLS certificate will be generated at {}",
                    cert.display()
                ));
            }
            cert
        }
    };
    match crate::tls::file_fingerprint(&cert) {
        Ok(line) => {
            found.ok(format!("{connection}: TLS certificate {line}"));
            expiry(found, connection, &cert);
        }
        Err(e) => return found.error(format!("{connection}: {e}")),
    }
    if let Some(ca) = client_ca {
        match crate::tls::file_fingerprint(ca) {
            Ok(line) => found.ok(format!(
                "{connection}: client certificates must be signed by {line}"
            )),
            Err(e) => found.error(format!("{connection}: {e}")),
        }
    }
}

/// The admin server: its options, its address, its certificate and its token.
fn check_admin(found: &mut Findings, args: &AdminArgs, db: &std::path::Path, serving: bool) {
    let plan = match args.plan() {
        Ok(Some(plan)) => plan,
        Ok(None) => return found.ok("admin server: off"),
        Err(e) => return found.error(format!("admin server: {e}")),
    };
    let address = plan.address;
    check_bind(found, "admin server", &address.to_string(), serving);
    if plan.cert == AdminCert::Off {
        found.ok(format!(
            "admin server: plaintext HTTP on loopback ({address})"
        ));
    }
    check_cert(
        found,
        "admin server",
        &plan.cert.as_listener(),
        plan.client_ca.as_deref(),
        db,
    );
    if let Some(file) = &plan.token_file {
        match read_token(file) {
            Ok(_) => found.ok(format!("admin server: bearer token in {}", file.display())),
            Err(e) => found.error(format!("admin server: {e}")),
        }
    }
}

/// A certificate's expiry: an error once expired, a warning within 30 days.
fn expiry(found: &mut Findings, connection: &str, cert: &std::path::Path) {
    let Some((text, attention)) = crate::tls::file_expiry(cert) else {
        return;
    };
    let line = format!("{connection}: certificate {} {text}", cert.display());
    if !attention {
        found.ok(line);
    } else if text.starts_with("EXPIRED") {
        found.error(line);
    } else {
        found.warn(line);
    }
}

/// An outbound's TLS files; `None` when they cannot be used (an error is reported).
fn outbound_tls(
    found: &mut Findings,
    outbound: Outbound,
    s: &OutboundSettings,
) -> Option<Option<crate::tls::Client>> {
    let name = outbound.name();
    match crate::tls::client(s) {
        Ok(tls) => {
            // What this end trusts, and what it shows: the lines partners compare when
            // they pin or allow certificates.
            if let Some(print) = &s.tls_fingerprint {
                let print = crate::tls::normalized_fingerprint(print).unwrap_or_default();
                found.ok(format!("outbound {name}: pinned to SHA-256 {print}"));
            }
            for (what, file) in [
                ("trusts CA", &s.tls_ca),
                ("client certificate", &s.tls_cert),
            ] {
                if let Some(file) = file {
                    match crate::tls::file_fingerprint(file) {
                        Ok(line) => found.ok(format!("outbound {name}: {what} {line}")),
                        Err(e) => found.error(format!("outbound {name}: {e}")),
                    }
                }
            }
            if let Some(cert) = &s.tls_cert {
                expiry(found, &format!("outbound {name}"), cert);
            }
            Some(tls)
        }
        Err(e) => {
            found.error(format!("outbound {name}: {e}"));
            None
        }
    }
}

/// A connection (and handshake) to the downstream.
async fn check_outbound(
    found: &mut Findings,
    outbound: Outbound,
    s: &OutboundSettings,
    tls: Option<crate::tls::Client>,
) {
    let name = outbound.name();
    let target = match &s.http {
        Some(http) => http.url.clone(),
        None => format!("{}:{}", s.host, s.port),
    };
    if s.http.is_some()
        && let Err(e) = crate::http::client::Target::of(s)
    {
        found.error(format!("outbound {name}: {e}"));
    }
    let timeout = s.connect_timeout.min(REACH_TIMEOUT);
    // The connection and handshake are what can fail before a message is sent; an HTTP
    // downstream is reached the same way, without posting anything.
    match crate::engine::deliver::exchange::connect(&s.host, s.port, timeout, 1024, tls.as_ref())
        .await
    {
        Ok(_) if tls.is_some() => found.ok(format!(
            "outbound {name}: {target} reachable, TLS handshake done"
        )),
        Ok(_) => found.ok(format!("outbound {name}: {target} reachable")),
        // A downstream that is down now is not a mistake in the interface: messages queue.
        Err(e) => found.warn(format!("outbound {name}: not reachable now: {e}")),
    }
}
