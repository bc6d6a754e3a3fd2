//! Custom sources: the host page reports what each frame says, when it shows
//! and hides each frame, and forwards each frame's requests, naming the
//! frame by the id it gave it. Rust decides which source that is, and whether
//! it may act now (mounted, under its cap of requests in flight); nothing a
//! message claims is believed.

use satchel_core::actions::{self, AuthOp, Effect, StorageOp};
use satchel_core::auth::User;
use satchel_core::{SidebarItem, SourceEntry, SourceView, MAX_IN_FLIGHT};
use serde::Serialize;
use tauri::ipc::Request;
use tauri::State;

use crate::commands::chunk::{self, Chunk};
use crate::error::{Error, Result};
use crate::frame;
use crate::state::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSlot {
    #[serde(flatten)]
    pub entry: SourceEntry,
    pub frame_url: String,
    /// Requests the frame may have waiting at once; Rust refuses more.
    pub max_in_flight: usize,
    /// Whether the source signs in (`auth` in its config entry).
    pub auth: bool,
}

/// The synchronous `actions` properties a frame holds: the picker's view,
/// and who the source signed in as (`actions.auth.user`).
#[derive(Debug, Serialize)]
pub struct FrameView {
    #[serde(flatten)]
    view: SourceView,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<User>,
}

impl FrameView {
    fn of(state: &AppState, name: &str) -> FrameView {
        FrameView {
            view: state.picker.source_view(name),
            user: state.auth.user(name),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ActionReply {
    value: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    effect: Option<Effect>,
    view: FrameView,
}

/// Every custom source, loaded or not, for the frames to be created.
#[tauri::command]
pub fn list_sources(state: State<'_, AppState>) -> Vec<SourceSlot> {
    let registry = state.lock_sources();
    registry
        .entries()
        .iter()
        .map(|entry| SourceSlot {
            entry: entry.clone(),
            frame_url: frame::frame_url(entry.id),
            max_in_flight: MAX_IN_FLIGHT,
            auth: registry
                .file(entry.id)
                .is_ok_and(|file| file.auth.is_some()),
        })
        .collect()
}

/// The sidebar, in `fromSources` order.
#[tauri::command]
pub fn sidebar_sources(state: State<'_, AppState>) -> Vec<SidebarItem> {
    state
        .lock_sources()
        .sidebar(&state.picker.options().from_sources)
}

#[tauri::command]
pub fn source_loaded(
    source: u32,
    descriptor: String,
    state: State<'_, AppState>,
) -> Result<SourceEntry> {
    let registry = &mut state.lock_sources();
    let entry = registry.loaded(source, &descriptor)?;
    // A source that signs in gets its session under the name it loaded as.
    let file = registry.file(source)?;
    if let (Some(auth), Some(name)) = (&file.auth, &entry.name) {
        let label = entry.label.as_deref().unwrap_or(name);
        state
            .auth
            .register(name, label, auth.clone(), file.connect.clone());
    }
    Ok(entry)
}

#[tauri::command]
pub fn source_failed(source: u32, message: String, state: State<'_, AppState>) -> Result<()> {
    Ok(state.lock_sources().failed(source, &message)?)
}

/// The host is about to tell frame `source` to mount: it may act from now on.
#[tauri::command]
pub fn source_mounted(source: u32, state: State<'_, AppState>) -> Result<()> {
    Ok(state.lock_sources().mount(source)?)
}

/// The host hid frame `source`, or the frame said it unmounted: its new
/// requests are refused from now on.
#[tauri::command]
pub fn source_unmounted(source: u32, state: State<'_, AppState>) -> Result<()> {
    Ok(state.lock_sources().unmount(source)?)
}

#[tauri::command]
pub fn source_view(source: u32, state: State<'_, AppState>) -> Result<FrameView> {
    let name = state.source_name(source)?;
    Ok(FrameView::of(&state, &name))
}

#[tauri::command]
pub async fn source_action(
    source: u32,
    request: String,
    state: State<'_, AppState>,
) -> Result<ActionReply> {
    // Held until the reply: unmounting meanwhile lets this one finish.
    let (name, _ticket) = state.lock_sources().admit(source)?;
    let mut reply = actions::perform(&state.picker, &name, &request).await?;
    let allowed = state.lock_sources().capabilities();
    if let Some(op) = reply.storage.take() {
        if !allowed.storage {
            return Err(Error::CapabilityOff {
                what: "keeping storage",
                key: "sourceStorage",
            });
        }
        reply.value = storage(&state, &name, op)?;
    }
    if let Some(op) = reply.auth.take() {
        reply.value = auth(&state, &name, op).await?;
    }
    if let Some(link) = &reply.open {
        if !allowed.links {
            return Err(Error::CapabilityOff {
                what: "opening links",
                key: "sourceLinks",
            });
        }
        // The desktop's URL handler (xdg-open, which honours $BROWSER, or
        // GIO): never the webview, so a source cannot navigate the picker.
        open::that_detached(link)
            .map_err(|e| Error::Open(format!("{link} in the browser: {e}")))?;
    }
    if reply.effect == Some(Effect::StartUpload) {
        crate::commands::upload::spawn_upload(&state);
    }
    Ok(ActionReply {
        value: reply.value,
        effect: reply.effect,
        view: FrameView::of(&state, &name),
    })
}

/// Performs a source's `actions.auth` request on its own sign-in (the
/// name comes from its frame: there is no asking for another's).
async fn auth(state: &AppState, name: &str, op: AuthOp) -> Result<serde_json::Value> {
    let signs_in = &state.auth;
    Ok(match op {
        AuthOp::Token => serde_json::Value::String(signs_in.token(name).await?.expose().to_owned()),
        AuthOp::SignIn => serde_json::to_value(signs_in.sign_in(name).await?).unwrap_or_default(),
        AuthOp::SignOut => {
            signs_in.sign_out(name).await?;
            serde_json::Value::Null
        }
    })
}

/// Performs a source's `localStorage` request on its own storage.
fn storage(state: &AppState, name: &str, op: StorageOp) -> Result<serde_json::Value> {
    let storage = &state.storage;
    match op {
        StorageOp::Load => return Ok(serde_json::to_value(storage.load(name)?).unwrap_or_default()),
        StorageOp::Set { key, value } => storage.set(name, key, value)?,
        StorageOp::Remove { key } => storage.remove(name, &key)?,
        StorageOp::Clear => storage.clear(name)?,
    }
    Ok(serde_json::Value::Null)
}

/// One chunk of a raw file: the bytes are the body, the rest are headers.
#[tauri::command]
pub async fn source_chunk(request: Request<'_>, state: State<'_, AppState>) -> Result<()> {
    let source: u32 = chunk::header(&request, "satchel-source")?
        .parse()
        .map_err(|_| Error::BadChunk("bad satchel-source header".into()))?;
    let (name, _ticket) = state.lock_sources().admit(source)?;
    let chunk = Chunk::of(&request)?;
    let picker = state.picker.clone();
    tauri::async_runtime::spawn_blocking(move || {
        picker.raw_chunk(&name, chunk.spool, chunk.offset, &chunk.bytes)
    })
    .await??;
    Ok(())
}
