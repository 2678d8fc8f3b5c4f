//! `messages`: the store, read and repaired from the command line. With `serve` running on the
//! store, the command goes through its control socket (redb lets one process open the store);
//! with `serve` stopped, it opens the store file itself. `show` and `edit` handle message
//! content, which is patient data: they are for the operator's terminal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use crate::interface::Disposition;
use crate::operations::{
    DestinationDetail, MessageDetail, MessageSummary, QueueState, Request, Response, Scope, Search,
    execute, instant,
};
use crate::store::index::FieldMatch;
use crate::store::{
    DeadLetter, DestinationState, MessageId, ParseState, QueueKey, SendOrigin, StateKind, Store,
};

/// Options of `messages`.
#[derive(clap::Args, Debug)]
pub struct MessagesArgs {
    /// The store file.
    #[arg(long, default_value = "messagefoundry.redb", global = true)]
    pub db: PathBuf,
    /// Where the store's keys are configured (with `serve` stopped; a running `serve` reads
    /// with its own).
    #[command(flatten)]
    pub keys: super::store_keys::StoreKeyArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: MessagesCommand,
}

/// What `messages` does.
#[derive(clap::Subcommand, Debug)]
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
        /// The disposition (RECEIVED, UNROUTED, FILTERED, PROCESSED, ERROR).
        #[arg(long, value_parser = disposition)]
        disposition: Option<Disposition>,
        /// A copy queued for this outbound (in `--state`, if given).
        #[arg(long)]
        outbound: Option<String>,
        /// A copy in this state (queued, delivered, dead), for `--outbound` if given.
        #[arg(long, value_parser = state)]
        state: Option<StateKind>,
        /// An indexed field's value, PATH=VALUE (`PID-3.1=12345`), or PATH=START* for the
        /// values that start so (`PID-5.1=SMI*`); repeat for several. A field no inbound
        /// indexes is refused.
        #[arg(long = "field", value_parser = FieldMatch::parse)]
        fields: Vec<FieldMatch>,
        /// Received at or after: a time (`2026-11-30T08:00:00Z`) or how long ago (`2h`).
        #[arg(long, value_parser = instant)]
        since: Option<u64>,
        /// Received before: a time (`2026-11-30T09:00:00Z`) or how long ago (`30m`).
        #[arg(long, value_parser = instant)]
        until: Option<u64>,
        /// How many at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One message: its summary, disposition, each handler's result, each copy queued for an
    /// outbound and where it is now, its content (one segment per line), and each copy's
    /// content where it differs.
    Show {
        /// The message id (as `list` prints it, with or without `#`).
        id: String,
    },
    /// Queue a message again for one outbound: the last copy queued for it, or the message as
    /// received.
    Resend {
        /// The message id.
        id: String,
        /// The outbound.
        #[arg(long)]
        to: String,
        /// Send the message as received, not the copy a handler made for this outbound.
        #[arg(long)]
        as_received: bool,
    },
    /// Edit a message (in $VISUAL or $EDITOR, or from `--file`) and send the edit: it is
    /// stored as a message of its own beside the original, which is kept as received, and
    /// routed again, or with `--to`, queued for that outbound only.
    Edit {
        /// The message id.
        id: String,
        /// Take the edited message from this file instead of opening an editor.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Queue the edit for this outbound only, instead of routing it again.
        #[arg(long)]
        to: Option<String>,
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
    /// not yet routed messages are kept.
    Prune {
        /// How old a finished message must be to go.
        #[arg(long)]
        older_than: String,
    },
}

impl MessagesCommand {
    /// The operation the command asks for.
    fn request(&self) -> Result<Request, String> {
        Ok(match self {
            MessagesCommand::List { limit, before } => Request::List {
                before: before.map(MessageId),
                limit: *limit,
            },
            MessagesCommand::Search {
                control_id,
                message_type,
                inbound,
                disposition,
                outbound,
                state,
                fields,
                since,
                until,
                limit,
            } => Request::Search(Search {
                control_id: control_id.clone(),
                message_type: message_type.clone(),
                inbound: inbound.clone(),
                disposition: *disposition,
                outbound: outbound.clone(),
                state: *state,
                fields: fields.clone(),
                since: *since,
                until: *until,
                limit: *limit,
            }),
            MessagesCommand::Show { id } => Request::Show(message_id(id)?),
            MessagesCommand::Resend {
                id,
                to,
                as_received,
            } => Request::Resend {
                id: message_id(id)?,
                outbound: to.clone(),
                as_received: *as_received,
            },
            // The edit itself is made first (see `edit::request`); this is what to show.
            MessagesCommand::Edit { id, .. } => Request::Show(message_id(id)?),
            MessagesCommand::Queues => Request::Queues,
            MessagesCommand::DeadLetters { outbound } => Request::DeadLetters(outbound.clone()),
            MessagesCommand::Replay { outbound, seq } => Request::Replay(QueueKey {
                outbound: outbound.clone(),
                seq: *seq,
            }),
            MessagesCommand::Prune { older_than } => Request::Prune(
                crate::config::parse_duration(older_than)
                    .ok_or_else(|| format!("{older_than:?} is not a duration such as 30d"))?,
            ),
        })
    }
}

