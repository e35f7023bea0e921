//! JSON arrays written a batch at a time, as the client reads them: a list of a million
//! users then holds one batch in memory, never the whole body.

use std::io;
use std::marker::PhantomData;
use std::time::Duration;

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

/// The pauses before a batch the store could not read is asked for again.
const PAUSES: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(400),
    Duration::from_millis(1600),
];

/// What a streamed list reads its batches from.
#[async_trait::async_trait]
pub(crate) trait Source: Send + 'static {
    type Item: Send;

    /// The next batch; `None` after the last.
    async fn next_batch(&mut self) -> Result<Option<Vec<Self::Item>>, Error>;
}

#[async_trait::async_trait]
impl Source for UserListing {
    type Item = User;

    async fn next_batch(&mut self) -> Result<Option<Vec<User>>, Error> {
        UserListing::next_batch(self).await
    }
}

/// The batches of `source`, in order. The first is read before the answer starts, so that
/// a store that cannot be read gets the dialect's 503, as for any request. A later batch
/// the store could not read is asked for again after each of [`PAUSES`] before the body is
/// cut off, so that one busy moment does not lose a long download.
///
/// # Errors
/// The first batch's.
pub(crate) async fn batches<S: Source>(
    mut source: S,
) -> Result<impl Stream<Item = Result<Vec<S::Item>, Error>> + Send + 'static, Error> {
    let first = source.next_batch().await?;
    let rest = stream::try_unfold(source, |mut source| async move {
        Ok(retried(&mut source).await?.map(|batch| (batch, source)))
    });
    Ok(stream::iter(first.map(Ok)).chain(rest))
}

async fn retried<S: Source>(source: &mut S) -> Result<Option<Vec<S::Item>>, Error> {
    for pause in PAUSES {
        match source.next_batch().await {
            Err(error @ Error::Unavailable { .. }) => {
                tracing::warn!(%error, "a batch of a streamed list failed; asking again");
                tokio::time::sleep(pause).await;
            }
            read => return read,
        }
    }
    source.next_batch().await
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

    /// Answers its script, one entry per call, then ends.
    struct Script(Vec<Batch>);

    #[async_trait::async_trait]
    impl Source for Script {
        type Item = u32;

        async fn next_batch(&mut self) -> Result<Option<Vec<u32>>, Error> {
            match self.0.is_empty() {
                true => Ok(None),
                false => self.0.remove(0).map(Some),
            }
        }
    }

    fn down() -> Batch {
        Err(Error::unavailable("down"))
    }

    #[tokio::test]
    async fn the_first_batch_is_read_before_the_answer_starts() {
        let Err(err) = batches(Script(vec![down(), Ok(vec![1])])).await else {
            panic!("a store that cannot be read is an error before any byte");
        };
        assert!(matches!(err, Error::Unavailable { .. }));
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_batch_is_asked_for_again_before_the_body_is_cut() {
        let script = Script(vec![Ok(vec![1]), down(), down(), Ok(vec![2]), Ok(vec![3])]);
        let stream = batches(script).await.unwrap();
        let response = JsonStream::<Vec<u32>>::array("[", stream, "]").into_response();
        let bytes = response.into_body().into_bytes().await.unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            json!([1, 2, 3])
        );

        let script = vec![Ok(vec![1]), down(), down(), down(), down(), Ok(vec![2])];
        let stream = batches(Script(script)).await.unwrap();
        let response = JsonStream::<Vec<u32>>::array("[", stream, "]").into_response();
        assert!(
            response.into_body().into_bytes().await.is_err(),
            "cut off after the last pause"
        );
    }

    #[tokio::test]
    async fn a_failed_batch_breaks_the_body() {
        let batches = vec![Ok(vec![1]), Err(Error::unavailable("gone")), Ok(vec![2])];
        let err = body(batches).await.unwrap_err();
        assert!(err.contains("the list could not be read"), "{err}");
    }
}
