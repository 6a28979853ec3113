//! Daily open-data snapshots in the `OPEN_DATA` bucket: the cron writes them once a Rome
//! day (a multipart upload per file, so memory stays at one part whatever the size), and
//! readers download them under `/api/v1/open-data/snapshots/` without touching the store.

use crate::api_error::ApiError;
use crate::comune;
use crate::open_data;
use crate::platform::now;
use crate::tenant::{ComuneBucket, Env};
use chrono::NaiveDate;
use segnala_core::open_data::formats::ExportWriter;
use segnala_core::open_data::matches_tag;
use segnala_core::open_data::query::OpenDataQuery;
use segnala_core::open_data::snapshot::{
    policy_of, Parts, Snapshot, SnapshotEntry, SnapshotFile, SnapshotIndex, INDEX_KEY, PART_BYTES,
};
use segnala_core::working_days::rome_date;
use worker::{HttpMetadata, MultipartUpload, Request, Response, UploadedPart};

type Result<T> = std::result::Result<T, ApiError>;

pub const BINDING: &str = "OPEN_DATA";

fn bucket(env: &Env) -> Result<ComuneBucket> {
    Ok(env.comune_bucket(BINDING)?)
}

/// The stored index and its R2 entity tag (none before the first snapshot).
async fn index(bucket: &ComuneBucket) -> Result<(SnapshotIndex, Option<String>)> {
    let Some(object) = bucket.get(INDEX_KEY).execute().await? else {
        return Ok((SnapshotIndex::default(), None));
    };
    let tag = object.http_etag();
    let index = match object.body() {
        Some(body) => serde_json::from_str(&body.text().await?)
            .map_err(|e| ApiError::Internal(format!("snapshot index unreadable: {e}")))?,
        None => SnapshotIndex::default(),
    };
    Ok((index, Some(tag)))
}

async fn put(bucket: &ComuneBucket, key: &str, media_type: &str, bytes: Vec<u8>) -> Result<()> {
    bucket
        .put(key, bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(media_type.into()),
            ..Default::default()
        })
        .execute()
        .await?;
    Ok(())
}

async fn write_index(bucket: &ComuneBucket, index: &SnapshotIndex) -> Result<()> {
    let json = serde_json::to_vec(index).map_err(|e| ApiError::Internal(e.to_string()))?;
    put(bucket, INDEX_KEY, "application/json; charset=utf-8", json).await
}

async fn delete_snapshots(bucket: &ComuneBucket, dates: Vec<NaiveDate>) {
    for date in dates {
        let keys: Vec<String> = SnapshotFile::ALL.iter().map(|f| f.key(date)).collect();
        if let Err(error) = bucket.delete_multiple(&keys).await {
            worker::console_warn!("snapshot {date} not deleted: {error}");
        }
    }
}

/// From the cron: withdraws snapshots written under another publication policy, then takes
/// today's, unless it is already there.
pub async fn take_if_due(env: &Env) -> Result<()> {
    let bucket = bucket(env)?;
    let (mut index, _) = index(&bucket).await?;
    let policy = policy_of(comune::config(env));
    let withdrawn = index.withdraw_other_policies(&policy);
    if !withdrawn.is_empty() {
        // Unlisted first, then gone.
        write_index(&bucket, &index).await?;
        delete_snapshots(&bucket, withdrawn).await;
    }
    let started = now();
    if !index.is_due(started) {
        return Ok(());
    }
    let date = rome_date(started);
    let mut files = Vec::new();
    let mut written = Vec::new();
    for file in [SnapshotFile::ReportsCsv, SnapshotFile::ReportsGeoJson] {
        let (bytes, reports, parts) = write_reports(env, &bucket, file, date).await?;
        files.push(entry(file, date, bytes, Some(reports)));
        written.push(format!("{} {bytes} bytes in {parts} parts", file.name()));
    }
    let statistics = open_data::statistics_json(env, &OpenDataQuery::default()).await?;
    put(
        &bucket,
        &SnapshotFile::Statistics.key(date),
        SnapshotFile::Statistics.media_type(),
        statistics.as_bytes().to_vec(),
    )
    .await?;
    files.push(entry(
        SnapshotFile::Statistics,
        date,
        statistics.len() as u64,
        None,
    ));

    let dropped = index.add(Snapshot {
        date,
        generated_at: started,
        policy,
        files,
    });
    // The index goes last: a snapshot is listed (and served) only once all its files are there.
    write_index(&bucket, &index).await?;
    delete_snapshots(&bucket, dropped).await;
    worker::console_log!("open-data snapshot {date} written: {}", written.join(", "));
    Ok(())
}

