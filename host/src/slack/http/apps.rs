//! The apps whose events come over HTTP: each with its signing secret, its
//! teams, and the event ids it has seen (Slack retries a request it thinks
//! failed, with the same `event_id`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::sync::mpsc;

use super::super::dedupe::Seen;
use super::super::link::TeamLink;
use super::super::routes::{AppRoutes, Uninstall};
use crate::event::EventSink;
use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::secret::Secret;
use crate::spec::HttpAppSpec;

/// Event ids remembered per app (Slack retries within 5 minutes).
const SEEN_EVENTS: usize = 16_384;

/// One app served over HTTP.
#[derive(Debug)]
pub struct HttpApp {
    /// Replaceable in place: a new secret keeps the app's teams attached.
    secret: RwLock<Secret>,
    pub(in crate::slack) routes: AppRoutes,
    seen: Mutex<Seen>,
}

impl HttpApp {
    pub fn id(&self) -> &str {
        &self.routes.app_id
    }

    pub(in crate::slack) fn attach(&self, link: Arc<TeamLink>, sink: Arc<dyn EventSink>) {
        self.routes.attach(link, sink);
    }

    pub(in crate::slack) fn detach(&self, team: &TeamId) {
        self.routes.detach(team);
    }

    pub(super) fn secret(&self) -> Secret {
        self.secret
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records an event id; false when it was seen already (a retry).
    pub(super) fn first_time(&self, event_id: &str) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(event_id)
    }
}

/// Every app served over HTTP, by id.
#[derive(Debug)]
pub struct HttpApps {
    apps: RwLock<HashMap<String, Arc<HttpApp>>>,
    pub(super) metrics: Arc<Metrics>,
    uninstalls: mpsc::Sender<Uninstall>,
}

impl HttpApps {
    pub(in crate::slack) fn new(
        metrics: Arc<Metrics>,
        uninstalls: mpsc::Sender<Uninstall>,
    ) -> Self {
        Self {
            apps: RwLock::default(),
            metrics,
            uninstalls,
        }
    }

    /// Serves an app; for an app already served, a new signing secret
    /// replaces the old one (its teams stay attached).
    pub fn add(&self, spec: HttpAppSpec) {
        let mut apps = self.apps.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(app) = apps.get(&spec.id) {
            let mut secret = app.secret.write().unwrap_or_else(PoisonError::into_inner);
            if *secret != spec.signing_secret {
                tracing::info!(app = %spec.id, "signing secret replaced");
                *secret = spec.signing_secret;
            }
            return;
        }
        let app = Arc::new(HttpApp {
            secret: RwLock::new(spec.signing_secret),
            routes: AppRoutes::new(spec.id.clone(), self.uninstalls.clone()),
            seen: Mutex::new(Seen::new(SEEN_EVENTS)),
        });
        apps.insert(spec.id, app);
    }

    /// Stops serving an app; returns whether it was served.
    pub fn remove(&self, id: &str) -> bool {
        self.apps
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
            .is_some()
    }

    pub fn get(&self, id: &str) -> Option<Arc<HttpApp>> {
        self.apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}
