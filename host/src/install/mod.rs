//! "Add to Slack": the OAuth v2 install of a configured app by any
//! workspace, and the renewal of rotating bot tokens.
//!
//! | route | |
//! |---|---|
//! | `GET /slack/install/{app}` | a page with the "Add to Slack" link; sets the state cookie |
//! | `GET /slack/oauth/{app}/callback` | Slack's redirect: checks state and cookie, exchanges the code, stores the installation, starts the bot |
//!
//! An installed team is a [`TeamSpec`](crate::spec::TeamSpec) with source
//! [`TeamSource::OAuth`](crate::spec::TeamSource), added through the
//! [`Host`] like any other (so it is remembered and resumed on restart);
//! the installation itself (installer, scopes, refresh token) is kept in
//! the [`InstallStore`](crate::storage::InstallStore). The routes are an
//! [`axum::Router`] ([`router`]), merged into the `[http]` listener that
//! also serves Slack's events.

mod callback;
mod pages;
mod refusal;
mod rotation;
mod routes;
pub mod state;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::sync::watch;

use crate::host::Host;
use crate::slack::api::WebClient;
use crate::spec::OAuthAppSpec;

pub use refusal::Refusal;
pub use routes::router;
pub use state::{InstallClock, STATE_TTL, StateError};

use rotation::Rotation;
use state::StateSigner;

/// Why installs cannot be served.
#[derive(Debug, Error)]
pub enum InstallError {
    #[error("OAuth installs need a host that serves Slack teams")]
    NoSlack,
    #[error("[http] public_url {0:?} is not an absolute http(s) URL")]
    PublicUrl(String),
    #[error("the authorize URL is not an absolute http(s) URL")]
    AuthorizeUrl,
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct InstallSettings {
    /// The URL the browser and Slack reach the routes at, without a
    /// trailing `/` (e.g. `https://bots.example.com`).
    pub public_url: String,
    /// Slack's authorize page (`https://slack.com/oauth/v2/authorize`).
    pub authorize_url: String,
    /// How long an install link is good for.
    pub state_ttl: Duration,
}

/// Serves installs of the configured apps into one host.
pub struct Installer {
    host: Arc<Host>,
    web: WebClient,
    apps: HashMap<String, OAuthAppSpec>,
    public_url: String,
    authorize_url: reqwest::Url,
    secure_cookie: bool,
    signer: StateSigner,
    clock: InstallClock,
    rotation: Rotation,
}

impl std::fmt::Debug for Installer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installer")
            .field("apps", &self.apps.keys().collect::<Vec<_>>())
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

fn http_url(text: &str) -> Option<reqwest::Url> {
    reqwest::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

impl Installer {
    /// An installer for `apps` into `host`; token renewal starts with
    /// [`Installer::start_rotation`].
    ///
    /// # Errors
    /// A host without Slack, or URLs that are not absolute http(s) URLs.
    pub fn new(
        host: Arc<Host>,
        apps: Vec<OAuthAppSpec>,
        settings: InstallSettings,
    ) -> Result<Arc<Self>, InstallError> {
        let web = host.slack().ok_or(InstallError::NoSlack)?.web().clone();
        let public = http_url(&settings.public_url)
            .ok_or_else(|| InstallError::PublicUrl(settings.public_url.clone()))?;
        let authorize_url = http_url(&settings.authorize_url).ok_or(InstallError::AuthorizeUrl)?;
        Ok(Arc::new(Self {
            host,
            web,
            apps: apps.into_iter().map(|a| (a.id.clone(), a)).collect(),
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
            authorize_url,
            secure_cookie: public.scheme() == "https",
            signer: StateSigner::new(settings.state_ttl),
            clock: InstallClock::default(),
            rotation: Rotation::default(),
        }))
    }

    /// The clock states are checked on (tests move it forward).
    pub fn clock(&self) -> &InstallClock {
        &self.clock
    }

    /// Where Slack sends the browser back for `app`.
    pub fn redirect_uri(&self, app: &str) -> String {
        format!("{}/slack/oauth/{app}/callback", self.public_url)
    }

    /// The install page's address for `app`.
    pub fn install_url(&self, app: &str) -> String {
        format!("{}/slack/install/{app}", self.public_url)
    }

    /// Counts rotating tokens renewed and handed to their team.
    pub fn refreshes(&self) -> watch::Receiver<u64> {
        self.rotation.refreshed()
    }

    fn refuse(&self, refusal: &Refusal) {
        self.host
            .metrics()
            .install_refusals
            .get_or_create(&crate::metrics::KindLabel {
                kind: refusal.reason(),
            })
            .inc();
    }
}
