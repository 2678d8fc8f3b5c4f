//! Where notifications go: always the log, and the webhook and the email server that
//! `[alerts]` names. Each channel has a queue and a task of its own, so a slow or failing one
//! delays no other, and keeps its notifications in order; each notification is retried with
//! backoff up to the channel's attempts, then given up with a log line.

mod email;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub use email::Email;
pub use webhook::Webhook;

use super::incidents::{Notice, Status};
use super::settings::AlertSettings;

/// Notifications waiting for a channel beyond this are dropped (and logged): a channel that
/// is down for long must not hold memory without bound.
const QUEUE: usize = 256;
/// The first wait before a notification is tried again; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// At shutdown, queued notifications get this long to go out.
const DRAIN: Duration = Duration::from_secs(5);

/// The channels of `[alerts]`, opened: secrets read, TLS set up.
pub struct Channels {
    /// The name notifications give the engine (the interface binary's).
    engine: String,
    webhook: Option<Arc<Webhook>>,
    email: Option<Arc<Email>>,
}

/// A notification as the webhook posts it.
#[derive(Serialize)]
struct Payload<'a> {
    engine: &'a str,
    status: Status,
    alert: &'a str,
    subject: &'a str,
    summary: &'a str,
    since: String,
    at: String,
    repeat: u32,
}

impl Channels {
    /// Opens the channels `settings` names. Blocking: it reads secrets and CA files. The
    /// error names the channel and what is wrong, never a secret.
    pub fn open(settings: &AlertSettings, engine: &str) -> Result<Channels, String> {
        let webhook = settings
            .webhook
            .as_ref()
            .map(|w| Webhook::open(w).map_err(|e| format!("[alerts.webhook] {e}")))
            .transpose()?;
        let email = settings
            .email
            .as_ref()
            .map(|e| Email::open(e).map_err(|e| format!("[alerts.email] {e}")))
            .transpose()?;
        Ok(Channels {
            engine: engine.to_owned(),
            webhook: webhook.map(Arc::new),
            email: email.map(Arc::new),
        })
    }

    /// Each channel's name: `log`, `webhook https://…`, `email host:port (STARTTLS)`.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec!["log".to_owned()];
        names.extend(self.webhook.as_ref().map(|w| w.name()));
        names.extend(self.email.as_ref().map(|e| e.name()));
        names
    }

    /// Sends `notice` once through every channel, and says how each went (`alerts test`).
    pub async fn send_once(&self, notice: &Notice) -> Vec<(String, Result<(), String>)> {
        log(notice);
        let mut results = vec![("log".to_owned(), Ok(()))];
        if let Some(w) = &self.webhook {
            results.push((w.name(), w.post(&self.json(notice)).await));
        }
        if let Some(e) = &self.email {
            let (subject, text) = self.mail(notice);
            results.push((e.name(), e.send(&subject, &text).await));
        }
        results
    }

    /// Starts a task per channel; notifications go through the returned dispatcher.
    pub fn start(self) -> Dispatcher {
        let channels = Arc::new(self);
        let mut tasks = JoinSet::new();
        let mut queues = Vec::new();
        if channels.webhook.is_some() {
            let (tx, rx) = mpsc::channel(QUEUE);
            tasks.spawn(deliver(Arc::clone(&channels), Kind::Webhook, rx));
            queues.push(tx);
        }
        if channels.email.is_some() {
            let (tx, rx) = mpsc::channel(QUEUE);
            tasks.spawn(deliver(Arc::clone(&channels), Kind::Email, rx));
            queues.push(tx);
        }
        Dispatcher { queues, tasks }
    }

    fn json(&self, n: &Notice) -> Vec<u8> {
        let payload = Payload {
            engine: &self.engine,
            status: n.status,
            alert: n.alert,
            subject: &n.subject,
            summary: &n.summary,
            since: n.since.to_string(),
            at: n.at.to_string(),
            repeat: n.repeat,
        };
        serde_json::to_vec(&payload).unwrap_or_default()
    }

    /// A mail's subject and text.
    fn mail(&self, n: &Notice) -> (String, String) {
        let engine = &self.engine;
        let subject = match n.status {
            Status::Firing => format!("[{engine}] FIRING {} {}", n.alert, n.subject),
            Status::Resolved => format!("[{engine}] RESOLVED {} {}", n.alert, n.subject),
            Status::Test => format!("[{engine}] test notification"),
        };
        let status = match n.status {
            Status::Firing if n.repeat > 0 => format!("still firing (reminder {})", n.repeat),
            Status::Firing => "firing".to_owned(),
            Status::Resolved => format!("resolved at {}", n.at),
            Status::Test => "a test: nothing is wrong".to_owned(),
        };
        let text = format!(
            "{}\n\nalert:   {}\nsubject: {}\nstatus:  {status}\nsince:   {}\nengine:  {engine}\n",
            n.summary, n.alert, n.subject, n.since
        );
        (subject, text)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Webhook,
    Email,
}