fn entry(file: SnapshotFile, date: NaiveDate, bytes: u64, reports: Option<u64>) -> SnapshotEntry {
    SnapshotEntry {
        name: file.name().into(),
        url: file.path(date),
        media_type: file.media_type().into(),
        bytes,
        reports,
    }
}

/// Sends `parts` as the next parts of `upload`, numbered on from those `sent`.
async fn send_parts(
    upload: &MultipartUpload,
    sent: &mut Vec<UploadedPart>,
    parts: Vec<Vec<u8>>,
) -> Result<()> {
    for part in parts {
        let number = sent.len() as u16 + 1;
        sent.push(upload.upload_part(number, part).await?);
    }
    Ok(())
}

/// Every report, in Italian, page by page from the store into the parts of one upload;
/// returns the bytes, reports and parts written.
async fn write_reports(
    env: &Env,
    bucket: &ComuneBucket,
    file: SnapshotFile,
    date: NaiveDate,
) -> Result<(u64, u64, usize)> {
    let key = file.key(date);
    let upload = bucket
        .create_multipart_upload(&key)
        .http_metadata(HttpMetadata {
            content_type: Some(file.media_type().into()),
            ..Default::default()
        })
        .execute()
        .await?;
    let result = async {
        let query = OpenDataQuery::default();
        let page_size = open_data::export_page_size(env);
        let mut writer = match file {
            SnapshotFile::ReportsGeoJson => ExportWriter::geojson(),
            _ => ExportWriter::csv(),
        };
        let mut parts = Parts::new(PART_BYTES);
        let mut uploaded = Vec::new();
        let mut reports = 0u64;
        let mut page = Some(open_data::page(env, &query, page_size, false).await?);
        while let Some(current) = page {
            reports += current.reports.len() as u64;
            send_parts(
                &upload,
                &mut uploaded,
                parts.push(writer.page(&current.reports).as_bytes()),
            )
            .await?;
            page = open_data::next_page(env, &query, &current, page_size).await?;
        }
        send_parts(&upload, &mut uploaded, parts.push(writer.tail().as_bytes())).await?;
        let total = parts.total;
        let last = parts.finish();
        if !last.is_empty() || uploaded.is_empty() {
            send_parts(&upload, &mut uploaded, vec![last]).await?;
        }
        Ok::<_, ApiError>((uploaded, total, reports))
    }
    .await;
    // `complete` consumes the upload; its id lets a failed completion be aborted too.
    let upload_id = upload.upload_id().await;
    let failure = match result {
        Ok((uploaded, bytes, reports)) => {
            let parts = uploaded.len();
            match upload.complete(uploaded).await {
                Ok(_) => return Ok((bytes, reports, parts)),
                Err(error) => ApiError::from(error),
            }
        }
        Err(error) => error,
    };
    // Parts already sent would otherwise be kept (and billed) until R2 expires them.
    let aborted = match bucket.resume_multipart_upload(&key, upload_id) {
        Ok(upload) => upload.abort().await,
        Err(error) => Err(error),
    };
    if let Err(abort) = aborted {
        worker::console_warn!("snapshot upload {key} not aborted: {abort}");
    }
    Err(failure)
}

