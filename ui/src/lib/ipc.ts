// The only module that talks to Rust. Components call these and render the
// snapshots that come back or arrive as events.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { commands } from "./bindings";
import type { CloseChoice, EditSent, ErrorInfo, Snapshot, StatePatch } from "./types";

const STATE_EVENT = "satchel://state";
const CLOSE_REQUESTED_EVENT = "satchel://close-requested";
const AUTH_EVENT = "satchel://auth";
const UNMOUNT_ALL_EVENT = "satchel://unmount-all";

type Outcome<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

/** A command that can fail resolves with its value or rejects with its `{kind, message, args}`. */
async function ok<T, E>(outcome: Promise<Outcome<T, E>>): Promise<T> {
  const result = await outcome;
  if (result.status === "error") throw result.error;
  return result.data;
}

export const getState = () => commands.getState();
export const chooseFiles = () => ok(commands.chooseFiles());
export const chooseFolder = () => ok(commands.chooseFolder());
export const addPaths = (paths: string[]) => ok(commands.addPaths(paths));
export const removeFile = (uuid: string) => ok(commands.removeFile(uuid));
export const dismissNotice = (id: number) => commands.dismissNotice(id);
export const startUpload = () => commands.startUpload();
export const cancelFile = (uuid: string) => ok(commands.cancelFile(uuid));
export const cancelAll = () => commands.cancelAll();
export const pauseFile = (uuid: string) => ok(commands.pauseFile(uuid));
export const pauseAll = () => commands.pauseAll();
export const retryFile = (uuid: string) => ok(commands.retryFile(uuid));
export const finish = () => commands.finish();
/** After the first frame is on screen (`./x bench` times cold starts by it). */
export const painted = () => commands.painted();

export const uiConfig = () => commands.uiConfig();
export const thumbnail = (uuid: string) => ok(commands.thumbnail(uuid));
/** The picture upright, turned by `turns` quarters, at most 1024 px: made by Rust. */
export const picturePreview = (uuid: string, turns: number) => ok(commands.picturePreview(uuid, turns));
/** Stores a picture's edit (null: as it is); applied in Rust when it uploads. */
export const setEdit = (uuid: string, edit: EditSent | null) => ok(commands.setEdit(uuid, edit));
export const linkMetadata = (url: string) => ok(commands.linkMetadata(url));
export const linkAdd = (url: string) => ok(commands.linkAdd(url));
export const copyLink = (uuid: string) => ok(commands.copyLink(uuid));
export const openFolder = (uuid: string) => ok(commands.openFolder(uuid)).then(() => {});
export const closeWindow = (choice: CloseChoice) => ok(commands.closeWindow(choice)).then(() => {});

/** A dropped or pasted file without a path: streamed into the spool in chunks. */
export const addBlobBegin = (name: string, mime: string, size: number) =>
  ok(commands.addBlobBegin(name, mime || null, size));
export const addBlobFinish = (spool: string) => ok(commands.addBlobFinish(spool));
export const addBlobAbort = (spool: string) => ok(commands.addBlobAbort(spool)).then(() => {});
/** A chunk goes as the request body, not as JSON: not in the bindings. */
export function addBlobChunk(spool: string, offset: number, data: ArrayBuffer): Promise<void> {
  return invoke<void>("add_blob_chunk", new Uint8Array(data), {
    headers: { "satchel-spool": spool, "satchel-offset": String(offset) },
  });
}

export const listSources = () => commands.listSources();
export const sidebarSources = () => commands.sidebarSources();
export const sourceLoaded = (source: number, descriptor: string) => ok(commands.sourceLoaded(source, descriptor));
export const sourceFailed = (source: number, message: string) =>
  ok(commands.sourceFailed(source, message)).then(() => {});
export const sourceMounted = (source: number) => ok(commands.sourceMounted(source)).then(() => {});
export const sourceUnmounted = (source: number) => ok(commands.sourceUnmounted(source)).then(() => {});
export const sourceView = (source: number) => ok(commands.sourceView(source));
export const sourceAction = (source: number, request: string) => ok(commands.sourceAction(source, request));

/** A source's sign-in: null for a source without `auth`. */
export const authStatus = (source: number) => ok(commands.authStatus(source));
/** Signs in in the system browser; resolves when the flow ends, however it ends. */
export const authSignIn = (source: number) => ok(commands.authSignIn(source));
export const authCancel = (source: number) => ok(commands.authCancel(source)).then(() => {});
export const authSignOut = (source: number) => ok(commands.authSignOut(source));

/** A source's sign-in changed; the payload is its name. */
export function onAuth(handler: (name: string) => void): Promise<UnlistenFn> {
  return listen<string>(AUTH_EVENT, (event) => handler(event.payload));
}

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
