// Files dropped or pasted into the window. Those the file manager hands
// over arrive as paths through Tauri's drag-and-drop event; these are the
// ones that exist only in the page (a picture copied from another program,
// or a drop event built in a test): their bytes go to Rust in chunks, one
// in flight, so memory stays flat whatever the size.

import * as ipc from "./ipc";
import type { Snapshot } from "./types";

export async function addBlob(file: File): Promise<Snapshot> {
  const started = await ipc.addBlobBegin(file.name, file.type, file.size);
  try {
    for (let offset = 0; offset < file.size; offset += started.chunk) {
      const bytes = await file.slice(offset, offset + started.chunk).arrayBuffer();
      await ipc.addBlobChunk(started.spool, offset, bytes);
    }
    return await ipc.addBlobFinish(started.spool);
  } catch (error) {
    await ipc.addBlobAbort(started.spool).catch(() => {});
    throw error;
  }
}

/** `file:///home/a%20b.txt` lines of a text/uri-list → local paths. */
export function pathsFromUriList(list: string): string[] {
  return list
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith("file://"))
    .flatMap((line) => {
      try {
        const url = new URL(line);
        return url.hostname === "" || url.hostname === "localhost" ? [decodeURIComponent(url.pathname)] : [];
      } catch {
        return [];
      }
    });
}

/** Text that is one http(s) address, as pasted from a browser's address bar. */
export function asWebUrl(text: string): string | null {
  const trimmed = text.trim();
  if (!/^https?:\/\/\S+$/i.test(trimmed)) return null;
  try {
    return new URL(trimmed).href;
  } catch {
    return null;
  }
}
