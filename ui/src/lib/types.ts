// The types that cross the IPC, as Rust declares them: bindings.ts is made
// from the Rust commands and types (src-tauri/commands/list.rs), and a Rust
// test fails when it is stale. Here they get the names the UI uses, as Rust
// sends them (`_Serialize`) or as Rust reads them (`_Deserialize`).

import type * as Rust from "./bindings";

export type FileStatus = Rust.FileStatus;
export type ErrorInfo = Rust.ErrorInfo_Serialize;
/** A queued file as the UI sees it (satchel-core's FileView of its record). */
export type FileRecord = Rust.FileView_Serialize;
/** A box in fractions (0–1) of the picture as shown (upright, after `rotate`). */
export type CropBox = Rust.Rect;
/** A picture's edit as Rust sends it; `set_edit` takes `EditSent`. */
export type Edit = Rust.Edit_Serialize;
export type EditSent = Rust.Edit_Deserialize;
export type Processed = Rust.Processed;
export type Notice = Rust.Notice_Serialize;
export type Totals = Rust.Totals_Serialize;
export type Snapshot = Rust.Snapshot_Serialize;
export type SourceEntry = Rust.SourceEntry_Serialize;
export type SourceSlot = Rust.SourceSlot_Serialize;
/** The synchronous `actions` properties pushed into a source's frame, with
 * who the source signed in as (`actions.auth.user`) when it signs in. */
export type SourceView = Rust.FrameView_Serialize;
/** A source's sign-in, as its pane shows it. */
export type AuthStatus = Rust.AuthStatus_Serialize;
export type AuthUser = Rust.User_Serialize;
export type Keeping = Rust.Keeping;
export type Effect = Rust.Effect;
export type ActionReply = Rust.ActionReply_Serialize;
export type SidebarItem = Rust.SidebarItem_Serialize;
export type UiConfig = Rust.UiConfig_Serialize;
export type PickerOptions = Rust.PickerOptions_Serialize;
export type Transformations = Rust.Transformations_Serialize;
/**
 * A state event (the app's StatePatch): the files that changed since the
 * event whose revision is `base`, the order of every file when it changed
 * (a file not in it is gone), and the rest of the snapshot whole.
 */
export interface StatePatch extends Omit<Snapshot, "files"> {
  base: number;
  changed: FileRecord[];
  order?: string[];
}
/** `metadata(url)` in the seed's shape. */
export type LinkMetadata = Rust.Metadata;
export type RawStarted = Rust.RawStarted;
export type CloseChoice = Rust.CloseChoice;
