//! JSON arrays written a batch at a time, as the client reads them: a list of a million
//! users then holds one batch in memory, never the whole body.

use std::io;
use std::marker::PhantomData;

use futures_util::{Stream, StreamExt, stream};
use poem::http::header;
use poem::{Body, IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaResponses, Registry};
use poem_openapi::types::Type;
use roster_app::UserListing;
use roster_domain::{Error, User};
use serde::Serialize;

use crate::reply::{JSON, JsonReply, json_response};

/// A 200 JSON body documented as `T`, written whole or streamed.
pub(crate) struct JsonStream<T> {
    response: Response,
    doc: PhantomData<fn() -> T>,
}

impl<T: Type> JsonStream<T> {
    /// `value`, one of the shapes `T` documents, written whole.
    pub fn whole(value: &impl Serialize) -> Self {
        Self {
            response: json_response(value),
            doc: PhantomData,
        }
    }

    /// `head`, the items of every batch comma-separated, then `tail`. Each batch is read
    /// once the client has taken the one before. A batch that fails cuts the body off, so
    /// that the client sees a broken response, never a list that looks complete.
    pub fn array<I, E>(
        head: &'static str,
        batches: impl Stream<Item = Result<Vec<I>, E>> + Send + 'static,
        tail: &'static str,
    ) -> Self
    where
        I: Serialize,
        E: std::error::Error,
    {
        let mut first = true;
        let items = batches.map(move |batch| {
            let batch = batch.map_err(|err| {
                tracing::error!(error = %err, "a streamed list broke off");
                io::Error::other("the list could not be read")
            })?;
            let mut out = Vec::with_capacity(batch.len() * 128);
            for item in &batch {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, item).map_err(io::Error::other)?;
            }
            Ok::<_, io::Error>(out)
        });
        let body = stream::iter([Ok(head.as_bytes().to_vec())])
            .chain(items)
            .chain(stream::iter([Ok(tail.as_bytes().to_vec())]));
        Self {
            response: Response::builder()
                .header(header::CONTENT_TYPE, JSON)
                .body(Body::from_bytes_stream(body)),
            doc: PhantomData,
        }
    }
}

/// The batches of `listing`, in order.
pub(crate) fn batches(
    listing: UserListing,
) -> impl Stream<Item = Result<Vec<User>, Error>> + Send + 'static {
    stream::try_unfold(listing, |mut listing| async move {
        Ok(listing.next_batch().await?.map(|batch| (batch, listing)))
    })
}

impl<T> IntoResponse for JsonStream<T> {
    fn into_response(self) -> Response {
        self.response
    }
}

impl<T: Type> ApiResponse for JsonStream<T> {
    fn meta() -> MetaResponses {
        JsonReply::<T>::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    type Batch = Result<Vec<u32>, Error>;

    async fn body(batches: Vec<Batch>) -> Result<Value, String> {
        let stream = JsonStream::<Vec<u32>>::array(r#"{"data":["#, stream::iter(batches), "]}");
        let response = stream.into_response();
        assert_eq!(response.content_type(), Some(JSON));
        let bytes = response
            .into_body()
            .into_bytes()
            .await
            .map_err(|e| e.to_string())?;
        Ok(serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn batches_are_joined_into_one_array() {
        let batches = vec![Ok(vec![1, 2]), Ok(vec![]), Ok(vec![3])];
        assert_eq!(body(batches).await.unwrap(), json!({"data": [1, 2, 3]}));
        assert_eq!(body(vec![]).await.unwrap(), json!({"data": []}));
    }

    #[tokio::test]
    async fn a_failed_batch_breaks_the_body() {
        let batches = vec![Ok(vec![1]), Err(Error::unavailable("gone")), Ok(vec![2])];
        let err = body(batches).await.unwrap_err();
        assert!(err.contains("the list could not be read"), "{err}");
    }
}
