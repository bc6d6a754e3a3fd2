// The only module that talks to Rust. Components call these and render the
// snapshots that come back or arrive as events.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ActionReply, ErrorInfo, SidebarItem, Snapshot, SourceEntry, SourceSlot, SourceView } from "./types";

const STATE_EVENT = "satchel://state";

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
export const finish = () => invoke<void>("finish");
/** After the first frame is on screen (`./x bench` times cold starts by it). */
export const painted = () => invoke<void>("painted");

export const listSources = () => invoke<SourceSlot[]>("list_sources");
export const sidebarSources = () => invoke<SidebarItem[]>("sidebar_sources");
export const sourceLoaded = (source: number, descriptor: string) =>
  invoke<SourceEntry>("source_loaded", { source, descriptor });
export const sourceFailed = (source: number, message: string) => invoke<void>("source_failed", { source, message });
export const sourceView = (source: number) => invoke<SourceView>("source_view", { source });
export const sourceAction = (source: number, request: string) =>
  invoke<ActionReply>("source_action", { source, request });

/** A raw-file chunk goes as the request body, not as JSON. */
export function sourceChunk(source: number, spool: string, offset: number, data: ArrayBuffer): Promise<void> {
  return invoke<void>("source_chunk", new Uint8Array(data), {
    headers: { "satchel-source": String(source), "satchel-spool": spool, "satchel-offset": String(offset) },
  });
}

export function onState(handler: (snapshot: Snapshot) => void): Promise<UnlistenFn> {
  return listen<Snapshot>(STATE_EVENT, (event) => handler(event.payload));
}

/** Commands reject with `{kind, message}`; anything else is wrapped alike. */
export function asErrorInfo(error: unknown): ErrorInfo {
  if (typeof error === "object" && error !== null && "kind" in error && "message" in error) {
    return { kind: String(error.kind), message: String(error.message) };
  }
  return { kind: "internal", message: String(error) };
}
