//! The HTTP side of the client: one shared connection pool, a base URL, and
//! the single place where a token is put on the wire.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{RequestBuilder, Url, redirect};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::response;
use crate::secret::Secret;

/// Default per-request deadline. Slack answers in well under a second when
/// healthy; 30 s tolerates a slow moment without letting a hung connection
/// stall a team's connect loop forever.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Bound on TCP + TLS setup, separate from the whole-request deadline so a
/// black-holed address fails fast even when callers raise the timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const USER_AGENT: &str = concat!("bothost/", env!("CARGO_PKG_VERSION"));

/// `application/json` with an explicit charset: without it Slack adds a
/// `missing_charset` warning to every response.
const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A Slack Web API client shared by all teams.
///
/// Holds no token: each call takes the team's token, so one client (one
/// connection pool) serves every team. Cloning is cheap (two reference
/// counts and a `Duration`).
#[derive(Debug, Clone)]
pub struct WebClient {
    http: reqwest::Client,
    /// Always ends in `/`; method names are appended verbatim.
    base: Arc<str>,
    timeout: Duration,
}

impl WebClient {
    /// Creates a client for the API rooted at `base`, e.g.
    /// `https://slack.com/api/` (tests use `http://127.0.0.1:PORT/api/`).
    /// A missing trailing `/` is added.
    ///
    /// Redirects are not followed (Slack's API does not redirect, and a
    /// redirect must never carry the `Authorization` header elsewhere). For
    /// a loopback base, proxy environment variables are ignored so local
    /// test traffic never leaves the machine.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidBase`] if `base` is not an absolute `http`/`https`
    /// URL with a host and without query, fragment or credentials;
    /// [`ApiError::Transport`] (method `client.init`) if the HTTP client
    /// cannot be built (e.g. the TLS backend fails to initialise).
    pub fn new(base: &str) -> Result<Self, ApiError> {
        // Reasons only, never the input: a misconfigured base could hold a
        // credential, and this error ends up in logs and statuses.
        let invalid = |reason: &str| ApiError::InvalidBase(reason.to_owned());
        let url = Url::parse(base).map_err(|e| ApiError::InvalidBase(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("scheme must be http or https"));
        }
        if url.host().is_none() {
            return Err(invalid("no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("must not have a query or fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("must not contain credentials"));
        }

        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT);
        if is_loopback(&url) {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::transport("client.init", e))?;

        let mut base = url.as_str().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self {
            http,
            base: base.into(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Replaces the whole-request deadline (default 30 s). It covers
    /// connecting, sending and reading the full response; a call that runs
    /// over fails with a retryable [`ApiError::Transport`].
    #[must_use]
    pub fn with_timeout(mut self, per_request: Duration) -> Self {
        self.timeout = per_request;
        self
    }

    /// Starts a POST to `method` carrying `token` as a bearer token. This is
    /// the only place a token touches a request; reqwest marks the header
    /// sensitive so its own `Debug` output hides it too.
    fn post(&self, method: &'static str, token: &Secret) -> RequestBuilder {
        self.http
            .post(format!("{}{method}", self.base))
            .bearer_auth(token.expose())
            .timeout(self.timeout)
    }

    /// Calls `method` with no body at all (the token alone is the argument).
    pub(super) async fn call_empty<T: DeserializeOwned>(
        &self,
        method: &'static str,
        token: &Secret,
    ) -> Result<T, ApiError> {
        self.execute(method, self.post(method, token)).await
    }

    /// Calls `method` with a JSON body, for methods with
    /// `json_input_supported`.
    pub(super) async fn call_json<T: DeserializeOwned>(
        &self,
        method: &'static str,
        token: &Secret,
        body: &serde_json::Value,
    ) -> Result<T, ApiError> {
        let request = self
            .post(method, token)
            .header(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8))
            .body(body.to_string());
        self.execute(method, request).await
    }

    /// Calls `method` with an `application/x-www-form-urlencoded` body, for
    /// methods that do not accept JSON.
    pub(super) async fn call_form<T: DeserializeOwned>(
        &self,
        method: &'static str,
        token: &Secret,
        form: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        self.execute(method, self.post(method, token).form(form))
            .await
    }

    /// Calls `method` with a form body and the app's client credentials
    /// as HTTP Basic (`oauth.v2.access`): no bearer token. Like the bearer
    /// token, the secret touches only the header.
    pub(super) async fn call_basic_form<T: DeserializeOwned>(
        &self,
        method: &'static str,
        user: &str,
        password: &Secret,
        form: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let request = self
            .http
            .post(format!("{}{method}", self.base))
            .basic_auth(user, Some(password.expose()))
            .timeout(self.timeout)
            .form(form);
        self.execute(method, request).await
    }

    /// Sends the request and turns the answer into `T` or a classified
    /// error.
    async fn execute<T: DeserializeOwned>(
        &self,
        method: &'static str,
        request: RequestBuilder,
    ) -> Result<T, ApiError> {
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::transport(method, e))?;
        let status = response.status();
        let retry_after = response::retry_after(response.headers());
        response::check_status(method, status, retry_after)?;
        let body = read_capped(method, response).await?;
        response::decode(method, &body, retry_after)
    }
}

/// Largest Web API answer read. Slack's biggest pages (a page of users
/// with their profiles, of messages) are a few hundred KiB; anything far
/// larger is not Slack, and reading it whole could exhaust the host.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Reads an answer's body, refusing one larger than [`MAX_RESPONSE_BYTES`]
/// (by its declared length when it has one, else as it arrives).
async fn read_capped(
    method: &'static str,
    mut response: reqwest::Response,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::Decode {
        method,
        message: format!("answer larger than {MAX_RESPONSE_BYTES} bytes"),
    };
    let declared = response.content_length().unwrap_or(0);
    if declared > MAX_RESPONSE_BYTES as u64 {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ApiError::transport(method, e))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether `url` points at this machine, so proxies must be bypassed.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed: `[::1]`.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
