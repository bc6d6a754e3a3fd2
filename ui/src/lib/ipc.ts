// The only module that talks to Rust. Components call these and render the
// snapshots that come back or arrive as events.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  ActionReply,
  CloseChoice,
  Edit,
  ErrorInfo,
  LinkMetadata,
  RawStarted,
  SidebarItem,
  Snapshot,
  StatePatch,
  SourceEntry,
  SourceSlot,
  SourceView,
  UiConfig,
} from "./types";

const STATE_EVENT = "satchel://state";
const CLOSE_REQUESTED_EVENT = "satchel://close-requested";
const UNMOUNT_ALL_EVENT = "satchel://unmount-all";

export const getState = () => invoke<Snapshot>("get_state");
export const chooseFiles = () => invoke<Snapshot>("choose_files");
export const chooseFolder = () => invoke<Snapshot>("choose_folder");
export const addPaths = (paths: string[]) => invoke<Snapshot>("add_paths", { paths });
export const removeFile = (uuid: string) => invoke<Snapshot>("remove_file", { uuid });
export const dismissNotice = (id: number) => invoke<Snapshot>("dismiss_notice", { id });
export const startUpload = () => invoke<void>("start_upload");
export const cancelFile = (uuid: string) => invoke<Snapshot>("cancel_file", { uuid });
export const cancelAll = () => invoke<Snapshot>("cancel_all");
export const pauseFile = (uuid: string) => invoke<Snapshot>("pause_file", { uuid });
export const pauseAll = () => invoke<Snapshot>("pause_all");
export const retryFile = (uuid: string) => invoke<Snapshot>("retry_file", { uuid });
export const finish = () => invoke<void>("finish");
/** After the first frame is on screen (`./x bench` times cold starts by it). */
export const painted = () => invoke<void>("painted");

export const uiConfig = () => invoke<UiConfig>("ui_config");
export const thumbnail = (uuid: string) => invoke<string | null>("thumbnail", { uuid });
/** The picture upright, turned by `turns` quarters, at most 1024 px: made by Rust. */
export const picturePreview = (uuid: string, turns: number) => invoke<string>("picture_preview", { uuid, turns });
/** Stores a picture's edit (null: as it is); applied in Rust when it uploads. */
export const setEdit = (uuid: string, edit: Edit | null) => invoke<Snapshot>("set_edit", { uuid, edit });
export const linkMetadata = (url: string) => invoke<LinkMetadata>("link_metadata", { url });
export const linkAdd = (url: string) => invoke<Snapshot>("link_add", { url });
export const copyLink = (uuid: string) => invoke<string>("copy_link", { uuid });
export const openFolder = (uuid: string) => invoke<void>("open_folder", { uuid });
export const closeWindow = (choice: CloseChoice) => invoke<void>("close_window", { choice });

/** A dropped or pasted file without a path: streamed into the spool in chunks. */
export const addBlobBegin = (name: string, mime: string, size: number) =>
  invoke<RawStarted>("add_blob_begin", { name, mime: mime || null, size });
export const addBlobFinish = (spool: string) => invoke<Snapshot>("add_blob_finish", { spool });
export const addBlobAbort = (spool: string) => invoke<void>("add_blob_abort", { spool });
export function addBlobChunk(spool: string, offset: number, data: ArrayBuffer): Promise<void> {
  return invoke<void>("add_blob_chunk", new Uint8Array(data), {
    headers: { "satchel-spool": spool, "satchel-offset": String(offset) },
  });
}

export const listSources = () => invoke<SourceSlot[]>("list_sources");
export const sidebarSources = () => invoke<SidebarItem[]>("sidebar_sources");
export const sourceLoaded = (source: number, descriptor: string) =>
  invoke<SourceEntry>("source_loaded", { source, descriptor });
export const sourceFailed = (source: number, message: string) => invoke<void>("source_failed", { source, message });
export const sourceMounted = (source: number) => invoke<void>("source_mounted", { source });
export const sourceUnmounted = (source: number) => invoke<void>("source_unmounted", { source });
export const sourceView = (source: number) => invoke<SourceView>("source_view", { source });
export const sourceAction = (source: number, request: string) =>
  invoke<ActionReply>("source_action", { source, request });

/** A raw-file chunk goes as the request body, not as JSON. */
export function sourceChunk(source: number, spool: string, offset: number, data: ArrayBuffer): Promise<void> {
  return invoke<void>("source_chunk", new Uint8Array(data), {
    headers: { "satchel-source": String(source), "satchel-spool": spool, "satchel-offset": String(offset) },
  });
}

/** State events: each a patch against the one before (see `applyPatch`). */
export function onState(handler: (patch: StatePatch) => void): Promise<UnlistenFn> {
  return listen<StatePatch>(STATE_EVENT, (event) => handler(event.payload));
}

export function onCloseRequested(handler: () => void): Promise<UnlistenFn> {
  return listen(CLOSE_REQUESTED_EVENT, () => handler());
}

/** The window is closing with a source shown: unmount it, then close. */
export function onUnmountAll(handler: () => void): Promise<UnlistenFn> {
  return listen(UNMOUNT_ALL_EVENT, () => handler());
}

/** Commands reject with `{kind, message}`; anything else is wrapped alike. */
export function asErrorInfo(error: unknown): ErrorInfo {
  if (typeof error === "object" && error !== null && "kind" in error && "message" in error) {
    const info: ErrorInfo = { kind: String(error.kind), message: String(error.message) };
    if ("args" in error && typeof error.args === "object" && error.args !== null) {
      info.args = Object.fromEntries(Object.entries(error.args).map(([k, v]) => [k, String(v)]));
    }
    return info;
  }
  return { kind: "internal", message: String(error) };
}
