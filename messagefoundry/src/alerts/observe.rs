//! What the rules look at, read from the running engine: the counters `/metrics` shows, the
//! queues as `/metrics` reads them, the dead letters as `messages queues` counts them, the
//! certificate files and the store's file system.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::evaluate::{CertificateSeen, DiskSeen, InboundSeen, Observed, OutboundSeen};
use crate::admin::AdminPlan;
use crate::config::Settings;
use crate::engine::EngineHandle;
use crate::interface::Disposition;
use crate::metrics::NakReason;
use crate::operations::Scope;

/// Where the rules' state is read.
pub struct Sources {
    /// The running engine.
    pub engine: EngineHandle,
    /// Each certificate file the engine uses, and who uses it.
    pub certificates: Vec<(String, PathBuf)>,
    /// The store file (its file system is watched).
    pub db: PathBuf,
    /// When `serve` started.
    pub started: Timestamp,
}

impl Sources {
    /// Reads everything now; what cannot be read is `None` (the rules then wait).
    pub async fn observe(&self) -> Observed {
        let engine = &self.engine;
        let inbounds = engine.metrics().inbounds.iter().map(|m| InboundSeen {
            name: m.name.to_owned(),
            last_message: Some(m.last_message.seconds())
                .filter(|s| *s > 0.0)
                .and_then(|s| Timestamp::from_microsecond((s * 1e6) as i64).ok()),
            received: m.received.get(),
            naks: NakReason::ALL.iter().map(|r| m.naks(*r)).sum(),
            routed: [
                Disposition::Unrouted,
                Disposition::Filtered,
                Disposition::Processed,
                Disposition::Error,
            ]
            .iter()
            .map(|d| m.routed_count(*d))
            .sum(),
            errors: m.routed_count(Disposition::Error),
        });
        let inbounds = inbounds.collect();
        let dead: Vec<(String, u64)> = crate::operations::queues(&Scope::Serving(engine.clone()))
            .await
            .map(|q| {
                q.into_iter()
                    .map(|q| (q.outbound, q.dead_letters))
                    .collect()
            })
            .unwrap_or_default();
        let store = engine.store().clone();
        let names: Vec<&'static str> = engine.outbounds();
        let certificates = self.certificates.clone();
        let db = self.db.clone();
        let read = tokio::task::spawn_blocking(move || {
            let queues: Vec<_> = names
                .iter()
                .map(|n| crate::admin::queue(&store, n))
                .collect();
            (
                queues,
                certificates
                    .into_iter()
                    .map(certificate)
                    .collect::<Vec<_>>(),
                disk(&db),
            )
        })
        .await;
        let (queues, certificates, disk) = read.unwrap_or_default();
        let statuses = engine.sender_statuses();
        let outbounds = statuses
            .into_iter()
            .enumerate()
            .map(|(n, (name, status))| OutboundSeen {
                name: name.to_owned(),
                queued: queues.get(n).and_then(|q| q.depth),
                oldest_age_seconds: queues.get(n).and_then(|q| q.oldest_age_seconds),
                dead_letters: dead.iter().find(|(o, _)| o == name).map(|(_, d)| *d),
                connected: status.connected,
                consecutive_failures: status.consecutive_failures,
            })
            .collect();
        Observed {
            at: Timestamp::now(),
            started: self.started,
            inbounds,
            outbounds,
            certificates,
            disk,
        }
    }
}

/// A certificate file's expiry. Blocking.
fn certificate((user, path): (String, PathBuf)) -> CertificateSeen {
    let expires = crate::tls::read_certificates(&path)
        .map_err(|e| e.to_string())
        .and_then(|certs| {
            certs
                .first()
                .and_then(crate::tls::expires)
                .and_then(|at| Timestamp::try_from(at).ok())
                .ok_or_else(|| "its expiry cannot be read".to_owned())
        });
    CertificateSeen {
        user,
        path: path.display().to_string(),
        expires,
    }
}

/// Free space on the file system of the store's folder. Blocking.
fn disk(db: &Path) -> Option<DiskSeen> {
    let folder = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let stat = rustix::fs::statvfs(folder).ok()?;
    Some(DiskSeen {
        free: stat.f_bavail.saturating_mul(stat.f_frsize),
        total: stat.f_blocks.saturating_mul(stat.f_frsize),
    })
}

/// Every certificate file the engine uses: each inbound's (or the self-signed one), client
/// CAs, each outbound's CA and client certificate, the admin server's. Each file once.
pub fn certificate_files(
    settings: &Settings,
    admin: Option<&AdminPlan>,
    db: &Path,
) -> Vec<(String, PathBuf)> {
    use crate::tls::ListenerCert;
    let self_signed = || crate::tls::self_signed::paths(db).0;
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for (inbound, s) in &settings.inbounds {
        let user = format!("inbound {}", inbound.name());
        match crate::tls::listener_cert(s) {
            Ok(ListenerCert::Files { cert, .. }) => files.push((user.clone(), cert)),
            Ok(ListenerCert::SelfSigned) => {
                files.push(("listeners (self-signed)".into(), self_signed()))
            }
            _ => {}
        }
        files.extend(
            s.tls_client_ca
                .clone()
                .map(|ca| (format!("{user} client CAs"), ca)),
        );
    }
    for (outbound, s) in &settings.outbounds {
        let user = format!("outbound {}", outbound.name());
        files.extend(s.tls_ca.clone().map(|ca| (format!("{user} CA"), ca)));
        files.extend(s.tls_cert.clone().map(|cert| (user.clone(), cert)));
    }
    if let Some(plan) = admin {
        match plan.cert.as_listener() {
            ListenerCert::Files { cert, .. } => files.push(("admin server".into(), cert)),
            ListenerCert::SelfSigned => {
                files.push(("listeners (self-signed)".into(), self_signed()))
            }
            ListenerCert::Off => {}
        }
        files.extend(
            plan.client_ca
                .clone()
                .map(|ca| ("admin server client CAs".into(), ca)),
        );
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|(_, path)| seen.insert(path.clone()));
    files
}
