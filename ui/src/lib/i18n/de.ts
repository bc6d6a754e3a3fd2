// Deutsch. Typed as the English catalogue, so a missing key fails the check.

import type { Messages } from "./en";
import { plural } from "./plural";

const de: Messages = {
  brand: "Satchel",
  sources: "Quellen",
  source: "Quelle",
  chosenFiles: "Ausgewählte Dateien",
  sourceNames: { local_file_system: "Mein Gerät", url: "Link" },

  device: {
    title: "Mein Gerät",
    intro: "Wählen Sie Dateien oder einen ganzen Ordner auf diesem Computer, ziehen Sie sie hierher oder fügen Sie sie ein.",
    chooseFiles: "Dateien auswählen",
    chooseFolder: "Ordner auswählen",
    dropHere: "Dateien hier ablegen, um sie hinzuzufügen",
  },

  link: {
    title: "Link",
    intro: "Fügen Sie die Adresse einer Datei im Web ein. Satchel zeigt, was sie ist, bevor sie hinzugefügt wird.",
    urlLabel: "Dateiadresse (URL)",
    lookUp: "Prüfen",
    lookingUp: "Wird geprüft…",
    add: "Datei hinzufügen",
    adding: "Wird hinzugefügt…",
    name: "Name",
    type: "Typ",
    size: "Größe",
    modified: "Geändert",
    unknownSize: "unbekannt",
    added: (name) => `${name} wurde hinzugefügt.`,
  },

  summary: {
    files: (n) => plural(n, { one: "1 Datei", other: `${n} Dateien` }),
    to: "Ziel:",
    empty: "Noch keine Dateien ausgewählt.",
    remove: (name) => `${name} entfernen`,
    pause: "Pausieren",
    pauseFile: (name) => `${name} pausieren`,
    cancel: "Abbrechen",
    cancelFile: (name) => `${name} abbrechen`,
    retry: "Erneut versuchen",
    retryFile: (name) => `${name} erneut versuchen`,
    progressOf: (name) => `Fortschritt von ${name}`,
    totalProgress: "Gesamtfortschritt",
    transferred: (percent, done, total) => `${percent} % · ${done} von ${total}`,
    pauseAll: "Alle pausieren",
    cancelAll: "Alle abbrechen",
    upload: (n) => (n > 0 ? `${n} hochladen` : "Hochladen"),
    uploading: "Wird hochgeladen…",
    addMore: "← Weitere Dateien hinzufügen",
    needMore: (n) =>
      plural(n, {
        one: "Fügen Sie noch 1 Datei hinzu, um hochzuladen.",
        other: `Fügen Sie noch ${n} Dateien hinzu, um hochzuladen.`,
      }),
    from: (source) => `aus ${source}`,
    edit: "Bearbeiten",
    editFile: (name) => `${name} bearbeiten`,
    dimensions: (width, height) => `${width} × ${height} px`,
  },

  editor: {
    title: (name) => `${name} bearbeiten`,
    loading: "Das Bild wird vorbereitet…",
    picture: "Das Bild",
    cropArea: "Zuschnittbereich",
    cropHelp: "Pfeiltasten verschieben den Zuschnittbereich, mit Umschalt ändern sie seine Größe.",
    handle: (corner) => `Zuschnittecke ${corner}`,
    corners: { nw: "oben links", ne: "oben rechts", sw: "unten links", se: "unten rechts" },
    aspect: "Seitenverhältnis",
    free: "Frei",
    configured: (ratio) => `Vorgegeben (${ratio})`,
    rotateLeft: "Nach links drehen",
    rotateRight: "Nach rechts drehen",
    circle: "Kreismaske (als PNG gesendet)",
    reset: "Zurücksetzen",
    apply: "Übernehmen",
    cancel: "Abbrechen",
    cropSize: (width, height) => `Zuschnitt: ${width} × ${height} px`,
    mustCrop: "Bilder müssen vor dem Hochladen zugeschnitten werden.",
  },

  status: {
    queued: "Wartet",
    uploading: "Wird hochgeladen",
    done: "Fertig",
    failed: "Fehlgeschlagen",
  },

  rate: (rate, eta) => (eta ? `${rate} · noch ${eta}` : rate),
  eta: {
    seconds: (n) => `${n} s`,
    minutes: (n) => `${n} min`,
    hours: (h, m) => `${h} h ${m} min`,
  },

  restrictions: {
    title: "Einschränkungen",
    maxFiles: (n) => plural(n, { one: "Höchstens 1 Datei", other: `Höchstens ${n} Dateien` }),
    minFiles: (n) => plural(n, { one: "Mindestens 1 Datei", other: `Mindestens ${n} Dateien` }),
    maxSize: (size) => `Jede Datei höchstens ${size}`,
    accept: (types) => `Nur ${types}`,
  },

  done: {
    title: "Hochladen abgeschlossen",
    summary: (n) => plural(n, { one: "1 Datei hochgeladen.", other: `${n} Dateien hochgeladen.` }),
    copyLink: "Link kopieren",
    copied: "Kopiert",
    forFile: (action, name) => `${action}: ${name}`,
    openFolder: "Ordner öffnen",
    close: "Fertig",
  },

  close: {
    title: "Dateien werden noch hochgeladen",
    body: "Wenn Sie jetzt schließen, wird das Hochladen angehalten. Was soll Satchel tun?",
    background: "Im Hintergrund weiter hochladen",
    pause: "Pausieren und schließen",
    pauseHint: "Pausierte Dateien werden beim nächsten Start von Satchel fortgesetzt.",
    stay: "Fenster offen lassen",
  },

  notices: {
    dismiss: "Schließen",
  },

  errors: {
    notFound: (a) => `${a.path}: Datei oder Ordner nicht gefunden`,
    notAFile: (a) => `${a.path} ist weder eine normale Datei noch ein Ordner`,
    unreadable: (a) => `${a.path} kann nicht gelesen werden: ${a.cause}`,
    destinationUnwritable: (a) => `In ${a.path} kann nicht geschrieben werden: ${a.cause}`,
    sourceNotAvailable: (a) =>
      `${a.name} gibt es in Satchel nicht (Filestack erreicht es über seine eigenen Server); der Picker öffnet sich ohne`,
    tooLarge: (a) => `Zu groß: ${a.size} überschreitet die Grenze von ${a.limit}`,
    tooManyFiles: (a) =>
      plural(Number(a.max), {
        one: "Zu viele Dateien: höchstens 1 Datei ist möglich",
        other: `Zu viele Dateien: höchstens ${a.max} sind möglich`,
      }),
    tooFewFiles: (a) =>
      plural(Number(a.min), {
        one: "Zum Hochladen ist mindestens 1 Datei nötig",
        other: `Zum Hochladen sind mindestens ${a.min} Dateien nötig`,
      }),
    rejectedSize: (a) => `${a.name} wurde nicht hinzugefügt: ${a.size} überschreitet die Grenze von ${a.limit}`,
    rejectedType: (a) => `${a.name} wurde nicht hinzugefügt: der Typ ${a.type} ist nicht erlaubt (nur ${a.accept})`,
    refused: (a) => `Abruf von ${a.host} (${a.ip}) verweigert: ${a.rule}`,
    badUrl: (a) => `${a.url} ist keine verwendbare Adresse: ${a.reason}`,
    httpStatus: (a) => `${a.url} antwortete mit ${a.status}${a.body ? `: ${a.body}` : ""}`,
    network: (a) => `${a.url} ist nicht erreichbar: ${a.reason}`,
    fetch: (a) => `Abruf von ${a.url} fehlgeschlagen: ${a.reason}`,
    protocol: (a) => `${a.url} hat das Protokoll verletzt: ${a.reason}`,
    cancelled: (a) => `Das Hochladen von ${a.name} wurde abgebrochen`,
    paused: (a) => `Das Hochladen von ${a.name} ist pausiert`,
    notRetryable: (a) => `${a.name} wartet nicht auf einen neuen Versuch`,
    notUploaded: (a) => `${a.name} ist noch nicht hochgeladen`,
    notOnDisk: (a) => `${a.path} ist keine Datei auf diesem Computer`,
    sourceOff: (a) => `Die Quelle ${a.source} ist durch die Richtlinie abgeschaltet`,
    stateUnwritable: (a) => `Die Warteschlange kann nicht in ${a.path} gespeichert werden: ${a.cause}`,
    diskFull: (a) => `Der Datenträger ist voll: kein Platz, um ${a.path} zu schreiben`,
    storageFull: (a) => `Der Speicher von ${a.source} ist voll: eine Quelle darf höchstens ${a.limit} ablegen`,
    spoolFull: (a) => `Der Zwischenspeicher ist voll: ${a.what} darf dort höchstens ${a.limit} ablegen (${a.key})`,
    uploadRunning: () => "Es wird bereits hochgeladen",
    nothingToUpload: () => "Nichts hochzuladen: keine Datei wartet",
    interruptedUpload: (a) =>
      plural(Number(a.count), {
        one: "1 Datei aus einem unterbrochenen Hochladen ist wieder in der Liste: „Hochladen“ setzt sie fort",
        other: `${a.count} Dateien aus einem unterbrochenen Hochladen sind wieder in der Liste: „Hochladen“ setzt sie fort`,
      }),
    interruptedElsewhere: (a) =>
      plural(Number(a.count), {
        one: `Ein unterbrochenes Hochladen von 1 Datei nach ${a.destination} wartet: \`satchel resume\` beendet es`,
        other: `Ein unterbrochenes Hochladen von ${a.count} Dateien nach ${a.destination} wartet: \`satchel resume\` beendet es`,
      }),
    imageSkipped: (a) => `${a.name} wird unverändert gesendet: ${a.reason}`,
    imageFailed: (a) => `Das Bild ${a.name} kann nicht vorbereitet werden: ${a.reason}`,
    notEditable: (a) => `${a.name} kann nicht bearbeitet werden: ${a.reason}`,
    deepLink: (a) =>
      `${a.link} kam an, während die Auswahl offen war: seine Optionen gelten bei der nächsten Auswahl`,
    signedOut: (a) => `${a.source} ist abgemeldet: Melden Sie sich an, um die Quelle zu verwenden`,
    noAuth: (a) => `${a.source} hat keine Anmeldung`,
    authConfig: (a) => `Die Anmeldeeinstellungen sind nicht verwendbar: ${a.reason}`,
    signInFailed: (a) => `Anmeldung fehlgeschlagen: ${a.reason}`,
    signInState: () =>
      "Anmeldung fehlgeschlagen: Der Browser kam mit einer Antwort zurück, die nicht zu dieser Anmeldung gehört (eine gefälschte oder veraltete Weiterleitung). Es wurde niemand angemeldet.",
    signInDenied: (a) => `Der Anbieter hat die Anmeldung abgelehnt: ${a.error}${a.description ? ` (${a.description})` : ""}`,
    signInTimeout: (a) => `Anmeldung abgebrochen: Der Browser kam nicht innerhalb von ${a.seconds} s zurück`,
    signInCancelled: () => "Die Anmeldung wurde abgebrochen",
    keyring: (a) => `Der Schlüsselbund ist nicht verwendbar: ${a.reason}`,
    // Rust's English message stays as the particulars.
    invalidId: (_, detail) => `Ungültige Datei-ID (${detail})`,
    badChunk: (_, detail) => `Ein Teil einer Datei kam fehlerhaft an (${detail})`,
    capabilityOff: (_, detail) => `Für eigene Quellen durch die Richtlinie abgeschaltet (${detail})`,
    dialog: (_, detail) => `Der Dateidialog konnte nicht angezeigt werden (${detail})`,
    open: (_, detail) => `Konnte nicht geöffnet werden (${detail})`,
    clipboard: (_, detail) => `Die Zwischenablage ist nicht nutzbar (${detail})`,
    copyFailed: (_, detail) => `Kopieren fehlgeschlagen (${detail})`,
    badDestination: (_, detail) => `Das Ziel ist nicht nutzbar (${detail})`,
    badHeader: (_, detail) => `Ungültiger Anfrage-Header (${detail})`,
    badRequest: (_, detail) => `Ungültige Anfrage (${detail})`,
    missingField: (_, detail) => `Ein Feld fehlt in der Anfrage (${detail})`,
    unknownSource: (_, detail) => `Unbekannte Quelle (${detail})`,
    badSource: (_, detail) => `Die Quelle ist fehlerhaft (${detail})`,
    notMounted: (_, detail) => `Die Quelle ist nicht geöffnet (${detail})`,
    tooManyRequests: (_, detail) => `Zu viele Anfragen auf einmal (${detail})`,
    config: (_, detail) => `Fehler in den Einstellungen (${detail})`,
    locked: (_, detail) => `Durch die Richtlinie festgelegt (${detail})`,
    notAllowed: (_, detail) => `Durch die Richtlinie nicht erlaubt (${detail})`,
    unknownFile: (_, detail) => `Unbekannte Datei (${detail})`,
    thumbnail: (_, detail) => `Keine Vorschau möglich (${detail})`,
    internal: (_, detail) => `Interner Fehler (${detail})`,
    corruptState: (_, detail) => `Die gespeicherte Warteschlange ist beschädigt (${detail})`,
    spool: (_, detail) => `Der Zwischenspeicher ist nicht nutzbar (${detail})`,
  },

  kinds: {
    image: "Bild",
    video: "Video",
    audio: "Audio",
    text: "Text",
    pdf: "PDF-Dokument",
    archive: "Archiv",
    file: "Datei",
  },

  auth: {
    signIn: (label: string) => `Bei ${label} anmelden`,
    intro: "Für diese Quelle müssen Sie sich anmelden. Satchel öffnet die Anmeldeseite in Ihrem Webbrowser.",
    waiting: "Schließen Sie die Anmeldung in Ihrem Webbrowser ab …",
    cancel: "Abbrechen",
    signOut: "Abmelden",
    signedInAs: (who: string) => `Angemeldet als ${who}`,
    signedIn: "Angemeldet",
    sessionOnly: (reason: string) =>
      `Nur für diese Sitzung angemeldet: Der Schlüsselbund des Systems ist nicht verwendbar (${reason}), beim nächsten Mal melden Sie sich erneut an.`,
    notRemembered: "Nur für diese Sitzung angemeldet: Die Richtlinie speichert keine Anmeldungen (rememberSignIn).",
  },

  sourceBroken: "Diese Quelle konnte nicht verwendet werden",
  sourceMountFailed: "Diese Quelle konnte ihre Ansicht nicht öffnen",
  tryAgain: "Erneut versuchen",
};

export default de;
