// A real tus 1.0 server (@tus/server + @tus/file-store) for the destination
// tests. Usage: node tus_server.mjs [--checksum] STORAGE_DIR
// Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.
//
// Faults are injected only when a test asks for them, through
// POST /__fail?method=PATCH&status=503&count=2[&retryAfter=1]: the next
// `count` requests with that method answer `status` without reaching tus.
//
// --checksum adds the tus checksum extension (sha1), which @tus/server
// lacks: each PATCH body is read whole, its Upload-Checksum verified (460
// on a mismatch, as the protocol says), and only then handed to tus.
// GET /__checksums tells how many were verified: {"verified":n,"missing":m}.
import http from 'node:http';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const args = process.argv.slice(2);
const checksums = args.includes('--checksum') ? { verified: 0, missing: 0 } : null;
const directory = args.filter((a) => !a.startsWith('--')).pop();
if (!directory) {
  console.error('usage: node tus_server.mjs [--checksum] STORAGE_DIR');
  process.exit(2);
}

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const faults = [];

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/__checksums') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(checksums));
    return;
  }
  if (url.pathname === '/__fail') {
    faults.push({
      method: url.searchParams.get('method'),
      status: Number(url.searchParams.get('status')),
      count: Number(url.searchParams.get('count') ?? '1'),
      retryAfter: url.searchParams.get('retryAfter'),
    });
    res.writeHead(204).end();
    return;
  }
  const fault = faults.find((f) => f.method === req.method && f.count > 0);
  if (fault) {
    fault.count -= 1;
    const headers = { 'Tus-Resumable': '1.0.0' };
    if (fault.retryAfter) headers['Retry-After'] = fault.retryAfter;
    // Drain the body so the client sees the status, not a reset.
    req.resume();
    req.on('end', () => res.writeHead(fault.status, headers).end(`injected ${fault.status}`));
    return;
  }
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

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
