//! The picker as custom sources see it: what each action does to the queue.
//! When working on this file, keep in mind:
//! - a source sees and touches only its own files;
//! - a source learns no local path (where a file landed in a folder, where
//!   the spool is) and no address a name resolved to: its views and errors
//!   are made for it (see [`Error::for_source`]);
//! - a type a source or a server declares is checked again against
//!   `accept` on the content itself before the file is queued or sent.

use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;

use crate::actions::{CustomFile, RawBegin};
use crate::fetch::{check_url, clean_filename, Metadata};
use crate::incoming::RawUpload;
use crate::{
    headers, mime, restrictions, Error, FileRecord, Headers, Origin, Picker, PickerOptions, Result,
};

/// Raw files arrive in chunks of at most this many bytes (over IPC).
pub const RAW_CHUNK: usize = 4 << 20;

/// Raw files a frame sends straight to Rust (a POST to its own origin,
/// `frame/raw.rs`) arrive in slices of at most this many bytes: the
/// webview hands each request's body over whole, so this bounds memory.
pub const RAW_SLICE: usize = 16 << 20;

/// A file as `getFile` and `fileList` show it, in the seed's shape.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SourceFileView {
    pub url: String,
    #[serde(rename = "type")]
    pub mime: String,
    pub filename: String,
    pub display_name: String,
    pub thumbnail: String,
    #[specta(type = specta_typescript::Number)]
    pub size: u64,
    pub headers: Headers,
    pub uuid: Uuid,
}

/// The synchronous properties of `actions`, pushed into the source's frame.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SourceView {
    pub file_list: Vec<SourceFileView>,
    #[specta(type = specta_typescript::Number)]
    pub count: usize,
    pub config: PickerOptions,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RawStarted {
    /// The file's spool id; it is also the ticket the frame's POSTs carry,
    /// good for this source and this file only, until it is finished or
    /// aborted.
    pub spool: Uuid,
    #[specta(type = specta_typescript::Number)]
    pub chunk: usize,
    #[specta(type = specta_typescript::Number)]
    pub slice: usize,
}

impl SourceFileView {
    fn of(record: &FileRecord) -> Self {
        let headers = match &record.origin {
            Origin::Link { headers } => headers.clone(),
            _ => Headers::new(),
        };
        // A file that landed in a folder has a local path there: not the
        // source's business.
        let landed = record.landed.clone().filter(|url| url.contains("://"));
        SourceFileView {
            url: record.link.clone().or(landed).unwrap_or_default(),
            mime: record.mime.clone(),
            filename: record.filename.clone(),
            display_name: record.display_name.clone(),
            thumbnail: record.thumbnail.clone().unwrap_or_default(),
            size: record.size,
            headers,
            uuid: record.uuid,
        }
    }
}

impl Picker {
    pub fn source_view(&self, source: &str) -> SourceView {
        let file_list = self.files_where(|f| (f.source == source).then(|| SourceFileView::of(f)));
        SourceView {
            count: file_list.len(),
            file_list,
            config: self.options().clone(),
        }
    }

    pub fn source_file(&self, source: &str, uuid: Uuid) -> Result<SourceFileView> {
        self.files_where(|f| (f.uuid == uuid && f.source == source).then(|| SourceFileView::of(f)))
            .pop()
            // Another source's file is reported as unknown: its existence is
            // none of this source's business.
            .ok_or(Error::UnknownFile(uuid))
    }

    pub fn remove_for_source(&self, source: &str, uuid: Uuid) -> Result<()> {
        self.source_file(source, uuid)?;
        self.remove(uuid).map(drop)
    }

    pub fn raw_begin(&self, source: &str, begin: RawBegin) -> Result<RawStarted> {
        self.begin_raw(source, begin).map_err(Error::for_source)
    }

