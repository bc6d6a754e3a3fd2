// A real tus 1.0 server (@tus/server + @tus/file-store) for the destination
// tests. Usage: node tus_server.mjs [--checksum] STORAGE_DIR
// Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.
//
// Faults are injected only when a test asks for them (see faults.mjs).
//
// --checksum adds the tus checksum extension (sha1), which @tus/server
// lacks: each PATCH body is read whole, its Upload-Checksum verified (460
// on a mismatch, as the protocol says), and only then handed to tus.
// GET /__checksums tells how many were verified: {"verified":n,"missing":m}.
//
// --stats=FILE keeps, in FILE (so it outlives a restart), the offset the
// server has confirmed for each upload (the Upload-Offset of its successful
// answers) and `resent`: body bytes of PATCH requests below an offset it had
// already confirmed — bytes a client sent twice. It also keeps `patches`
// (PATCH requests seen) and `received`: for each upload, the PATCH body bytes
// that reached tus (injected faults left out) — more than the upload's size
// means bytes were sent again. The file is written once at start, so a test
// can tell "nothing counted" from "no stats at all".
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { faultInjector } from './faults.mjs';

const args = process.argv.slice(2);
const checksums = args.includes('--checksum') ? { verified: 0, missing: 0 } : null;
const directory = args.filter((a) => !a.startsWith('--')).pop();
const statsFile = args.find((a) => a.startsWith('--stats='))?.slice('--stats='.length);
const stats = statsFile && fs.existsSync(statsFile)
  ? JSON.parse(fs.readFileSync(statsFile, 'utf8'))
  : { confirmed: {}, resent: 0, patches: 0, received: {} };

// Counts the body bytes of a PATCH as the HTTP parser hands them over
// (IncomingMessage#push), which leaves how tus reads the body untouched.
function countBody(req) {
  const id = new URL(req.url, 'http://localhost').pathname.split('/').filter(Boolean).pop();
  const push = req.push.bind(req);
  req.push = (chunk, ...rest) => {
    if (chunk) {
      stats.received[id] = (stats.received[id] ?? 0) + chunk.length;
      saveStats();
    }
    return push(chunk, ...rest);
  };
}

function saveStats() {
  fs.writeFileSync(`${statsFile}.tmp`, JSON.stringify(stats));
  fs.renameSync(`${statsFile}.tmp`, statsFile);
}

// Counts what a PATCH re-sends, and records what each answer confirms.
function track(req, res) {
  const idOf = (path) => path.split('/').filter(Boolean).pop();
  if (req.method === 'PATCH') {
    const id = idOf(new URL(req.url, 'http://localhost').pathname);
    const offset = Number(req.headers['upload-offset']);
    const length = Number(req.headers['content-length'] ?? 0);
    const confirmed = stats.confirmed[id] ?? 0;
    stats.patches += 1;
    stats.resent += Math.max(0, Math.min(confirmed, offset + length) - offset);
    saveStats();
  }
  const writeHead = res.writeHead.bind(res);
  res.writeHead = (status, ...rest) => {
    const given = rest.find((r) => r && typeof r === 'object') ?? {};
    const header = (name) =>
      Object.entries(given).find(([k]) => k.toLowerCase() === name)?.[1] ?? res.getHeader(name);
    const offset = header('upload-offset');
    if (status < 300 && offset !== undefined) {
      const id = idOf(req.method === 'POST' ? String(header('location')) : new URL(req.url, 'http://localhost').pathname);
      stats.confirmed[id] = Math.max(stats.confirmed[id] ?? 0, Number(offset));
      saveStats();
    }
    return writeHead(status, ...rest);
  };
}
if (!directory) {
  console.error('usage: node tus_server.mjs [--checksum] STORAGE_DIR');
  process.exit(2);
}

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const faults = faultInjector({ 'Tus-Resumable': '1.0.0' });

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (statsFile) track(req, res);
  if (url.pathname === '/__checksums') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(checksums));
    return;
  }
  if (faults.handle(req, res, url)) return;
  if (statsFile && req.method === 'PATCH') countBody(req);
  // Mounted under /files only, as a real deployment would be.
  if (!url.pathname.startsWith('/files')) {
    req.resume();
    req.on('end', () => res.writeHead(404).end('not found'));
    return;
  }
  if (checksums) {
    withChecksums(req, res);
    return;
  }
  tus.handle(req, res);
});

function withChecksums(req, res) {
  if (req.method === 'OPTIONS') {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) =>
      setHeader(name, name.toLowerCase() === 'tus-extension' ? `${value},checksum` : value);
    res.setHeader('Tus-Checksum-Algorithm', 'sha1');
    tus.handle(req, res);
    return;
  }
  if (req.method !== 'PATCH') {
    tus.handle(req, res);
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const header = req.headers['upload-checksum'];
    if (!header) {
      checksums.missing += 1;
    } else {
      const [algorithm, expected] = header.split(' ');
      const actual = crypto.createHash('sha1').update(body).digest('base64');
      if (algorithm !== 'sha1' || actual !== expected) {
        res.writeHead(460, { 'Tus-Resumable': '1.0.0' }).end('Checksum Mismatch');
        return;
      }
      checksums.verified += 1;
    }
    // The verified body goes to tus as if it were the request itself.
    const replay = new PassThrough();
    replay.method = req.method;
    replay.url = req.url;
    const headers = { ...req.headers };
    delete headers['upload-checksum'];
    replay.headers = headers;
    replay.socket = req.socket;
    tus.handle(replay, res);
    replay.end(body);
  });
}

if (statsFile) saveStats();

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
