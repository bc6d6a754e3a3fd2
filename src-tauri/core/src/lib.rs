//! Satchel's core: everything the picker does that is not drawing a window.
//!
//! The queue of chosen files, MIME detection, the destinations files are
//! uploaded to and the pipeline that drives them all live here, free of any
//! Tauri type, so they can be tested (and later driven headless) without a
//! display. The desktop app is a thin adapter over [`Picker`].
//!
//! ```no_run
//! # async fn demo() -> satchel_core::Result<()> {
//! use std::sync::Arc;
//! use satchel_core::{FolderDestination, Picker, NoEvents};
//!
//! let picker = Picker::new(Arc::new(FolderDestination::new("/tmp/out")), Arc::new(NoEvents));
//! picker.add_paths(&["/etc/hostname".into()], satchel_core::LOCAL_SOURCE);
//! let done = picker.upload().await?;
//! println!("{}", serde_json::to_string(&done).unwrap());
//! # Ok(()) }
//! ```

pub mod actions;
pub mod auth;
pub mod config;
mod destination;
mod error;
mod events;
mod fetch;
mod headers;
pub mod imaging;
mod incoming;
mod mime;
mod naming;
mod network;
mod options;
mod paths;
mod persist;
mod picker;
pub mod providers;
mod queue;
mod record;
mod restrictions;
mod result;
mod retry;
mod scan;
mod source_api;
mod source_code;
mod source_icon;
mod source_storage;
mod sources;
mod spool;
mod thumbnail;
mod transfer;
pub use transfer::DEFAULT_STALL_TIMEOUT;

pub use config::{
    parse_size, resolve as resolve_config, user_config_path, ConfigFile, Effective, Layer,
    Origin as ConfigOrigin, Size, SourceSpec, POLICY_PATH,
};
pub use destination::{
    folder::FolderDestination,
    http_post::HttpPostDestination,
    parse as parse_destination, parse_with as parse_destination_with,
    s3::{S3Config, S3Destination},
    tus::TusDestination,
    Destination, Landed, MemorySlot, Options as DestinationOptions, Progress, ResumeSlot,
    UploadContext, UploadItem,
};
pub use error::{Error, ErrorInfo, Result};
pub use events::{EventSink, FileView, NoEvents, Notice, Sending, Snapshot, Speed, Totals};
pub use fetch::{check_url, clean_filename, Metadata};
pub use mime::{detect as detect_mime, sniff as sniff_mime};
pub use naming::unclobbered_names;
pub use network::{parse_origin, NetworkPolicy};
pub use options::PickerOptions;
pub use paths::{default_upload_dir, spool_dir, state_dir};
pub use persist::{default_state_dir, SavedFile, SavedQueue, Store};
pub use picker::{AddOutcome, Picker, DEFAULT_CONCURRENCY};
pub use providers::{Provider, ProviderConfig, Shipped, PROVIDERS};
pub use record::{
    FileRecord, FileStatus, Headers, Origin, BUILTIN_SOURCES, LINK_SOURCE, LOCAL_SOURCE,
};
pub use result::{FailedFile, UploadDone, UploadedFile};
pub use retry::RetryPolicy;
pub use source_api::{RawStarted, SourceFileView, SourceView, RAW_CHUNK, RAW_SLICE};
pub use source_code::{source_form, SourceForm};
pub use source_icon::Icon;
pub use source_storage::{SourceStorage, STORAGE_QUOTA};
pub use sources::{
    name_from_label, sha256_hex, Descriptor, SidebarItem, SourceCapabilities, SourceEntry,
    SourceFile, SourceRegistry, Ticket, MAX_IN_FLIGHT,
};
pub use spool::SpoolLimits;
pub use tokio_util::sync::CancellationToken;
