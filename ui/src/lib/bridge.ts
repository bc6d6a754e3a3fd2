// The host side of the source-frame protocol (see src-tauri/frame/shim.js).
//
// Rules this file keeps:
// - a message's sender is the frame whose window posted it, looked up here;
//   nothing in the message names its source;
// - the host only routes: every request goes to Rust as text, which decodes,
//   checks and performs it;
// - a frame gets the new `view` before the reply of the action that changed it;
// - whether a frame may act (mounted, under its cap of requests in flight) is
//   Rust's decision: the host tells Rust when it mounts and unmounts a frame,
//   before telling the frame, and Rust refuses what does not fit. The host
//   only counts requests too, to refuse a flood without an IPC call per message.

import * as ipc from "./ipc";
import type { Effect } from "./types";

export interface BridgeEvents {
  /** A source finished loading (or failed to); the sidebar should refresh. */
  changed: () => void;
  effect: (effect: Effect, source: number) => void;
  /** A source's `mounted()` threw: it stays loaded, and may be mounted again. */
  mountFailed: (source: number, message: string) => void;
}

type Incoming =
  | { kind: "loaded"; descriptor: unknown }
  | { kind: "failed"; stage: string; message: unknown }
  | { kind: "call"; id: number; action: unknown; args?: unknown }
  | { kind: "chunk"; id: number; spool: unknown; offset: unknown; data: unknown }
  | { kind: "unmounted" };

export class SourceBridge {
  private frames = new Map<MessageEventSource, number>();
  /** Each frame's cap on requests waiting, as Rust gave it (`SourceSlot.maxInFlight`). */
  private caps = new Map<number, number>();
  private inFlight = new Map<number, number>();
  /** Mounts and unmounts reach Rust, and then the frame, in the order asked. */
  private lifecycle: Promise<void> = Promise.resolve();
  /** Frames told to mount and not yet to unmount. */
  private shown = new Set<number>();
  /** Who waits for a frame's word that its `unmounted` ran. */
  private unmountWaiters = new Map<number, () => void>();
  private listener = (event: MessageEvent) => void this.receive(event);

  constructor(private events: BridgeEvents) {
    window.addEventListener("message", this.listener);
  }

  dispose() {
    window.removeEventListener("message", this.listener);
  }

  attach(id: number, frame: HTMLIFrameElement, maxInFlight: number) {
    if (frame.contentWindow) this.frames.set(frame.contentWindow, id);
    this.caps.set(id, maxInFlight);
  }

  /** Shows a frame's source: Rust lets it act first, then it is told `mount`. */
  mount(id: number) {
    this.shown.add(id);
    this.inOrder(async () => {
      await ipc.sourceMounted(id).catch(() => {});
      this.post(id, { kind: "mount" });
    });
  }

  /** Hides a frame's source: Rust refuses its new requests, then it is told `unmount`. */
  unmount(id: number) {
    this.shown.delete(id);
    this.inOrder(async () => {
      await ipc.sourceUnmounted(id).catch(() => {});
      this.post(id, { kind: "unmount" });
    });
  }

  /**
   * Unmounts every shown source (the window is closing) and waits until
   * each frame says its `unmounted` ran, or `deadline` ms have passed: a
   * source that hangs cannot keep the window open.
   */
  async unmountAll(deadline: number) {
    const ids = [...this.shown];
    const said = ids.map((id) => new Promise<void>((resolve) => this.unmountWaiters.set(id, resolve)));
    for (const id of ids) this.unmount(id);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline)));
    await Promise.race([Promise.all(said), late]);
    clearTimeout(timer);
    for (const id of ids) this.unmountWaiters.delete(id);
  }

  /** Mounts a frame's source afresh (after its `mounted()` threw). */
  remount(id: number) {
    this.unmount(id);
    this.mount(id);
  }

  private inOrder(step: () => Promise<void>) {
    this.lifecycle = this.lifecycle.then(step);
  }

  detach(frame: HTMLIFrameElement) {
    if (frame.contentWindow) this.frames.delete(frame.contentWindow);
  }

  post(id: number, message: Record<string, unknown>) {
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
        // An exception in mounted() is the source's view failing, not the
        // source: it is shown with "Try again", never disabled for good.
        if (message.stage === "mount") {
          this.events.mountFailed(id, String(message.message).slice(0, 2000));
          break;
        }
        await ipc.sourceFailed(id, `${String(message.stage)}: ${String(message.message)}`).catch(() => {});
        this.events.changed();
        break;
      case "call":
      case "chunk":
        await this.request(id, message);
        break;
      case "unmounted":
        // Rust learnt it from the host, which asked for it; only a closing
        // window waits for it.
        this.unmountWaiters.get(id)?.();
        this.unmountWaiters.delete(id);
        break;
    }
  }

  /** Hands a call or chunk to Rust, which decides; a flood past the cap is refused here already. */
  private async request(id: number, message: Extract<Incoming, { kind: "call" | "chunk" }>) {
    const waiting = this.inFlight.get(id) ?? 0;
    const cap = this.caps.get(id) ?? 0;
    if (waiting >= cap) {
      const error = {
        kind: "tooManyRequests",
        message: `too many requests at once (at most ${cap} waiting); wait for replies`,
      };
      this.post(id, { kind: "reply", id: message.id, ok: false, error });
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
