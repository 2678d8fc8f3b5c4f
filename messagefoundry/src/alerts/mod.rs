//! Alerts: rules in the environment file's `[alerts]` section, looked at periodically by
//! `serve` on the engine's runtime, turned into incidents (one notification when one opens, a
//! reminder every `repeat_every`, one when it is resolved), and sent to the log, a webhook
//! and an email server. A notification names connections, counts and durations: never a
//! message's content.

mod evaluate;
mod fields;
mod incidents;
mod notify;
mod observe;
mod rules;
mod schedule;
mod secret;
mod settings;

use jiff::Timestamp;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use evaluate::Evaluator;
pub use incidents::{Notice, Status};
pub use notify::Channels;
pub use observe::{Sources, certificate_files};
pub use rules::Declared;
pub use settings::AlertSettings;

/// The name notifications give the engine: the interface binary's.
pub fn engine_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "messagefoundry".to_owned())
}

/// The notification `alerts test` sends.
pub fn test_notice() -> Notice {
    let now = Timestamp::now();
    Notice {
        status: Status::Test,
        alert: "test",
        subject: "alerts test".to_owned(),
        summary: "a test notification from `alerts test`: this channel works".to_owned(),
        since: now,
        at: now,
        repeat: 0,
    }
}

/// Starts looking at the rules every `check_every` until `stop`; `None` when there is no
/// rule. Notifications still being retried get a short while at the end.
pub fn start(
    settings: AlertSettings,
    channels: Channels,
    sources: Sources,
    stop: CancellationToken,
) -> Option<JoinHandle<()>> {
    if settings.rules.is_empty() {
        return None;
    }
    tracing::info!(
        rules = settings.rules.len(),
        channels = %channels.names().join(", "),
        "alerts: watching every {:?}",
        settings.check_every
    );
    let every = settings.check_every;
    let mut evaluator = Evaluator::new(settings);
    let dispatcher = channels.start();
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stop.cancelled() => break,
            }
            let seen = sources.observe().await;
            for notice in evaluator.evaluate(&seen) {
                dispatcher.notify(notice);
            }
        }
        dispatcher.close().await;
    }))
}
