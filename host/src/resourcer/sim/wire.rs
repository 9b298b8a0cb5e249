//! The simulator's side of the wire: the JSON it sends and the auth frame
//! it reads, shaped like `protocols.md` §1.3.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::secret::Secret;

/// `add_resource` (with `isNew`) or `update_resource` (without).
pub(super) fn resource_message(
    type_name: &str,
    msg_id: &str,
    resource_id: &str,
    resource: &Map<String, Value>,
    is_new: Option<bool>,
) -> String {
    let mut message = json!({
        "type": type_name,
        "date": rfc3339(SystemTime::now()),
        "msgID": msg_id,
        "resourceID": resource_id,
        "resourceType": "SlackApp",
        "resource": resource,
    });
    if let (Some(is_new), Value::Object(obj)) = (is_new, &mut message) {
        obj.insert("isNew".into(), Value::Bool(is_new));
    }
    message.to_string()
}

pub(super) fn remove_message(msg_id: &str, resource_id: &str) -> String {
    json!({
        "type": "remove_resource",
        "date": rfc3339(SystemTime::now()),
        "msgID": msg_id,
        "resourceID": resource_id,
    })
    .to_string()
}

/// The JS fixture's shape: string booleans, capital-R `ResourceID`.
pub(super) fn auth_result(success: bool) -> String {
    if success {
        json!({"type": "auth_result", "ResourceID": "", "success": "true"}).to_string()
    } else {
        json!({"type": "auth_result", "success": "false"}).to_string()
    }
}

/// Reads `{"type":"auth","id":…,"token":…}`; `None` for anything else.
pub(super) fn parse_auth(text: &str) -> Option<(String, Secret)> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.get("type")?.as_str()? != "auth" {
        return None;
    }
    let id = value.get("id")?.as_str()?.to_owned();
    let token = Secret::new(value.get("token")?.as_str()?);
    Some((id, token))
}

/// A UUID-shaped message id: a per-simulator random prefix and a counter,
/// unique within the simulator and unlikely to repeat across runs.
pub(super) fn msg_id(prefix: u32, counter: u64) -> String {
    format!(
        "{prefix:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (counter >> 48) & 0xffff,
        (counter >> 36) & 0xfff,
        (counter >> 24) & 0xfff,
        counter & 0xff_ffff,
    )
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, as the resourcer wrote dates; by
/// hand, to need no date crate for one format.
pub(super) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_nanos()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn dates_are_rfc3339_with_nanoseconds() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        let t = UNIX_EPOCH + Duration::new(1_458_334_732, 907_804_207);
        assert_eq!(rfc3339(t), "2016-03-18T20:58:52.907804207Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000000000Z");
        let end = UNIX_EPOCH + Duration::from_secs(1_735_689_599);
        assert_eq!(rfc3339(end), "2024-12-31T23:59:59.000000000Z");
    }

    #[test]
    fn msg_ids_look_like_uuids_and_differ() {
        let a = msg_id(0xdead_beef, 1);
        let b = msg_id(0xdead_beef, 2);
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn auth_frames_are_read_and_checked() {
        let (id, token) =
            parse_auth(r#"{"type":"auth","id":"pod","token":"t"}"#).expect("an auth frame");
        assert_eq!((id.as_str(), token.expose()), ("pod", "t"));
        assert!(parse_auth(r#"{"type":"hello","id":"pod","token":"t"}"#).is_none());
        assert!(parse_auth("garbage").is_none());
        assert!(parse_auth(r#"{"type":"auth","id":"pod"}"#).is_none());
    }
}
