import type { SidebarItem } from "./types";

/** The key a sidebar row selects: a built-in source's name or `custom:<id>`. */
export function sidebarKey(item: SidebarItem): string {
  return item.kind === "builtin" ? item.name : `custom:${item.id}`;
}
