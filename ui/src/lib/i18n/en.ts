// English, the catalogue every other language is checked against: a
// language file must have every key, with the same arguments.

import { plural } from "./plural";

/** The particulars of an error, by name (see satchel-core's `Error::args`). */
export type ErrorArgs = Record<string, string | undefined>;

const en = {
  brand: "Satchel",
  sources: "Sources",
  source: "Source",
  chosenFiles: "Chosen files",
  sourceNames: { local_file_system: "My device", url: "Link" } as Record<string, string>,

  device: {
    title: "My device",
    intro: "Choose files or a whole folder from this computer, drop them here, or paste them.",
    chooseFiles: "Choose files",
    chooseFolder: "Choose folder",
    dropHere: "Drop files to add them",
  },

  link: {
    title: "Link",
    intro: "Paste the address of a file on the web. Satchel shows what it is before adding it.",
    urlLabel: "File address (URL)",
    lookUp: "Look up",
    lookingUp: "Looking up…",
    add: "Add file",
    adding: "Adding…",
    name: "Name",
    type: "Type",
    size: "Size",
    modified: "Modified",
    unknownSize: "unknown",
    added: (name: string) => `${name} was added.`,
  },

  summary: {
    files: (n: number) => plural(n, { one: "1 file", other: `${n} files` }),
    to: "To",
    empty: "No files chosen yet.",
    remove: (name: string) => `Remove ${name}`,
    pause: "Pause",
    pauseFile: (name: string) => `Pause ${name}`,
    cancel: "Cancel",
    cancelFile: (name: string) => `Cancel ${name}`,
    retry: "Retry",
    retryFile: (name: string) => `Retry ${name}`,
    progressOf: (name: string) => `${name} progress`,
    totalProgress: "Total progress",
    transferred: (percent: number, done: string, total: string) => `${percent}% · ${done} of ${total}`,
    pauseAll: "Pause all",
    cancelAll: "Cancel all",
    upload: (n: number) => (n > 0 ? `Upload ${n}` : "Upload"),
    uploading: "Uploading…",
    addMore: "← Add more files",
    needMore: (n: number) => plural(n, { one: "Add 1 more file to upload.", other: `Add ${n} more files to upload.` }),
    from: (source: string) => `from ${source}`,
    edit: "Edit",
    editFile: (name: string) => `Edit ${name}`,
    /** A picture's size in pixels after its edit, for the summary. */
    dimensions: (width: number, height: number) => `${width} × ${height} px`,
  },

  editor: {
    title: (name: string) => `Edit ${name}`,
    loading: "Preparing the picture…",
    picture: "The picture",
    cropArea: "Crop area",
    cropHelp: "Arrow keys move the crop area; with Shift they change its size.",
    handle: (corner: string) => `Crop corner, ${corner}`,
    corners: { nw: "top left", ne: "top right", sw: "bottom left", se: "bottom right" } as Record<string, string>,
    aspect: "Aspect ratio",
    free: "Free",
    configured: (ratio: string) => `Configured (${ratio})`,
    rotateLeft: "Rotate left",
    rotateRight: "Rotate right",
    circle: "Circle mask (sent as PNG)",
    reset: "Reset",
    apply: "Apply",
    cancel: "Cancel",
    cropSize: (width: number, height: number) => `Crop: ${width} × ${height} px`,
    mustCrop: "Pictures must be cropped before they are uploaded.",
  },

  status: {
    queued: "Waiting",
    uploading: "Uploading",
    done: "Done",
    failed: "Failed",
  },

  rate: (rate: string, eta: string) => (eta ? `${rate} · ${eta} left` : rate),
  eta: {
    seconds: (n: number) => `${n} s`,
    minutes: (n: number) => `${n} min`,
    hours: (h: number, m: number) => `${h} h ${m} min`,
  },

  restrictions: {
    title: "Restrictions",
    maxFiles: (n: number) => plural(n, { one: "Up to 1 file", other: `Up to ${n} files` }),
    minFiles: (n: number) => plural(n, { one: "At least 1 file", other: `At least ${n} files` }),
    maxSize: (size: string) => `Each file up to ${size}`,
    accept: (types: string) => `Only ${types}`,
  },

  done: {
    title: "Upload complete",
    summary: (n: number) => plural(n, { one: "1 file uploaded.", other: `${n} files uploaded.` }),
    copyLink: "Copy link",
    copied: "Copied",
    /** A button's name with the file it acts on, for screen readers. */
    forFile: (action: string, name: string) => `${action}: ${name}`,
    openFolder: "Open folder",
    close: "Done",
  },

  close: {
    title: "Files are still uploading",
    body: "Closing now would stop the upload. What should Satchel do?",
    background: "Keep uploading in the background",
    pause: "Pause and close",
    pauseHint: "Paused files resume the next time Satchel opens.",
    stay: "Keep the window open",
  },

  notices: {
    dismiss: "Dismiss",
  },

  /** Errors said from their particulars (sizes already in human units). */
  errors: {
    notFound: (a: ErrorArgs) => `${a.path}: no such file or folder`,
    notAFile: (a: ErrorArgs) => `${a.path} is not a regular file or folder`,
    unreadable: (a: ErrorArgs) => `Cannot read ${a.path}: ${a.cause}`,
    destinationUnwritable: (a: ErrorArgs) => `Cannot write to the destination ${a.path}: ${a.cause}`,
    sourceNotAvailable: (a: ErrorArgs) =>
      `${a.name} is not available in Satchel (Filestack reaches it through its own servers); the picker opens without it`,
    tooLarge: (a: ErrorArgs) => `Too large: ${a.size} is over the limit of ${a.limit}`,
    tooManyFiles: (a: ErrorArgs) =>
      plural(Number(a.max), {
        one: "Too many files: the picker takes at most 1",
        other: `Too many files: the picker takes at most ${a.max}`,
      }),
    tooFewFiles: (a: ErrorArgs) =>
      plural(Number(a.min), {
        one: "At least 1 file is needed to upload",
        other: `At least ${a.min} files are needed to upload`,
      }),
    rejectedSize: (a: ErrorArgs) => `${a.name} was not added: it is ${a.size}, over the maxSize of ${a.limit}`,
    rejectedType: (a: ErrorArgs) => `${a.name} was not added: its type ${a.type} is not accepted (accept: ${a.accept})`,
    refused: (a: ErrorArgs) => `Refused to fetch from ${a.host} (${a.ip}): ${a.rule}`,
    badUrl: (a: ErrorArgs) => `${a.url} is not a usable address: ${a.reason}`,
    httpStatus: (a: ErrorArgs) => `${a.url} answered ${a.status}${a.body ? `: ${a.body}` : ""}`,
    network: (a: ErrorArgs) => `Cannot reach ${a.url}: ${a.reason}`,
    fetch: (a: ErrorArgs) => `Fetching ${a.url} failed: ${a.reason}`,
    protocol: (a: ErrorArgs) => `${a.url} broke the protocol: ${a.reason}`,
    cancelled: (a: ErrorArgs) => `The upload of ${a.name} was cancelled`,
    paused: (a: ErrorArgs) => `The upload of ${a.name} is paused`,
    notRetryable: (a: ErrorArgs) => `${a.name} is not waiting for a retry`,
    notUploaded: (a: ErrorArgs) => `${a.name} is not uploaded yet`,
    notOnDisk: (a: ErrorArgs) => `${a.path} is not a file on this computer`,
    sourceOff: (a: ErrorArgs) => `The ${a.source} source is turned off by the policy`,
    stateUnwritable: (a: ErrorArgs) => `Cannot save the upload queue to ${a.path}: ${a.cause}`,
    diskFull: (a: ErrorArgs) => `The disk is full: no space left to write ${a.path}`,
    storageFull: (a: ErrorArgs) => `${a.source}'s storage is full: a source may keep at most ${a.limit}`,
    spoolFull: (a: ErrorArgs) => `The spool is full: ${a.what} may keep at most ${a.limit} there (${a.key})`,
    uploadRunning: () => "An upload is already running",
    nothingToUpload: () => "Nothing to upload: no files are waiting",
    interruptedUpload: (a: ErrorArgs) =>
      plural(Number(a.count), {
        one: "1 file from an interrupted upload is back in the queue: Upload resumes it",
        other: `${a.count} files from an interrupted upload are back in the queue: Upload resumes them`,
      }),
    interruptedElsewhere: (a: ErrorArgs) =>
      plural(Number(a.count), {
        one: `An interrupted upload of 1 file to ${a.destination} is waiting: run \`satchel resume\` to finish it`,
        other: `An interrupted upload of ${a.count} files to ${a.destination} is waiting: run \`satchel resume\` to finish it`,
      }),
    imageSkipped: (a: ErrorArgs) => `${a.name} is sent unchanged: ${a.reason}`,
    imageFailed: (a: ErrorArgs) => `Cannot prepare the picture ${a.name}: ${a.reason}`,
    notEditable: (a: ErrorArgs) => `${a.name} cannot be edited: ${a.reason}`,
    deepLink: (a: ErrorArgs) => `${a.link} arrived while the picker was open: its options take effect in the next picker`,
    signedOut: (a: ErrorArgs) => `${a.source} is signed out: sign in to use it`,
    noAuth: (a: ErrorArgs) => `${a.source} has no sign-in`,
    authConfig: (a: ErrorArgs) => `The sign-in settings cannot be used: ${a.reason}`,
    signInFailed: (a: ErrorArgs) => `Sign-in failed: ${a.reason}`,
    signInState: () =>
      "Sign-in failed: the browser came back with an answer that was not for this sign-in (a forged or stale redirect). Nothing was signed in.",
    signInDenied: (a: ErrorArgs) => `The provider refused the sign-in: ${a.error}${a.description ? ` (${a.description})` : ""}`,
    signInTimeout: (a: ErrorArgs) => `Sign-in stopped: the browser did not come back within ${a.seconds} s`,
    signInCancelled: () => "Sign-in was cancelled",
    keyring: (a: ErrorArgs) => `The keyring cannot be used: ${a.reason}`,
    // Said as Rust wrote them: `detail` is its English message.
    invalidId: (_: ErrorArgs, detail: string) => detail,
    badChunk: (_: ErrorArgs, detail: string) => detail,
    capabilityOff: (_: ErrorArgs, detail: string) => detail,
    dialog: (_: ErrorArgs, detail: string) => detail,
    open: (_: ErrorArgs, detail: string) => detail,
    clipboard: (_: ErrorArgs, detail: string) => detail,
    copyFailed: (_: ErrorArgs, detail: string) => detail,
    badDestination: (_: ErrorArgs, detail: string) => detail,
    badHeader: (_: ErrorArgs, detail: string) => detail,
    badRequest: (_: ErrorArgs, detail: string) => detail,
    missingField: (_: ErrorArgs, detail: string) => detail,
    unknownSource: (_: ErrorArgs, detail: string) => detail,
    badSource: (_: ErrorArgs, detail: string) => detail,
    notMounted: (_: ErrorArgs, detail: string) => detail,
    tooManyRequests: (_: ErrorArgs, detail: string) => detail,
    config: (_: ErrorArgs, detail: string) => detail,
    locked: (_: ErrorArgs, detail: string) => detail,
    notAllowed: (_: ErrorArgs, detail: string) => detail,
    unknownFile: (_: ErrorArgs, detail: string) => detail,
    thumbnail: (_: ErrorArgs, detail: string) => detail,
    internal: (_: ErrorArgs, detail: string) => detail,
    corruptState: (_: ErrorArgs, detail: string) => detail,
    spool: (_: ErrorArgs, detail: string) => detail,
  },

  /** What a type icon stands for. */
  kinds: {
    image: "Picture",
    video: "Video",
    audio: "Audio",
    text: "Text",
    pdf: "PDF document",
    archive: "Archive",
    file: "File",
  },

  auth: {
    signIn: (label: string) => `Sign in to ${label}`,
    intro: "This source needs you to sign in. Satchel opens the sign-in page in your web browser.",
    waiting: "Finish signing in in your web browser…",
    cancel: "Cancel",
    signOut: "Sign out",
    signedInAs: (who: string) => `Signed in as ${who}`,
    signedIn: "Signed in",
    sessionOnly: (reason: string) =>
      `Signed in for this session only: the system keyring cannot be used (${reason}), so you will sign in again next time.`,
    notRemembered: "Signed in for this session only: the policy does not keep sign-ins (rememberSignIn).",
  },

  sourceBroken: "This source could not be used",
  sourceMountFailed: "This source could not open its view",
  tryAgain: "Try again",
};

export type Messages = typeof en;
export default en;