    fn begin_raw(&self, source: &str, begin: RawBegin) -> Result<RawStarted> {
        self.has_room()?;
        // Refused before a byte is sent, naming the file.
        let name = clean_filename(begin.name.as_deref().unwrap_or(""));
        size_only(self.options(), &name, begin.size)?;
        let writer = self.spool().create(source, begin.size)?;
        if let Err(e) = writer.ensure_room(begin.size) {
            writer.abort();
            return Err(e);
        }
        let spool = self.incoming().insert(RawUpload {
            source: source.to_owned(),
            name,
            mime: begin.mime.filter(|m| is_mime(m)),
            size: begin.size,
            writer,
        });
        Ok(RawStarted {
            spool,
            chunk: RAW_CHUNK,
            slice: RAW_SLICE,
        })
    }

    /// Appends one chunk of a raw file. Blocking (a disk write).
    pub fn raw_chunk(&self, source: &str, spool: Uuid, offset: u64, bytes: &[u8]) -> Result<()> {
        self.write_raw(source, spool, offset, bytes, RAW_CHUNK)
            .map_err(Error::for_source)
    }

    /// Appends one slice of a raw file that the source's frame sent
    /// straight to Rust; `spool` is the ticket `addRawBegin` gave this
    /// source. Blocking (a disk write).
    pub fn raw_slice(&self, source: &str, spool: Uuid, offset: u64, bytes: &[u8]) -> Result<()> {
        self.write_raw(source, spool, offset, bytes, RAW_SLICE)
            .map_err(Error::for_source)
    }

    fn write_raw(
        &self,
        source: &str,
        spool: Uuid,
        offset: u64,
        bytes: &[u8],
        at_most: usize,
    ) -> Result<()> {
        if bytes.len() > at_most {
            return Err(Error::BadChunk(format!(
                "{} bytes, at most {at_most}",
                bytes.len()
            )));
        }
        self.incoming().write(source, spool, offset, bytes)
    }

    pub fn raw_finish(&self, source: &str, spool: Uuid) -> Result<SourceFileView> {
        self.finish_raw(source, spool).map_err(Error::for_source)
    }

