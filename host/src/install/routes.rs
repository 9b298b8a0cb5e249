//! The two HTTP routes: the install page and Slack's redirect back.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::{Installer, pages};

/// The cookie that binds a state to the browser that asked for it.
pub(super) const COOKIE: &str = "bothost_install";

/// The install routes, for whichever listener serves Slack's requests
/// (merge it into that listener's router).
pub fn router(installer: Arc<Installer>) -> Router {
    Router::new()
        .route("/slack/install/{app}", get(install_page))
        .route("/slack/oauth/{app}/callback", get(callback))
        .with_state(installer)
}

/// Pages must not be cached or framed; the callback's URL carries a code.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn install_page(
    State(installer): State<Arc<Installer>>,
    Path(app): Path<String>,
) -> Response {
    let Some(spec) = installer.apps.get(&app) else {
        let refusal = super::Refusal::UnknownApp;
        installer.refuse(&refusal);
        return no_store(pages::refused(
            refusal.status(),
            refusal.reason(),
            &refusal.to_string(),
        ));
    };
    let issued = installer.signer.issue(&app, installer.clock.now());
    let mut link = installer.authorize_url.clone();
    link.query_pairs_mut()
        .append_pair("client_id", &spec.client_id)
        .append_pair("scope", &spec.scopes.join(","))
        .append_pair("redirect_uri", &installer.redirect_uri(&app))
        .append_pair("state", &issued.state);
    let cookie = format!(
        "{COOKIE}={}; Path=/slack/oauth/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        issued.cookie,
        super::STATE_TTL.as_secs(),
        if installer.secure_cookie {
            "; Secure"
        } else {
            ""
        },
    );
    let mut response = Html(pages::install(&app, link.as_str())).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    no_store(response)
}

/// The value of cookie `name`, if the request has it.
pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn callback(
    State(installer): State<Arc<Installer>>,
    Path(app): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let browser = cookie(&headers, COOKIE).map(str::to_owned);
    // In the host's task tree, not the request's: a browser that goes away
    // mid-install must not leave a team started and its installation
    // unsaved.
    let task = installer.host.tasks().spawn({
        let (installer, app) = (installer.clone(), app.clone());
        async move { installer.complete(&app, &params, browser.as_deref()).await }
    });
    let outcome = task
        .await
        .unwrap_or_else(|_| Err(super::Refusal::Start("the host is shutting down".into())));
    let response = match outcome {
        Ok(done) => pages::installed(
            &app,
            done.team.as_str(),
            done.team_name.as_deref(),
            done.note.as_deref(),
        ),
        Err(refusal) => {
            installer.refuse(&refusal);
            tracing::warn!(app = %app, reason = refusal.reason(), why = %refusal, "install refused");
            pages::refused(refusal.status(), refusal.reason(), &refusal.to_string())
        }
    };
    // The state is used up either way: the cookie goes too.
    let mut response = no_store(response);
    let clear = format!("{COOKIE}=; Path=/slack/oauth/; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; bothost_install=xyz; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
