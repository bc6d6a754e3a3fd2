// The host side of the source-frame protocol (see src-tauri/frame/shim.js).
//
// Rules this file keeps:
// - a message's sender is the frame whose window posted it, looked up here;
//   nothing in the message names its source;
// - the host only routes: every request goes to Rust as text, which decodes,
//   checks and performs it;
// - a frame gets the new `view` before the reply of the action that changed it;
// - a frame acts only while mounted, with a bounded number of requests
//   waiting at once: the rest are refused at once, so a flood costs the host
//   little and queues nothing.

import * as ipc from "./ipc";
import type { Effect } from "./types";

export interface BridgeEvents {
  /** A source finished loading (or failed to); the sidebar should refresh. */
  changed: () => void;
  effect: (effect: Effect, source: number) => void;
}

type Incoming =
  | { kind: "loaded"; descriptor: unknown }
  | { kind: "failed"; stage: string; message: unknown }
  | { kind: "call"; id: number; action: unknown; args?: unknown }
  | { kind: "chunk"; id: number; spool: unknown; offset: unknown; data: unknown }
  | { kind: "unmounted" };

/** Requests (calls and chunks) one frame may have waiting at once. */
export const MAX_IN_FLIGHT = 32;

export class SourceBridge {
  private frames = new Map<MessageEventSource, number>();
  private mounted = new Set<number>();
  private inFlight = new Map<number, number>();
  private listener = (event: MessageEvent) => void this.receive(event);

  constructor(private events: BridgeEvents) {
    window.addEventListener("message", this.listener);
  }

  dispose() {
    window.removeEventListener("message", this.listener);
  }

  attach(id: number, frame: HTMLIFrameElement) {
    if (frame.contentWindow) this.frames.set(frame.contentWindow, id);
  }

  detach(frame: HTMLIFrameElement) {
    if (frame.contentWindow) this.frames.delete(frame.contentWindow);
  }

  post(id: number, message: Record<string, unknown>) {
    if (message.kind === "mount") this.mounted.add(id);
    if (message.kind === "unmount") this.mounted.delete(id);
    for (const [window, frameId] of this.frames) {
      // Sandboxed frames have an opaque origin: "*" is the only target there
      // is, and the window itself is what keeps the message to that frame.
      if (frameId === id) (window as Window).postMessage({ satchel: 1, ...message }, "*");
    }
  }

  /** Pushes every frame its current `fileList`, `count` and `config`. */
  async refreshViews(ids: number[]) {
    for (const id of ids) {
      try {
        this.post(id, { kind: "view", view: await ipc.sourceView(id) });
      } catch {
        // Not loaded (or broken): it has no view to show.
      }
    }
  }

  private async receive(event: MessageEvent) {
    const id = event.source ? this.frames.get(event.source) : undefined;
    if (id === undefined) return; // not one of our frames
    const message = event.data as Incoming | null;
    if (!message || typeof message !== "object" || (message as { satchel?: unknown }).satchel !== 1) return;
    switch (message.kind) {
      case "loaded":
        await ipc.sourceLoaded(id, JSON.stringify(message.descriptor ?? null)).catch(() => {});
        this.events.changed();
        await this.refreshViews([id]);
        break;
      case "failed":
        await ipc.sourceFailed(id, `${String(message.stage)}: ${String(message.message)}`).catch(() => {});
        this.events.changed();
        break;
      case "call":
      case "chunk":
        await this.request(id, message);
        break;
      case "unmounted":
        this.mounted.delete(id);
        break;
    }
  }

  /** Performs a call or chunk, unless the frame may not send it now. */
  private async request(id: number, message: Extract<Incoming, { kind: "call" | "chunk" }>) {
    const waiting = this.inFlight.get(id) ?? 0;
    const refusal = !this.mounted.has(id)
      ? { kind: "notMounted", message: "the source is not open: actions work only between mounted() and unmounted()" }
      : waiting >= MAX_IN_FLIGHT
        ? { kind: "tooManyRequests", message: `too many requests at once (at most ${MAX_IN_FLIGHT} waiting); wait for replies` }
        : null;
    if (refusal) {
      this.post(id, { kind: "reply", id: message.id, ok: false, error: refusal });
      return;
    }
    this.inFlight.set(id, waiting + 1);
    try {
      if (message.kind === "call") await this.call(id, message.id, message.action, message.args);
      else await this.chunk(id, message);
    } finally {
      this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1);
    }
  }

  private async call(id: number, callId: number, action: unknown, args: unknown) {
    try {
      const request = JSON.stringify(args === undefined ? { action } : { action, args });
      const reply = await ipc.sourceAction(id, request);
      this.post(id, { kind: "view", view: reply.view });
      this.post(id, { kind: "reply", id: callId, ok: true, value: reply.value ?? null });
      if (reply.effect) this.events.effect(reply.effect, id);
    } catch (error) {
      this.post(id, { kind: "reply", id: callId, ok: false, error: ipc.asErrorInfo(error) });
    }
  }

  private async chunk(id: number, message: Extract<Incoming, { kind: "chunk" }>) {
    try {
      if (!(message.data instanceof ArrayBuffer)) throw new Error("a chunk must carry an ArrayBuffer");
      await ipc.sourceChunk(id, String(message.spool), Number(message.offset), message.data);
      this.post(id, { kind: "reply", id: message.id, ok: true, value: null });
    } catch (error) {
      this.post(id, { kind: "reply", id: message.id, ok: false, error: ipc.asErrorInfo(error) });
    }
  }
}
