//! The bindings as one comune sees them. Every handler gets this instead of the runtime's
//! `Env`: it knows which comune the request is for, and the storage it hands out (KV keys,
//! R2 object keys) is under that comune's prefix, so no code path can reach another
//! comune's sessions, caches or photos by forgetting a prefix.

use std::ops::Deref;
use worker::kv::{GetOptionsBuilder, KvError, KvStore, PutOptionsBuilder, ToRawKvValue};
use worker::{Bucket, CreateMultipartUploadOptionsBuilder, Data, MultipartUpload};

const KV_BINDING: &str = "KV";

#[derive(Clone)]
pub struct Env {
    bindings: worker::Env,
    comune: &'static str,
}

impl Env {
    /// `comune` is a built-in comune's id (the registry in `comune.rs` hands them out).
    pub fn new(bindings: worker::Env, comune: &'static str) -> Self {
        Self { bindings, comune }
    }

    /// The comune's id: names its Durable Object and prefixes its storage.
    pub fn comune(&self) -> &'static str {
        self.comune
    }

    /// The comune's part of the KV namespace.
    pub fn kv(&self) -> worker::Result<ComuneKv> {
        Ok(ComuneKv {
            store: self.bindings.kv(KV_BINDING)?,
            prefix: self.comune,
        })
    }

    /// The comune's part of an R2 bucket.
    pub fn comune_bucket(&self, binding: &str) -> worker::Result<ComuneBucket> {
        Ok(ComuneBucket {
            bucket: self.bindings.bucket(binding)?,
            prefix: self.comune,
        })
    }
}

impl Deref for Env {
    type Target = worker::Env;

    fn deref(&self) -> &worker::Env {
        &self.bindings
    }
}

/// KV with every key under `{comune}/`.
pub struct ComuneKv {
    store: KvStore,
    prefix: &'static str,
}

impl ComuneKv {
    fn key(&self, key: &str) -> String {
        format!("{}/{key}", self.prefix)
    }

    pub fn get(&self, key: &str) -> GetOptionsBuilder {
        self.store.get(&self.key(key))
    }

    pub fn put<T: ToRawKvValue>(&self, key: &str, value: T) -> Result<PutOptionsBuilder, KvError> {
        self.store.put(&self.key(key), value)
    }

    pub async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.store.delete(&self.key(key)).await
    }
}

/// An R2 bucket with every object key under `{comune}/`. Keys kept in the ticket store are
/// the comune's own (without the prefix), so an export moves between deployments as is.
pub struct ComuneBucket {
    bucket: Bucket,
    prefix: &'static str,
}

impl ComuneBucket {
    fn key(&self, key: &str) -> String {
        format!("{}/{key}", self.prefix)
    }

    pub fn get(&self, key: &str) -> worker::GetOptionsBuilder<'_> {
        self.bucket.get(self.key(key))
    }

    pub fn put(&self, key: &str, value: impl Into<Data>) -> worker::PutOptionsBuilder<'_> {
        self.bucket.put(self.key(key), value)
    }

    pub async fn delete(&self, key: &str) -> worker::Result<()> {
        self.bucket.delete(self.key(key)).await
    }

    pub async fn delete_multiple(&self, keys: &[String]) -> worker::Result<()> {
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        self.bucket.delete_multiple(keys).await
    }

    pub fn create_multipart_upload(&self, key: &str) -> CreateMultipartUploadOptionsBuilder<'_> {
        self.bucket.create_multipart_upload(self.key(key))
    }

    pub fn resume_multipart_upload(
        &self,
        key: &str,
        upload_id: impl Into<String>,
    ) -> worker::Result<MultipartUpload> {
        self.bucket
            .resume_multipart_upload(self.key(key), upload_id)
    }
}
