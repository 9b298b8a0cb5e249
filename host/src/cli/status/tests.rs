use super::*;

const TEAMS: &str = r#"{"ok": true, "teams": [
  {"id": "T1", "source": {"kind": "file"}, "component": "/srv/bots/echo.wasm",
   "digest": "0123456789ab", "bot": {"state": "running"}, "link": {"state": "connected"}},
  {"id": "T22", "source": {"kind": "resourcer", "resource": "75f9"}, "component": "/srv/bots/counter.wasm",
   "digest": "", "bot": {"state": "failed", "reason": "init refused:\nno label"},
   "link": {"state": "token_revoked", "reason": "invalid_auth"}, "later": "ignored"}
]}"#;

const METRICS: &str = "# HELP bothost_events Events delivered to bots.\n\
# TYPE bothost_events counter\n\
bothost_events_total{kind=\"message\"} 5\n\
bothost_events_total{kind=\"reaction_added\"} 2\n\
bothost_posts_total 3\n\
bothost_traps_total 1\n\
bothost_reconnects_total{kind=\"rtm\"} 4\n\
bothost_teams{bot=\"running\",link=\"connected\"} 1\n\
# EOF\n";

fn status() -> Status {
    #[derive(Deserialize)]
    struct Teams {
        teams: Vec<TeamRow>,
    }
    Status {
        raw: TEAMS.to_owned(),
        teams: serde_json::from_str::<Teams>(TEAMS).expect("teams").teams,
        totals: Totals::from_metrics(METRICS),
    }
}

#[test]
fn totals_sum_every_label_set() {
    assert_eq!(
        Totals::from_metrics(METRICS),
        Totals {
            events: 7,
            dropped: 0,
            posts: 3,
            traps: 1,
            reconnects: 4,
        }
    );
}

#[test]
fn the_table_shows_source_bot_statuses_and_errors_on_one_line_per_team() {
    let table = render(&status());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "TEAM  SOURCE          BOT           DIGEST        BOT STATUS  LINK           LAST ERROR"
    );
    assert_eq!(
        lines[1],
        "T1    file            echo.wasm     0123456789ab  running     connected      -"
    );
    assert_eq!(
        lines[2],
        "T22   resourcer 75f9  counter.wasm  -             failed      token_revoked  bot: init refused: no label; link: invalid_auth"
    );
    assert_eq!(lines[3], "");
    assert_eq!(
        lines[4],
        "2 teams. Host-wide since start (not kept per team): events 7, dropped 0, posts 3, traps 1, reconnects 4"
    );
}
