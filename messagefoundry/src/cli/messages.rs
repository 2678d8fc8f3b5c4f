//! `messages`: the store, read and repaired from the command line. With `serve` running on the
//! store, the command goes through its control socket (redb lets one process open the store);
//! with `serve` stopped, it opens the store file itself. `show` prints message content, which
//! is patient data: it is for the operator's terminal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use crate::engine::EngineHandle;
use crate::engine::SenderStatus;
use crate::store::{MessageId, ParseState, QueueKey, Store, StoreError, now_micros};

/// Options of `messages`.
#[derive(clap::Args, Debug)]
pub struct MessagesArgs {
    /// The store file.
    #[arg(long, default_value = "messagefoundry.redb", global = true)]
    pub db: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: MessagesCommand,
}

/// What `messages` does.
#[derive(clap::Subcommand, Debug, serde::Serialize, serde::Deserialize)]
pub enum MessagesCommand {
    /// The newest messages: id, time received, inbound, type, control ID, disposition.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Only messages older than this id (to page back).
        #[arg(long)]
        before: Option<u64>,
    },
    /// The newest messages matching every filter given (a scan of the summaries).
    Search {
        /// MSH-10, exactly.
        #[arg(long)]
        control_id: Option<String>,
        /// MSH-9, or its start (`ORU`, `ORU^R01`).
        #[arg(long = "type")]
        message_type: Option<String>,
        /// The inbound.
        #[arg(long)]
        inbound: Option<String>,
        /// The disposition (RECEIVED, ROUTED, UNROUTED, FILTERED, PROCESSED, ERROR).
        #[arg(long)]
        disposition: Option<String>,
        /// How many at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One message: its summary, disposition, and content (one segment per line).
    Show {
        /// The message id (as `list` prints it, with or without `#`).
        id: String,
    },
    /// Each outbound: messages queued, dead letters, and (with `serve` running) its sender's
    /// state: connected, failures in a row, the last problem.
    Queues,
    /// The dead letters, oldest first, with their reasons.
    DeadLetters {
        /// Only this outbound's.
        #[arg(long)]
        outbound: Option<String>,
    },
    /// Put a dead letter back at the end of its outbound's queue.
    Replay {
        /// The outbound.
        outbound: String,
        /// The dead letter's sequence number (as `dead-letters` prints it).
        seq: u64,
    },
    /// Delete finished messages older than a duration ("30d"); queued, dead-lettered and
    /// unrouted messages are kept.
    Prune {
        /// How old a finished message must be to go.
        #[arg(long)]
        older_than: String,
    },
}

/// What `messages` works on.
pub(super) enum Scope<'a> {
    /// A stopped engine's store, opened here, and the interface's outbounds.
    Stopped {
        /// The store.
        store: &'a Store,
        /// The outbounds' names.
        outbounds: Vec<&'static str>,
    },
    /// A running engine, reached through its control socket.
    Serving(&'a EngineHandle),
}

impl Scope<'_> {
    fn store(&self) -> &Store {
        match self {
            Scope::Stopped { store, .. } => store,
            Scope::Serving(engine) => engine.store(),
        }
    }

    /// Each outbound, with its sender's state when `serve` runs.
    fn outbounds(&self) -> Vec<(&'static str, Option<SenderStatus>)> {
        match self {
            Scope::Stopped { outbounds, .. } => outbounds.iter().map(|o| (*o, None)).collect(),
            Scope::Serving(engine) => engine
                .sender_statuses()
                .into_iter()
                .map(|(name, status)| (name, Some(status)))
                .collect(),
        }
    }

    /// Replays a dead letter; a running sender sends it at once.
    fn replay(&self, key: QueueKey) -> Result<QueueKey, StoreError> {
        match self {
            Scope::Stopped { store, .. } => block_on(store.replay(key)),
            Scope::Serving(engine) => block_on(engine.replay(key)),
        }
    }
}