    fn finish_raw(&self, source: &str, spool: Uuid) -> Result<SourceFileView> {
        let upload = self.incoming().take(source, spool)?;
        if upload.writer.written() != upload.size {
            let message = format!("got {} of {} bytes", upload.writer.written(), upload.size);
            upload.writer.abort();
            return Err(Error::BadChunk(message));
        }
        let path = upload.writer.finish()?;
        // The declared type is the source's word; the content has its say too.
        let sniffed = sniff_or_default(&path, &upload.name);
        let mime = upload.mime.unwrap_or_else(|| sniffed.clone());
        let checked = restrictions::check(self.options(), &upload.name, &mime, Some(upload.size))
            .and_then(|()| restrictions::check(self.options(), &upload.name, &sniffed, None));
        if let Err(e) = checked {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let mut record = FileRecord::new(path, upload.name, mime, upload.size, source);
        record.origin = Origin::Spooled;
        self.admit_owned(record)
    }

    pub fn raw_abort(&self, source: &str, spool: Uuid) {
        self.incoming().abort(source, spool);
    }

    /// `fetchAndAddUrl`: streams the URL into the spool now and queues it.
    pub async fn fetch_and_add(
        &self,
        source: &str,
        url: &str,
        headers: &Headers,
    ) -> Result<SourceFileView> {
        self.fetch_and_queue(source, url, headers)
            .await
            .map_err(Error::for_source)
    }

    async fn fetch_and_queue(
        &self,
        source: &str,
        url: &str,
        headers: &Headers,
    ) -> Result<SourceFileView> {
        self.has_room()?;
        headers::validate(headers)?;
        let (path, fetched) = self.fetch_to_spool(source, url, headers).await?;
        // The type is known only now, as the server says it and as the
        // content shows it; a refused file leaves nothing behind.
        let checked = restrictions::check(
            self.options(),
            &fetched.filename,
            &fetched.mime,
            Some(fetched.size),
        )
        .and_then(|()| {
            restrictions::check(self.options(), &fetched.filename, &fetched.sniffed, None)
        });
        if let Err(e) = checked {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let mut record =
            FileRecord::new(path, fetched.filename, fetched.mime, fetched.size, source);
        record.origin = Origin::Spooled;
        record.link = Some(url.to_owned());
        if record.mime.starts_with("image/") {
            record.thumbnail = Some(url.to_owned());
        }
        self.admit_owned(record)
    }

    /// `addCustomUrl`: queues a link, fetched with its headers at upload time.
    pub fn add_custom_url(&self, source: &str, file: CustomFile) -> Result<SourceFileView> {
        self.queue_custom_url(source, file)
            .map_err(Error::for_source)
    }

    fn queue_custom_url(&self, source: &str, file: CustomFile) -> Result<SourceFileView> {
        let url = file.url.ok_or(Error::MissingField("url"))?;
        let mime = file.mime.ok_or(Error::MissingField("type"))?;
        let filename = file.filename.ok_or(Error::MissingField("filename"))?;
        check_url(&url)?;
        if !is_mime(&mime) {
            return Err(Error::BadRequest(format!(
                "type {mime:?} is not a MIME type"
            )));
        }
        let headers = file.headers.unwrap_or_default();
        headers::validate(&headers)?;
        let filename = clean_filename(&filename);
        restrictions::check(self.options(), &filename, &mime, None)?;
        let mut record = FileRecord::new(PathBuf::new(), filename, mime, 0, source);
        if let Some(display_name) = file.display_name.filter(|d| !d.trim().is_empty()) {
            record.display_name = display_name
                .chars()
                .filter(|c| !c.is_control())
                .take(255)
                .collect();
        }
        record.thumbnail = file
            .thumbnail
            .filter(|t| check_url(t).is_ok() || t.starts_with("data:image/"));
        record.link = Some(url);
        record.origin = Origin::Link { headers };
        self.admit_owned(record)
    }

    /// `metadata`: what the URL says about the file behind it.
    pub async fn metadata(&self, source: &str, url: &str, headers: &Headers) -> Result<Metadata> {
        let fetcher = self.fetcher().map_err(Error::for_source)?;
        let headers = self
            .with_bearer(source, url, headers)
            .await
            .map_err(Error::for_source)?;
        fetcher
            .metadata(url, &headers)
            .await
            .map_err(Error::for_source)
    }

    fn admit_owned(&self, record: FileRecord) -> Result<SourceFileView> {
        let view = SourceFileView::of(&record);
        let path = record.path.clone();
        let spooled = record.origin == Origin::Spooled;
        if let Err(e) = self.admit(vec![std::sync::Arc::new(record)]) {
            if spooled {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
        Ok(view)
    }

    /// Throws away every raw file still arriving (Satchel is closing):
    /// their partial spool files go with them.
    pub fn abort_unfinished_raw(&self) {
        self.incoming().clear();
    }
}

/// Before a raw file's bytes arrive only its size can be judged.
fn size_only(options: &PickerOptions, name: &str, size: u64) -> Result<()> {
    let unrestricted = PickerOptions {
        accept: vec![],
        ..options.clone()
    };
    restrictions::check(&unrestricted, name, "", Some(size))
}

fn is_mime(s: &str) -> bool {
    let mut parts = s.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
    };
    ok(parts.next())
        && ok(parts.next().map(|p| p.split(';').next().unwrap_or(p)))
        && parts.next().is_none()
}

/// The type the content shows, read from its first bytes only.
fn sniff_or_default(path: &Path, name: &str) -> String {
    use std::io::Read;
    let mut head = Vec::with_capacity(8192);
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(8192).read_to_end(&mut head);
    }
    mime::detect(&head, Path::new(name))
}
