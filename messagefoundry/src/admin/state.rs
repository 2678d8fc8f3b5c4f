//! What the admin server knows of the engine: nothing while it starts, its handle once it
//! runs, and that it is stopping. Readiness is read from the engine's own state each time.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::engine::EngineHandle;

/// Shared by every request.
#[derive(Default)]
pub struct AdminState {
    /// Set once the engine has opened its store and bound every listener.
    engine: OnceLock<EngineHandle>,
    /// Set when the engine is told to stop: it drains, and takes no new connections.
    stopping: AtomicBool,
    /// The bearer token `/metrics` and `/api/v1/` require, if any.
    pub(crate) token: Option<super::auth::Token>,
}

/// What `/ready` answers.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Readiness {
    /// Whether the engine takes messages: the store open, every listener bound, not stopping.
    pub ready: bool,
    /// `starting`, `running` or `stopping`.
    pub phase: &'static str,
    /// Whether the store is open (its writer running).
    pub store_open: bool,
    /// Each inbound and whether its listener is bound and accepting.
    pub inbounds: Vec<InboundReadiness>,
}

/// One inbound in [`Readiness`].
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct InboundReadiness {
    /// Its name.
    pub name: &'static str,
    /// Whether its listener is bound and accepting.
    pub listening: bool,
}

impl AdminState {
    /// A state for a server that requires `token`, if given.
    pub fn new(token: Option<super::auth::Token>) -> AdminState {
        AdminState {
            token,
            ..AdminState::default()
        }
    }

    /// The engine runs: its store is open and its listeners bound.
    pub fn running(&self, engine: EngineHandle) {
        let _ = self.engine.set(engine);
    }

    /// The engine is stopping.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// The running engine, once it runs.
    pub fn engine(&self) -> Option<&EngineHandle> {
        self.engine.get()
    }

    /// Whether the engine takes messages now, and why not.
    pub fn readiness(&self) -> Readiness {
        let stopping = self.stopping.load(Ordering::Relaxed);
        let Some(engine) = self.engine.get() else {
            return Readiness {
                ready: false,
                phase: if stopping { "stopping" } else { "starting" },
                store_open: false,
                inbounds: Vec::new(),
            };
        };
        let store_open = engine.store().is_open();
        let inbounds: Vec<InboundReadiness> = engine
            .metrics()
            .inbounds
            .iter()
            .map(|m| InboundReadiness {
                name: m.name,
                listening: m.listening(),
            })
            .collect();
        Readiness {
            ready: !stopping && store_open && inbounds.iter().all(|i| i.listening),
            phase: if stopping { "stopping" } else { "running" },
            store_open,
            inbounds,
        }
    }
}