/// Hands notifications to the channels' tasks.
pub struct Dispatcher {
    queues: Vec<mpsc::Sender<Notice>>,
    tasks: JoinSet<()>,
}

impl Dispatcher {
    /// Logs `notice` now and queues it for every other channel.
    pub fn notify(&self, notice: Notice) {
        log(&notice);
        for queue in &self.queues {
            if queue.try_send(notice.clone()).is_err() {
                tracing::error!(
                    alert = notice.alert,
                    subject = %notice.subject,
                    "alert notification dropped: a channel has {QUEUE} waiting"
                );
            }
        }
    }

    /// Lets queued notifications go out for a short while, then stops.
    pub async fn close(mut self) {
        self.queues.clear();
        let drained = tokio::time::timeout(DRAIN, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("alert notifications still being retried at shutdown were given up");
            self.tasks.abort_all();
        }
    }
}

/// One channel's task: each notification in turn, retried with backoff.
async fn deliver(channels: Arc<Channels>, kind: Kind, mut queue: mpsc::Receiver<Notice>) {
    while let Some(notice) = queue.recv().await {
        let (name, attempts) = match kind {
            Kind::Webhook => channels.webhook.as_ref().map(|w| (w.name(), w.attempts())),
            Kind::Email => channels.email.as_ref().map(|e| (e.name(), e.attempts())),
        }
        .unwrap_or_default();
        let mut wait = FIRST_BACKOFF;
        for attempt in 1..=attempts {
            let sent = match kind {
                Kind::Webhook => match &channels.webhook {
                    Some(w) => w.post(&channels.json(&notice)).await,
                    None => Ok(()),
                },
                Kind::Email => match &channels.email {
                    Some(e) => {
                        let (subject, text) = channels.mail(&notice);
                        e.send(&subject, &text).await
                    }
                    None => Ok(()),
                },
            };
            match sent {
                Ok(()) => {
                    tracing::debug!(channel = %name, alert = notice.alert, subject = %notice.subject, "alert notification sent");
                    break;
                }
                Err(e) if attempt == attempts => tracing::error!(
                    channel = %name,
                    alert = notice.alert,
                    subject = %notice.subject,
                    "alert notification given up after {attempts} attempt(s): {e}"
                ),
                Err(e) => {
                    tracing::warn!(channel = %name, "alert notification failed (attempt {attempt} of {attempts}), trying again in {wait:?}: {e}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// The log channel: a firing incident at WARN, the rest at INFO.
fn log(n: &Notice) {
    let (alert, subject, repeat) = (n.alert, n.subject.as_str(), n.repeat);
    match n.status {
        Status::Firing => tracing::warn!(alert, subject, repeat, "alert firing: {}", n.summary),
        Status::Resolved => tracing::info!(alert, subject, "alert resolved: {}", n.summary),
        Status::Test => tracing::info!(alert, subject, "alert test: {}", n.summary),
    }
}
