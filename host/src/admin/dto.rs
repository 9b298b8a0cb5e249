//! Request and response bodies of the admin API besides the team itself
//! (a [`TeamSpec`](crate::spec::TeamSpec) in, a
//! [`TeamView`](crate::team::TeamView) out). Tokens come in, never go out:
//! no response type has a field that could hold one.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Checking a token (check_token).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenCheck {
    pub token: Secret,
}

#[derive(Debug, Serialize)]
pub struct TokenInfo {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
