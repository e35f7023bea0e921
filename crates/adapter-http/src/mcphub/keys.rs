//! MCPHub's bearer keys (`/api/auth/keys`), kept as the caller's own API keys: each user
//! manages theirs, and a key acts with its owner's rights.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::{ApiResponse, Object, OpenApi};
use roster_app::NewApiKey;
use roster_domain::{ApiKey, ApiKeyId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::{Envelope, Message};
use super::{McpResult, Tag};
use crate::AppState;
use crate::auth::McpAuth;
use crate::body::JsonRequest;
use crate::reply::JsonReply;

/// A bearer key in MCPHub's shape. Roster's are always the owner's (`kind: user`), on,
/// with access to all the owner may reach; `token` is the secret only in the answer that
/// made the key, and its first characters with `...` after.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "McpBearerKey", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyView {
    pub id: Uuid,
    pub name: String,
    pub token: String,
    pub enabled: bool,
    pub kind: String,
    pub owner: String,
    pub access_type: String,
    pub allowed_groups: Vec<String>,
    pub allowed_servers: Vec<String>,
}

impl KeyView {
    fn new(key: ApiKey, token: String, owner: &str) -> Self {
        Self {
            id: key.id.0,
            name: key.name,
            token,
            enabled: true,
            kind: "user".into(),
            owner: owner.to_owned(),
            access_type: "all".into(),
            allowed_groups: Vec::new(),
            allowed_servers: Vec::new(),
        }
    }

    fn made(made: NewApiKey, owner: &str) -> Self {
        let token = made.secret.expose().to_owned();
        Self::new(made.key, token, owner)
    }

    fn listed(key: ApiKey, owner: &str) -> Self {
        let token = format!("{}...", key.prefix);
        Self::new(key, token, owner)
    }
}

/// A new key; MCPHub's other fields (`enabled`, `kind`, `accessType`, …) are accepted and
/// ignored, since a Roster key is always its owner's, with the owner's reach.
#[derive(Object, Deserialize)]
#[oai(rename = "McpCreateBearerKey")]
pub(crate) struct CreateKeyBody {
    /// 1 to 255 characters.
    pub name: String,
}

#[derive(ApiResponse)]
enum Created {
    /// The key was made; its `token` is shown this once.
    #[oai(status = 201)]
    Key(JsonReply<Envelope<KeyView>>),
}

pub(crate) struct KeysApi;

#[OpenApi]
impl KeysApi {
    /// The caller's bearer keys (from a login session, not with a key).
    #[oai(
        path = "/auth/keys",
        method = "get",
        tag = "Tag::McpHubAuth",
        operation_id = "mcphubListKeys"
    )]
    async fn list(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
    ) -> McpResult<JsonReply<Envelope<Vec<KeyView>>>> {
        let actor = state.roster.auth().authenticate(auth.token()).await?;
        let keys = state.roster.api_keys().list(&actor).await?;
        let owner = actor.username.as_str();
        let views: Vec<KeyView> = keys
            .into_iter()
            .map(|key| KeyView::listed(key, owner))
            .collect();
        Ok(JsonReply(Envelope::ok(views)))
    }

    /// Make a bearer key for the caller (from a login session). Its `token` is the secret,
    /// shown this once; it is accepted as `Authorization: Bearer` in both dialects.
    #[oai(
        path = "/auth/keys",
        method = "post",
        tag = "Tag::McpHubAuth",
        operation_id = "mcphubCreateKey"
    )]
    async fn create(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        JsonRequest(body): JsonRequest<CreateKeyBody>,
    ) -> McpResult<Created> {
        let actor = state.roster.auth().authenticate(auth.token()).await?;
        let made = state.roster.api_keys().create(&actor, &body.name).await?;
        let view = KeyView::made(made, actor.username.as_str());
        Ok(Created::Key(JsonReply(Envelope::ok(view))))
    }

    /// Revoke one of the caller's bearer keys (from a login session).
    #[oai(
        path = "/auth/keys/:id",
        method = "delete",
        tag = "Tag::McpHubAuth",
        operation_id = "mcphubDeleteKey"
    )]
    async fn revoke(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> McpResult<JsonReply<Message>> {
        let actor = state.roster.auth().authenticate(auth.token()).await?;
        state
            .roster
            .api_keys()
            .revoke(&actor, ApiKeyId(id.0))
            .await?;
        Ok(JsonReply(Message {
            success: true,
            message: "Bearer key deleted".into(),
        }))
    }
}