/// Runs `messages`: through the running `serve`'s control socket, or on the store file.
pub fn run(wiring: &super::Wiring<'_>, args: &MessagesArgs) -> ExitCode {
    if let Some(reply) = super::control::ask(&args.db, &args.command) {
        return match reply {
            Ok(reply) => {
                use std::io::Write as _;
                let _ = write!(std::io::stdout(), "{}", reply.output);
                match reply.error {
                    None => ExitCode::SUCCESS,
                    Some(error) => {
                        eprintln!("error: {error}");
                        ExitCode::FAILURE
                    }
                }
            }
            Err(e) => {
                eprintln!("error: the running serve did not answer: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let store = match Store::open(&args.db) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let scope = Scope::Stopped {
        store: &store,
        outbounds: wiring.outbounds.iter().map(|o| o.name()).collect(),
    };
    let result = execute(&scope, &args.command, &mut std::io::stdout().lock());
    store.shutdown();
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command and returns what it printed, or why it failed (for the control socket).
pub(super) fn execute_to_text(
    scope: &Scope<'_>,
    command: &MessagesCommand,
) -> Result<String, String> {
    let mut out = Vec::new();
    execute(scope, command, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Why a `messages` command failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Output(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}

fn execute(
    scope: &Scope<'_>,
    command: &MessagesCommand,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let store = scope.store();
    match command {
        MessagesCommand::List { limit, before } => {
            for (id, info) in store.latest(before.map(MessageId), *limit)? {
                let disposition = disposition_text(store, id)?;
                summary_line(out, id, &info, &disposition)?;
            }
        }
        MessagesCommand::Search {
            control_id,
            message_type,
            inbound,
            disposition,
            limit,
        } => {
            let wanted = |info: &crate::store::MessageInfo| {
                control_id.as_ref().is_none_or(|c| &info.control_id == c)
                    && message_type
                        .as_ref()
                        .is_none_or(|t| info.message_type.starts_with(t.as_str()))
                    && inbound.as_ref().is_none_or(|i| &info.inbound == i)
            };
            let mut found = 0;
            let mut before = None;
            'pages: loop {
                let page = store.latest(before, SEARCH_PAGE)?;
                let Some((last, _)) = page.last() else { break };
                before = Some(*last);
                for (id, info) in page {
                    if !wanted(&info) {
                        continue;
                    }
                    let shown = disposition_text(store, id)?;
                    if disposition
                        .as_ref()
                        .is_some_and(|d| !d.eq_ignore_ascii_case(&shown))
                    {
                        continue;
                    }
                    summary_line(out, id, &info, &shown)?;
                    found += 1;
                    if found == *limit {
                        break 'pages;
                    }
                }
            }
        }
        MessagesCommand::Show { id } => {
            let id = id
                .trim_start_matches('#')
                .parse()
                .map(MessageId)
                .map_err(|_| Failure::Usage(format!("{id:?} is not a message id")))?;
            let Some((info, raw)) = store.read_message(id)? else {
                return Err(Failure::Usage(format!("no message {id} in the store")));
            };
            writeln!(out, "message   {id}")?;
            writeln!(
                out,
                "received  {} on {}",
                time(info.received_at_micros),
                info.inbound
            )?;
            writeln!(
                out,
                "header    {} {} from {}/{} (HL7 {})",
                or_dash(&info.message_type),
                or_dash(&info.control_id),
                or_dash(&info.sending_application),
                or_dash(&info.sending_facility),
                or_dash(&info.version)
            )?;
            match info.parse_state {
                ParseState::Parsed => {}
                ParseState::Broken => writeln!(out, "broken    {}", info.parse_error)?,
                ParseState::Repaired => writeln!(
                    out,
                    "repaired  {} (parsed tolerantly; the bytes below are as received)",
                    info.parse_error
                )?,
            }
            if let Some(d) = store.disposition(id)? {
                writeln!(out, "outcome   {} {}", d.disposition, d.detail)?;
            }
            writeln!(out)?;
            for segment in raw.split(|b| *b == b'\r' || *b == b'\n') {
                if !segment.is_empty() {
                    out.write_all(segment)?;
                    writeln!(out)?;
                }
            }
        }
        MessagesCommand::Queues => {
            let dead = store.dead_letters(None)?;
            for (name, status) in scope.outbounds() {
                let queued = store.queue_len(name)?;
                let dead = dead.iter().filter(|d| d.key.outbound == name).count();
                write!(out, "{name}  queued {queued}  dead letters {dead}")?;
                match status {
                    Some(s) => writeln!(
                        out,
                        "  {}  delivered {}  failures in a row {}{}",
                        if s.connected {
                            "connected"
                        } else {
                            "not connected"
                        },
                        s.delivered,
                        s.consecutive_failures,
                        s.last_error
                            .as_deref()
                            .map(|e| format!("  last problem: {e}"))
                            .unwrap_or_default()
                    )?,
                    None => writeln!(out, "  (serve is not running)")?,
                }
            }
        }
        MessagesCommand::DeadLetters { outbound } => {
            for dead in store.dead_letters(outbound.as_deref())? {
                writeln!(
                    out,
                    "{} {:>8}  message {}  {}  after {} attempt(s): {}",
                    dead.key.outbound,
                    dead.key.seq,
                    dead.message,
                    time(dead.at_micros),
                    dead.attempts,
                    dead.reason
                )?;
            }
        }
        MessagesCommand::Replay { outbound, seq } => {
            let key = QueueKey {
                outbound: outbound.clone(),
                seq: *seq,
            };
            let queued = scope.replay(key)?;
            writeln!(out, "queued again on {} as {}", queued.outbound, queued.seq)?;
        }
        MessagesCommand::Prune { older_than } => {
            let age =
                crate::interface::environment::parse_duration(older_than).ok_or_else(|| {
                    Failure::Usage(format!("{older_than:?} is not a duration such as 30d"))
                })?;
            let cut = now_micros().saturating_sub(age.as_micros().try_into().unwrap_or(u64::MAX));
            let deleted = block_on(store.prune(cut))?;
            writeln!(out, "{deleted} message(s) deleted")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How many summaries `search` reads at a time.
const SEARCH_PAGE: usize = 1000;

/// A message's disposition as `list` prints it.
fn disposition_text(store: &Store, id: MessageId) -> Result<String, StoreError> {
    Ok(store
        .disposition(id)?
        .map_or_else(|| "?".to_owned(), |d| d.disposition.to_string()))
}

/// One line of `list` and `search`.
fn summary_line(
    out: &mut impl Write,
    id: MessageId,
    info: &crate::store::MessageInfo,
    disposition: &str,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>8}  {}  {}  {}  {}  {disposition}",
        id.to_string(),
        time(info.received_at_micros),
        info.inbound,
        or_dash(&info.message_type),
        or_dash(&info.control_id),
    )
}

/// Runs one store request to completion on this thread.
fn block_on<T>(
    request: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| StoreError::Write(e.to_string()))?
        .block_on(request)
}

/// A time in µs since the Unix epoch, as an HL7 timestamp in UTC.
fn time(micros: u64) -> String {
    messagefoundry_hl7::hl7_timestamp(UNIX_EPOCH + Duration::from_micros(micros))
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() { "-" } else { text }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::interface::Disposition;
    use crate::store::{Incoming, MessageInfo, RouteRecord};

    fn incoming(text: &str) -> Incoming {
        let msg = messagefoundry_hl7::Message::parse(text).expect("test message");
        Incoming {
            inbound: Arc::from("IB_Lab"),
            raw: text.as_bytes().to_vec().into(),
            info: MessageInfo::of("IB_Lab", now_micros(), &msg),
            refused: None,
            dedupe: None,
        }
    }

    fn run_command(store: &Store, command: MessagesCommand) -> String {
        let mut out = Vec::new();
        let scope = Scope::Stopped {
            store,
            outbounds: vec!["OB_EHR"],
        };
        let code = execute(&scope, &command, &mut out).unwrap();
        assert_eq!(code, ExitCode::SUCCESS);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn list_show_dead_letters_replay_and_prune() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("m.redb")).unwrap();
        let oru = "MSH|^~\\&|LIS|LAB|EHR|HOSP|20240101||ORU^R01|C1|P|2.5.1\rPID|1||MRN1\r";
        let adt = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101||ADT^A01|C2|P|2.5.1\rPID|1||MRN2\r";
        let first = block_on(store.receive(incoming(oru))).unwrap().id;
        let second = block_on(store.receive(incoming(adt))).unwrap().id;
        let keys = block_on(store.record_route(RouteRecord {
            message: first,
            disposition: Disposition::Processed,
            detail: String::new(),
            handlers: Vec::new(),
            sends: vec![("OB_EHR".into(), Vec::new())],
        }))
        .unwrap();
        block_on(store.dead_letter(keys[0].clone(), 1, "AR (rejected): unknown patient".into()))
            .unwrap();

        let list = run_command(
            &store,
            MessagesCommand::List {
                limit: 10,
                before: None,
            },
        );
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), 2, "{list}");
        assert!(
            lines[0].contains("#2") && lines[0].ends_with("ADT^A01  C2  RECEIVED"),
            "{list}"
        );
        assert!(lines[1].ends_with("ORU^R01  C1  PROCESSED"), "{list}");

        let found = run_command(
            &store,
            MessagesCommand::Search {
                control_id: None,
                message_type: Some("ORU".into()),
                inbound: None,
                disposition: Some("processed".into()),
                limit: 10,
            },
        );
        assert_eq!(found.lines().count(), 1, "{found}");
        assert!(found.contains("#1") && found.contains("C1"), "{found}");
        let none = run_command(
            &store,
            MessagesCommand::Search {
                control_id: Some("C2".into()),
                message_type: None,
                inbound: None,
                disposition: Some("ERROR".into()),
                limit: 10,
            },
        );
        assert_eq!(none, "");

        let shown = run_command(&store, MessagesCommand::Show { id: "#1".into() });
        assert!(
            shown.contains("header    ORU^R01 C1 from LIS/LAB (HL7 2.5.1)"),
            "{shown}"
        );
        assert!(shown.ends_with("PID|1||MRN1\n"), "{shown}");

        let queues = run_command(&store, MessagesCommand::Queues);
        assert_eq!(
            queues,
            "OB_EHR  queued 0  dead letters 1  (serve is not running)\n"
        );
        let dead = run_command(&store, MessagesCommand::DeadLetters { outbound: None });
        assert!(dead.starts_with("OB_EHR"), "{dead}");
        assert!(
            dead.contains("message #1") && dead.contains("unknown patient"),
            "{dead}"
        );

        let replayed = run_command(
            &store,
            MessagesCommand::Replay {
                outbound: "OB_EHR".into(),
                seq: keys[0].seq,
            },
        );
        assert!(replayed.starts_with("queued again on OB_EHR"), "{replayed}");
        assert_eq!(store.queue_len("OB_EHR").unwrap(), 1);
        assert!(store.dead_letters(None).unwrap().is_empty());

        // The queued message and the unrouted one are kept.
        let pruned = run_command(
            &store,
            MessagesCommand::Prune {
                older_than: "1ms".into(),
            },
        );
        assert_eq!(pruned, "0 message(s) deleted\n");
        assert!(store.read_message(second).unwrap().is_some());
        store.shutdown();
    }
}
