//! Photos in R2: written before the ticket that refers to them, removed again if the ticket
//! cannot be created, read back only through the Worker (the bucket is private).

use crate::api_error::ApiError;
use crate::comune::Faults;
use crate::tenant::{ComuneBucket, Env};
use segnala_core::ids::TicketId;
use segnala_core::photo::{self, CleanPhoto};
use segnala_core::store::PhotoRecord;
use worker::HttpMetadata;

pub const BINDING: &str = "PHOTOS";

/// A cleaned photo and its cleaned small variant, if the browser made one.
pub struct PhotoUpload {
    pub photo: CleanPhoto,
    pub thumbnail: Option<CleanPhoto>,
}

fn bucket(env: &Env) -> Result<ComuneBucket, ApiError> {
    Ok(env.comune_bucket(BINDING)?)
}

async fn put(bucket: &ComuneBucket, key: &str, photo: &CleanPhoto) -> worker::Result<()> {
    bucket
        .put(key, photo.bytes.clone())
        .http_metadata(HttpMetadata {
            content_type: Some(photo.format.content_type().to_string()),
            ..Default::default()
        })
        .execute()
        .await
        .map(|_| ())
}

/// Stores one cleaned photo under `key`.
pub async fn put_one(env: &Env, key: &str, photo: &CleanPhoto) -> Result<(), ApiError> {
    put(&bucket(env)?, key, photo)
        .await
        .map_err(|error| ApiError::StorageUnavailable(format!("R2 put {key}: {error}")))
}

/// Stores every photo under keys derived from the ticket id. On any failure the objects
/// written so far are deleted and the citizen is told that nothing was filed.
pub async fn store_all(
    env: &Env,
    ticket: TicketId,
    uploads: &[PhotoUpload],
) -> Result<Vec<PhotoRecord>, ApiError> {
    let bucket = bucket(env)?;
    let faults = Faults::from_env(env);
    let mut records = Vec::with_capacity(uploads.len());
    let mut written = Vec::new();
    for (index, upload) in uploads.iter().enumerate() {
        let position =
            u8::try_from(index + 1).map_err(|_| ApiError::Internal("too many photos".into()))?;
        let key = photo::object_key(ticket, position, upload.photo.format);
        let simulated_failure = faults.photo_storage && index == 1;
        let result = if simulated_failure {
            Err(worker::Error::RustError(
                "simulated R2 failure (FAULTS)".into(),
            ))
        } else {
            put(&bucket, &key, &upload.photo).await
        };
        if let Err(error) = result {
            delete_keys(&bucket, &written).await;
            return Err(ApiError::StorageUnavailable(format!(
                "R2 put {key}: {error}"
            )));
        }
        written.push(key.clone());
        let thumbnail_key = match &upload.thumbnail {
            Some(thumbnail) => {
                let thumbnail_key = photo::thumbnail_key(ticket, position, thumbnail.format);
                if let Err(error) = put(&bucket, &thumbnail_key, thumbnail).await {
                    delete_keys(&bucket, &written).await;
                    return Err(ApiError::StorageUnavailable(format!(
                        "R2 put {thumbnail_key}: {error}"
                    )));
                }
                written.push(thumbnail_key.clone());
                Some(thumbnail_key)
            }
            None => None,
        };
        records.push(PhotoRecord {
            position,
            object_key: key,
            thumbnail_key,
            content_type: upload.photo.format.content_type().to_string(),
            bytes: u32::try_from(upload.photo.bytes.len()).unwrap_or(u32::MAX),
            width: upload.photo.width,
            height: upload.photo.height,
        });
    }
    Ok(records)
}

/// Removes photos whose ticket was not created (or already existed); failures are logged,
/// as the citizen's answer does not depend on them.
pub async fn delete(env: &Env, records: &[PhotoRecord]) {
    let Ok(bucket) = bucket(env) else { return };
    let keys: Vec<String> = records
        .iter()
        .flat_map(|r| std::iter::once(r.object_key.clone()).chain(r.thumbnail_key.clone()))
        .collect();
    delete_keys(&bucket, &keys).await;
}

async fn delete_keys(bucket: &ComuneBucket, keys: &[String]) {
    for key in keys {
        if let Err(error) = bucket.delete(key.as_str()).await {
            worker::console_error!("could not delete orphan photo {key}: {error}");
        }
    }
}

/// The stored bytes of a photo, if present.
pub async fn read(env: &Env, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(object) = bucket(env)?.get(key).execute().await? else {
        return Ok(None);
    };
    match object.body() {
        Some(body) => Ok(Some(body.bytes().await?)),
        None => Ok(None),
    }
}
