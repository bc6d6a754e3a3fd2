// Thumbnails are made once per file by Rust and kept here for the life of
// the window; a file that has none (or whose picture is broken) gets null.

const made = new Map<string, Promise<string | null>>();

export function thumbnailOf(uuid: string, make: (uuid: string) => Promise<string | null>): Promise<string | null> {
  let thumbnail = made.get(uuid);
  if (!thumbnail) {
    thumbnail = make(uuid).catch(() => null);
    made.set(uuid, thumbnail);
  }
  return thumbnail;
}
