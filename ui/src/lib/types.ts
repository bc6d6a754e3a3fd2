// Mirrors of the Rust types that cross the IPC (satchel-core's Snapshot and
// friends). Keep in step with src-tauri/core/src/{events,record,error}.rs.

export type FileStatus = "queued" | "uploading" | "done" | "failed";

export interface ErrorInfo {
  kind: string;
  /** Rust's own English message, always there. */
  message: string;
  /** For common errors, the particulars a translated message is made from. */
  args?: Record<string, string>;
}

export interface FileRecord {
  uuid: string;
  filename: string;
  display_name: string;
  type: string;
  size: number;
  source: string;
  status: FileStatus;
  transferred: number;
  link?: string;
  thumbnail?: string;
  landed?: string;
  /** Bytes per second while it uploads. */
  rate: number | null;
  /** Seconds left at that rate. */
  eta: number | null;
  error?: ErrorInfo;
  /** The person's edit of a picture, applied in Rust when it uploads. */
  edit?: Edit;
  /** Set once the picture was processed for upload. */
  image?: Processed;
}

/** A box in fractions (0–1) of the picture as shown (upright, after `rotate`). */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** satchel-core's imaging::Edit. */
export interface Edit {
  /** Quarter turns clockwise; negative ones anticlockwise. */
  rotate: number;
  crop: CropBox | null;
  circle: boolean;
  /** The pixel aspect ratio the crop was drawn at; Rust snaps the box to it. */
  ratio?: number;
  /** The size it will be sent at, as Rust worked it out (never sent back). */
  size?: [number, number];
}

export interface Processed {
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  originalSize: number;
}

export interface Notice extends ErrorInfo {
  id: number;
}

export interface Totals {
  files: number;
  size: number;
  transferred: number;
  rate: number | null;
  eta: number | null;
}

export interface Snapshot {
  revision: number;
  files: FileRecord[];
  totals: Totals;
  uploading: boolean;
  finished: boolean;
  destination: string;
  notices: Notice[];
}

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

/** A custom source as Rust knows it (satchel-core's SourceEntry). */
export interface SourceEntry {
  id: number;
  file: string;
  name?: string;
  label?: string;
  /** A data: URL Rust made safe; monochrome icons are painted in the text colour. */
  icon?: { url: string; monochrome: boolean };
  /** Why the source's own icon is not shown, when it is not. */
  iconError?: string;
  error?: string;
}

export interface SourceSlot extends SourceEntry {
  frameUrl: string;
  /** Requests the frame may have waiting at once; Rust refuses more. */
  maxInFlight: number;
}

/** The synchronous `actions` properties pushed into a source's frame. */
export interface SourceView {
  fileList: unknown[];
  count: number;
  config: Record<string, unknown>;
}

export type Effect = "showSummary" | "startUpload";

export interface ActionReply {
  value: unknown;
  effect?: Effect;
  view: SourceView;
}

export type SidebarItem = { kind: "builtin"; name: string } | ({ kind: "custom" } & SourceEntry);

/** What the window needs once: its language and the picker's restrictions. */
export interface UiConfig {
  locale: string;
  options: PickerOptions;
  /** `maxFiles` when nobody set it: not shown as a restriction. */
  defaultMaxFiles: number;
}

export interface PickerOptions {
  fromSources: string[];
  maxFiles: number;
  minFiles: number;
  maxSize?: number;
  accept?: string[];
  uploadInBackground: boolean;
  imageMax?: [number | null, number | null];
  imageMin?: [number | null, number | null];
  imageDim?: [number | null, number | null];
  cleanupImageExif: boolean;
  imageQuality: number;
  transformations: Transformations;
}

/** Which editor tools are offered (Filestack's `transformations`). */
export interface Transformations {
  crop: boolean | { aspectRatio?: number; force: boolean };
  circle: boolean | { force: boolean };
  rotate: boolean;
}

/** `metadata(url)` in the seed's shape. */
export interface LinkMetadata {
  filename: string;
  display_name: string;
  link_path: string;
  thumbnail: string;
  modified: string;
  type: string;
  size: number;
}

export interface RawStarted {
  spool: string;
  chunk: number;
}

export type CloseChoice = "background" | "pauseAndClose";
