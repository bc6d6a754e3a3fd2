// Mirrors of the Rust types that cross the IPC (satchel-core's Snapshot and
// friends). Keep in step with src-tauri/core/src/{events,record,error}.rs.

export type FileStatus = "queued" | "uploading" | "done" | "failed";

export interface ErrorInfo {
  kind: string;
  message: string;
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
  /** Bytes per second while it uploads. */
  rate: number | null;
  /** Seconds left at that rate. */
  eta: number | null;
  url?: string;
  error?: ErrorInfo;
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
