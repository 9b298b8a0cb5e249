//! A browser as the "Add to Slack" flow needs one: it keeps cookies and
//! follows redirects, from the host's install page through the fake
//! Slack's authorize page and back to the host's callback.

use reqwest::StatusCode;

/// A fresh browser (its own cookie jar).
///
/// # Panics
/// If no HTTP client can be built.
pub fn new_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(5))
        .no_proxy()
        .build()
        .expect("client")
}

/// The "Add to Slack" link of `app`'s install page on the host at `base`.
///
/// # Panics
/// If the page is not there or has no link.
pub async fn add_to_slack_link(browser: &reqwest::Client, base: &str, app: &str) -> String {
    let page = browser
        .get(format!("{base}/slack/install/{app}"))
        .send()
        .await
        .expect("install page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let start = html.find("id=\"add-to-slack\" href=\"").expect("link") + 24;
    let end = start + html[start..].find('"').expect("end of link");
    html[start..end].replace("&amp;", "&")
}

/// Follows `link` (the fake's authorize page, then the host's callback);
/// returns the final status, the outcome the page states and the final URL.
///
/// # Panics
/// If the request fails or the page shows a token or a code.
pub async fn follow(browser: &reqwest::Client, link: &str) -> (StatusCode, String, String) {
    let answer = browser.get(link).send().await.expect("follow");
    let (status, url) = (answer.status(), answer.url().to_string());
    let html = answer.text().await.expect("html");
    let outcome = html
        .split("data-outcome=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
        .to_owned();
    assert!(!html.contains("xoxb-") && !html.contains("code-"), "{html}");
    (status, outcome, url)
}