/// Reads a message id, as `list` prints it (with or without `#`).
fn message_id(text: &str) -> Result<MessageId, String> {
    text.trim_start_matches('#')
        .parse()
        .map(MessageId)
        .map_err(|_| format!("{text:?} is not a message id"))
}

/// Reads `--state`.
fn state(text: &str) -> Result<StateKind, String> {
    StateKind::from_name(text)
        .ok_or_else(|| format!("{text:?} is not a state: queued, delivered or dead"))
}

/// Reads `--disposition`.
fn disposition(text: &str) -> Result<Disposition, String> {
    Disposition::from_name(text).ok_or_else(|| {
        format!("{text:?} is not a disposition: RECEIVED, UNROUTED, FILTERED, PROCESSED or ERROR")
    })
}

/// Runs `messages`: through the running `serve`'s control socket, or on the store file.
pub fn run(wiring: &super::Wiring<'_>, args: &MessagesArgs) -> ExitCode {
    // What an operator changes is logged (without content) on stderr when the command runs on
    // the store itself; through a running `serve`, in its log.
    super::init_logging(super::serve::LogFormat::Text);
    let mut request = match args.command.request() {
        Ok(request) => request,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let MessagesCommand::Edit { file, to, .. } = &args.command {
        let original = match answer(wiring, &args.db, &args.keys, &request) {
            Ok(Response::Message(original)) => original,
            Ok(_) => {
                eprintln!("error: the store answered something else than the message");
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        request = match super::edit::request(&original, file.as_deref(), to.clone()) {
            Ok(request) => request,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
    }
    match answer(wiring, &args.db, &args.keys, &request) {
        Ok(response) => {
            // Best effort, as `say!`: a closed pipe does not make the command fail.
            let _ = print(&mut std::io::stdout().lock(), &response);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a request through the running `serve`'s control socket, or on the store file.
fn answer(
    wiring: &super::Wiring<'_>,
    db: &std::path::Path,
    keys: &super::store_keys::StoreKeyArgs,
    request: &Request,
) -> Result<Response, String> {
    match super::control::ask(db, request) {
        Some(Ok(answer)) => answer,
        Some(Err(e)) => Err(format!("the running serve did not answer: {e}")),
        None => on_store(wiring, db, keys, request),
    }
}

/// Runs a request on the store file, with `serve` stopped.
fn on_store(
    wiring: &super::Wiring<'_>,
    db: &std::path::Path,
    keys: &super::store_keys::StoreKeyArgs,
    request: &Request,
) -> Result<Response, String> {
    let keys = keys.keys().map_err(|e| e.to_string())?;
    let store = Store::open_with(db, &keys).map_err(|e| e.to_string())?;
    let scope = Scope::Stopped {
        store: store.clone(),
        inbounds: wiring.inbounds.iter().map(|i| i.name()).collect(),
        outbounds: wiring.outbounds.iter().map(|o| o.name()).collect(),
    };
    let answer = match super::runtime() {
        Some(runtime) => runtime
            .block_on(execute(&scope, request))
            .map_err(|e| e.to_string()),
        None => Err("no async runtime".to_owned()),
    };
    drop(scope);
    store.shutdown();
    answer
}

/// Prints what an operation gave, as the operator reads it.
fn print(out: &mut impl Write, response: &Response) -> std::io::Result<()> {
    match response {
        Response::Messages(messages) => {
            for message in messages {
                summary_line(out, message)?;
            }
        }
        Response::Message(message) => detail(out, message)?,
        Response::Queues(queues) => {
            for queue in queues {
                writeln!(out, "{}", queue_line(queue))?;
            }
        }
        Response::DeadLetters(dead) => {
            for dead in dead {
                dead_letter_line(out, dead)?;
            }
        }
        Response::Replayed(queued) => {
            writeln!(out, "queued again on {} as {}", queued.outbound, queued.seq)?;
        }
        Response::Pruned(deleted) => writeln!(out, "{deleted} message(s) deleted")?,
        Response::Resent(queued) => {
            writeln!(
                out,
                "resent: queued on {} as {}",
                queued.outbound, queued.seq
            )?;
        }
        Response::Edited(edited) => match &edited.queued {
            Some(queued) => writeln!(
                out,
                "the edit is stored as {}; queued on {} as {}",
                edited.edit, queued.outbound, queued.seq
            )?,
            None => writeln!(
                out,
                "the edit is stored as {}; it is routed again through its inbound",
                edited.edit
            )?,
        },
    }
    Ok(())
}

/// One line of `list` and `search`.
fn summary_line(out: &mut impl Write, message: &MessageSummary) -> std::io::Result<()> {
    let info = &message.info;
    writeln!(
        out,
        "{:>8}  {}  {}  {}  {}  {}",
        message.id.to_string(),
        time(info.received_at_micros),
        info.inbound,
        or_dash(&info.message_type),
        or_dash(&info.control_id),
        message.disposition.map_or("?", |d| d.as_str()),
    )
}

/// `show`: the summary, the disposition, and the content one segment per line.
fn detail(out: &mut impl Write, message: &MessageDetail) -> std::io::Result<()> {
    let info = &message.info;
    writeln!(out, "message   {}", message.id)?;
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
    if info.utf8_declared_latin1 {
        writeln!(
            out,
            "charset   MSH-18 declares 8859/1 but the bytes are UTF-8 (an inbound with charset = utf8 reads them as sent)"
        )?;
    }
    if let Some(d) = &message.disposition {
        writeln!(out, "outcome   {} {}", d.disposition, d.detail)?;
    }
    if let Some(original) = message.edit_of {
        writeln!(out, "edit of   {original} (by the operator)")?;
    }
    for edit in &message.edits {
        writeln!(out, "edited    as {edit}")?;
    }
    for h in &message.handlers {
        let reason = if h.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", h.reason)
        };
        writeln!(out, "handler   {} {}{reason}", h.handler, h.disposition)?;
    }
    for d in &message.destinations {
        writeln!(out, "to        {}", destination_line(d))?;
    }
    writeln!(out)?;
    segments(out, &message.raw, "")?;
    for d in &message.destinations {
        if let Some(payload) = &d.copy.payload {
            writeln!(out)?;
            writeln!(
                out,
                "sent to   {} {} (differs from the message as received)",
                d.copy.key.outbound, d.copy.key.seq
            )?;
            segments(out, payload, "")?;
        }
    }
    Ok(())
}

/// A message's segments, one per line, each after `indent`.
pub(super) fn segments(out: &mut impl Write, raw: &[u8], indent: &str) -> std::io::Result<()> {
    for segment in raw.split(|b| *b == b'\r' || *b == b'\n') {
        if !segment.is_empty() {
            out.write_all(indent.as_bytes())?;
            out.write_all(segment)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// One copy's line of `show`: where it went, who queued it, and where it is now.
fn destination_line(d: &DestinationDetail) -> String {
    let copy = &d.copy;
    let by = match &copy.origin {
        SendOrigin::Handler(name) => name.as_str(),
        SendOrigin::Operator => "the operator",
    };
    let state = match &copy.state {
        DestinationState::Queued { attempts, ahead } => {
            let sender = d
                .sender
                .as_ref()
                .map(|s| {
                    format!(
                        "; sender {}, {} failure(s) in a row{}",
                        if s.connected {
                            "connected"
                        } else {
                            "not connected"
                        },
                        s.consecutive_failures,
                        s.last_error
                            .as_deref()
                            .map(|e| format!(", last problem: {e}"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let refused = if *attempts > 0 {
                format!(", {attempts} attempt(s) answered AE/CE")
            } else {
                String::new()
            };
            format!("QUEUED, {ahead} ahead{refused}{sender}")
        }
        DestinationState::Delivered {
            at_micros,
            attempts,
            ack,
        } => format!(
            "DELIVERED {} {} after {attempts} attempt(s)",
            time(*at_micros),
            or_dash(ack)
        ),
        DestinationState::DeadLettered {
            at_micros,
            attempts,
            reason,
        } => format!(
            "DEAD-LETTERED {} after {attempts} attempt(s): {reason}",
            time(*at_micros)
        ),
        DestinationState::Unknown => "state unknown (its delivery history was pruned)".to_owned(),
    };
    format!(
        "{} {} by {by}, queued {}: {state}",
        copy.key.outbound,
        copy.key.seq,
        time(copy.queued_at_micros)
    )
}

/// One outbound's line of `queues` (and of `check` while `serve` runs).
pub(super) fn queue_line(queue: &QueueState) -> String {
    let state = match &queue.sender {
        Some(s) => format!(
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
        ),
        None => "  (serve is not running)".to_owned(),
    };
    format!(
        "{}  queued {}  dead letters {}{state}",
        queue.outbound, queue.queued, queue.dead_letters
    )
}

/// One line of `dead-letters`.
fn dead_letter_line(out: &mut impl Write, dead: &DeadLetter) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {:>8}  message {}  {}  after {} attempt(s): {}",
        dead.key.outbound,
        dead.key.seq,
        dead.message,
        time(dead.at_micros),
        dead.attempts,
        dead.reason
    )
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
    use super::*;
    use crate::operations::tests::{Fixture, ORU, fixture};

    async fn printed(f: &Fixture, command: MessagesCommand) -> String {
        let request = command.request().unwrap();
        let response = execute(&f.scope(), &request).await.unwrap();
        let mut out = Vec::new();
        print(&mut out, &response).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn what_list_show_queues_dead_letters_replay_and_prune_print() {
        let f = fixture().await;
        let list = printed(
            &f,
            MessagesCommand::List {
                limit: 10,
                before: None,
            },
        )
        .await;
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), 3, "{list}");
        assert!(
            lines[1].starts_with("      #2  ")
                && lines[1].ends_with("IB_Lab  ADT^A01  C2  RECEIVED"),
            "{list}"
        );
        assert!(lines[2].ends_with("ORU^R01  C1  PROCESSED"), "{list}");

        let found = printed(
            &f,
            MessagesCommand::Search {
                control_id: None,
                message_type: Some("ORU".into()),
                inbound: None,
                disposition: Some(Disposition::Processed),
                outbound: None,
                state: None,
                fields: Vec::new(),
                since: None,
                until: None,
                limit: 10,
            },
        )
        .await;
        assert_eq!(found.lines().count(), 1, "{found}");
        assert!(found.contains("#1") && found.contains("C1"), "{found}");

        let shown = printed(&f, MessagesCommand::Show { id: "#1".into() }).await;
        assert!(shown.starts_with("message   #1\nreceived  "), "{shown}");
        assert!(
            shown.contains(
                "header    ORU^R01 C1 from LIS/LAB (HL7 2.5.1)\noutcome   PROCESSED \n\
                 handler   to_ehr PROCESSED\n"
            ),
            "{shown}"
        );
        // The copy for the EHR: where it went, who queued it, and that it was dead-lettered.
        let to = shown
            .lines()
            .find(|l| l.starts_with("to        "))
            .unwrap_or_else(|| panic!("no destination line: {shown}"));
        assert!(
            to.starts_with(&format!(
                "to        OB_EHR {} by to_ehr, queued ",
                f.dead.seq
            )),
            "{to}"
        );
        assert!(
            to.contains(": DEAD-LETTERED ")
                && to.ends_with(" after 1 attempt(s): AR (rejected): unknown patient"),
            "{to}"
        );
        // Sent as received: its content is shown once.
        assert!(
            shown.ends_with(&format!("{to}\n\n{}", ORU.replace('\r', "\n"))),
            "{shown}"
        );

        let queues = printed(&f, MessagesCommand::Queues).await;
        assert_eq!(
            queues,
            "OB_EHR  queued 0  dead letters 1  (serve is not running)\n"
        );
        let dead = printed(&f, MessagesCommand::DeadLetters { outbound: None }).await;
        assert!(dead.starts_with("OB_EHR "), "{dead}");
        assert!(
            dead.contains("message #1")
                && dead.ends_with("after 1 attempt(s): AR (rejected): unknown patient\n"),
            "{dead}"
        );

        let replayed = printed(
            &f,
            MessagesCommand::Replay {
                outbound: "OB_EHR".into(),
                seq: f.dead.seq,
            },
        )
        .await;
        assert!(
            replayed.starts_with("queued again on OB_EHR as "),
            "{replayed}"
        );

        let pruned = printed(
            &f,
            MessagesCommand::Prune {
                older_than: "1d".into(),
            },
        )
        .await;
        assert_eq!(pruned, "0 message(s) deleted\n");
    }

    #[test]
    fn a_command_with_a_bad_value_is_refused_before_anything_runs() {
        let show = MessagesCommand::Show { id: "one".into() };
        assert_eq!(show.request().unwrap_err(), "\"one\" is not a message id");
        let prune = MessagesCommand::Prune {
            older_than: "soon".into(),
        };
        assert_eq!(
            prune.request().unwrap_err(),
            "\"soon\" is not a duration such as 30d"
        );
        assert_eq!(disposition("processed"), Ok(Disposition::Processed));
        assert!(disposition("ROUTED").is_err());
    }

    #[test]
    fn a_queue_line_shows_the_sender_when_serve_runs() {
        let queue = QueueState {
            outbound: "OB_EHR".into(),
            queued: 3,
            dead_letters: 0,
            sender: Some(crate::engine::SenderStatus {
                connected: false,
                consecutive_failures: 2,
                last_error: Some("connection refused".into()),
                delivered: 7,
                connection_failures: 2,
            }),
        };
        assert_eq!(
            queue_line(&queue),
            "OB_EHR  queued 3  dead letters 0  not connected  delivered 7  failures in a row 2  last problem: connection refused"
        );
    }
}