/// The snapshots readers may have: listed in the index and written under the current
/// publication policy (the cron withdraws the others within ten minutes of a change), and
/// a tag for them.
async fn published(env: &Env, bucket: &ComuneBucket) -> Result<(SnapshotIndex, String)> {
    let policy = policy_of(comune::config(env));
    let (mut index, stored_tag) = index(bucket).await?;
    index.withdraw_other_policies(&policy);
    let stored_tag = stored_tag.unwrap_or_else(|| "none".into());
    let tag = format!("\"{}-{policy}\"", stored_tag.trim_matches('"'));
    Ok((index, tag))
}

/// `snapshots.json`: every snapshot kept, newest first, with its files.
pub async fn list(request: &Request, env: &Env) -> Result<Response> {
    let (index, tag) = published(env, &bucket(env)?).await?;
    if let Some(response) = not_modified(request, Some(&tag), LIST_CACHE)? {
        return Ok(response);
    }
    let mut response = Response::from_json(&index)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", LIST_CACHE)?;
    headers.set("ETag", &tag)?;
    Ok(response)
}

/// The list changes once a day.
const LIST_CACHE: &str = "public, max-age=300";
/// A dated file changes only when it is withdrawn after the publication policy changed
/// (and the day's is taken again): caches may keep it an hour, not for good.
const FILE_CACHE: &str = "public, max-age=3600";

fn not_modified(request: &Request, tag: Option<&str>, cache: &str) -> Result<Option<Response>> {
    let held = request.headers().get("If-None-Match")?;
    match (held, tag) {
        (Some(held), Some(tag)) if matches_tag(&held, tag) => {
            let mut response = Response::empty()?.with_status(304);
            response.headers_mut().set("ETag", tag)?;
            response.headers_mut().set("Cache-Control", cache)?;
            Ok(Some(response))
        }
        _ => Ok(None),
    }
}

/// `snapshots/{date}/{file}` streamed from R2, or `snapshots/latest/{file}` sent on to the
/// newest dated one.
pub async fn download(request: &Request, env: &Env, rest: &str) -> Result<Response> {
    let (day, name) = rest.split_once('/').ok_or(ApiError::NotFound("Snapshot"))?;
    let file = SnapshotFile::parse(name).ok_or(ApiError::NotFound("Snapshot"))?;
    let bucket = bucket(env)?;
    let (index, _) = published(env, &bucket).await?;
    if day == "latest" {
        let latest = index.latest().ok_or(ApiError::NotFound("Snapshot"))?;
        let mut response = Response::empty()?.with_status(302);
        let headers = response.headers_mut();
        headers.set("Location", &file.path(latest.date))?;
        headers.set("Cache-Control", LIST_CACHE)?;
        return Ok(response);
    }
    // Only real dates reach the bucket, so no other key can ever be asked for.
    let date =
        NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| ApiError::NotFound("Snapshot"))?;
    // A snapshot made under another publication policy is withdrawn from the index at once;
    // its files may wait for the cron to delete them, but are never served meanwhile.
    if index.on(date).is_none() {
        return Err(ApiError::NotFound("Snapshot"));
    }
    let object = bucket
        .get(&file.key(date))
        .execute()
        .await?
        .ok_or(ApiError::NotFound("Snapshot"))?;
    let tag = object.http_etag();
    if let Some(response) = not_modified(request, Some(&tag), FILE_CACHE)? {
        return Ok(response);
    }
    let size = object.size();
    let body = object
        .body()
        .ok_or_else(|| ApiError::Internal("snapshot without a body".into()))?;
    let mut response = Response::from_body(body.response_body()?)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", file.media_type())?;
    headers.set("Content-Length", &size.to_string())?;
    headers.set("ETag", &tag)?;
    headers.set("Cache-Control", FILE_CACHE)?;
    headers.set(
        "Content-Disposition",
        &format!(
            "attachment; filename=\"{}\"",
            file.download_name(&comune::config(env).id, date)
        ),
    )?;
    Ok(response)
}
