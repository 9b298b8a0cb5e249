//! The HTML the browser sees: the "Add to Slack" page and the page that
//! says how an install went. Small, self-contained, every value escaped.
//! No page ever shows a token, a code or the state.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// `text` safe inside HTML text and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    )
}

/// The install page: one link to Slack's authorize URL.
pub fn install(app: &str, authorize: &str) -> String {
    page(
        &format!("Install {app}"),
        &format!(
            "<p><a id=\"add-to-slack\" href=\"{}\">Add to Slack</a></p>",
            escape(authorize)
        ),
    )
}

/// The install worked: the bot runs (or is starting) in `team`.
pub fn installed(app: &str, team: &str, team_name: Option<&str>, note: Option<&str>) -> Response {
    let name = team_name.map_or_else(String::new, |n| format!(" ({})", escape(n)));
    let note = note.map_or_else(String::new, |n| format!("\n<p>{}</p>", escape(n)));
    let body = format!(
        "<p id=\"outcome\" data-outcome=\"installed\">{} is installed in workspace {}{name} \
         and its bot is running.</p>{note}",
        escape(app),
        escape(team),
    );
    (StatusCode::OK, Html(page("Installed", &body))).into_response()
}

/// The install did not happen: `reason` is the metric label, `why` what
/// the person is told.
pub fn refused(status: StatusCode, reason: &str, why: &str) -> Response {
    let body = format!(
        "<p id=\"outcome\" data-outcome=\"{}\">Not installed: {}</p>",
        escape(reason),
        escape(why)
    );
    (status, Html(page("Not installed", &body))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let html = install("<b>", "https://x/?a=1&b=\"2\"");
        assert!(
            html.contains("href=\"https://x/?a=1&amp;b=&quot;2&quot;\""),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
    }
}
