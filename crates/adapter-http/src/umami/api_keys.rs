use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use roster_domain::ApiKeyId;
use uuid::Uuid;

use super::types::{ApiKeyView, CreateApiKeyBody, Done, NewApiKeyView};
use super::{Tag, UmamiResult};
use crate::AppState;
use crate::auth::Caller;
use crate::body::JsonRequest;
use crate::reply::JsonReply;

pub(crate) struct ApiKeysApi;

#[OpenApi]
impl ApiKeysApi {
    /// The caller's API keys, newest first (from a login session, not with a key).
    #[oai(
        path = "/me/api-keys",
        method = "get",
        tag = "Tag::Auth",
        operation_id = "getMyApiKeys"
    )]
    async fn list(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
    ) -> UmamiResult<JsonReply<Vec<ApiKeyView>>> {
        let keys = state.roster.api_keys().list(&actor).await?;
        Ok(JsonReply(keys.into_iter().map(Into::into).collect()))
    }

    /// Make an API key for the caller (from a login session). The answer's `key` is the
    /// secret, shown this once; send it as `Authorization: Bearer <key>` in either dialect.
    /// It acts with the caller's rights as they are at each request, and ends when revoked,
    /// or when the caller is deleted or loses a role.
    #[oai(
        path = "/me/api-keys",
        method = "post",
        tag = "Tag::Auth",
        operation_id = "createMyApiKey"
    )]
    async fn create(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        JsonRequest(body): JsonRequest<CreateApiKeyBody>,
    ) -> UmamiResult<JsonReply<NewApiKeyView>> {
        let made = state.roster.api_keys().create(&actor, &body.name).await?;
        Ok(JsonReply(made.into()))
    }

    /// Revoke one of the caller's API keys (from a login session).
    #[oai(
        path = "/me/api-keys/:keyId",
        method = "delete",
        tag = "Tag::Auth",
        operation_id = "deleteMyApiKey"
    )]
    async fn revoke(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "keyId")] id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<Done>> {
        state
            .roster
            .api_keys()
            .revoke(&actor, ApiKeyId(id.0))
            .await?;
        Ok(JsonReply(Done::new()))
    }
}
