// A real multipart/form-data upload server (busboy) for the destination
// tests. Usage: node post_server.mjs STORAGE_DIR
// Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.
//
// POST /upload        stores each file part as STORAGE/<id> with
//                     STORAGE/<id>.json ({field, filename, mimeType, headers})
//                     and answers 201 with Location: /files/<id>
// POST /upload-json   the same, answering {"url": "http://…/files/<id>"}
// POST /upload-plain  the same, answering 200 with no location at all
// POST /__fail?method=POST&status=503&count=2[&retryAfter=1]  injects faults (faults.mjs)
// POST /__lose?count=1  the next `count` uploads are stored, but their answer is
//                     lost (the connection is dropped instead), as on a flaky network
// A request whose part does not finish (a dropped connection) stores nothing.
//
// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): an upload
// whose key was seen before is not stored again; the first answer is sent
// again. One whose key is still being processed is answered 409.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { faultInjector } from './faults.mjs';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: node post_server.mjs STORAGE_DIR');
  process.exit(2);
}
fs.mkdirSync(directory, { recursive: true });
const faults = faultInjector();
/** Idempotency-Key → the answer given: {status, headers, body}. */
const answered = new Map();
const inProgress = new Set();
let answersToLose = 0;

function replay(res, answer) {
  res.writeHead(answer.status, answer.headers).end(answer.body);
}

/** Stores the upload once per Idempotency-Key and answers with `make(id)`. */
function upload(req, res, make) {
  const key = req.headers['idempotency-key'];
  if (key && answered.has(key)) {
    req.resume();
    req.on('end', () => replay(res, answered.get(key)));
    return;
  }
  if (key && inProgress.has(key)) {
    req.resume();
    req.on('end', () => res.writeHead(409).end('a request with this Idempotency-Key is in progress'));
    return;
  }
  // The key stays taken until the upload is stored (and its answer kept) or
  // came to nothing: not merely until the connection closes, since a file
  // may still be being written after the client went away.
  if (key) inProgress.add(key);
  const release = () => key && inProgress.delete(key);
  receive(req, res, release, (id) => {
    const answer = make(id);
    if (key) answered.set(key, answer);
    release();
    if (answersToLose > 0) {
      answersToLose -= 1;
      res.destroy();
      return;
    }
    replay(res, answer);
  });
}

/** Stores the file part; calls `answer(id)` once it is stored, or `release()` when nothing was. */
function receive(req, res, release, answer) {
  let bb;
  try {
    bb = busboy({ headers: req.headers });
  } catch (e) {
    release();
    req.resume();
    res.writeHead(400).end(`not multipart: ${e.message}`);
    return;
  }
  let aborted = false;
  const stored = [];
  const writing = [];
  bb.on('file', (field, stream, info) => {
    const id = crypto.randomUUID();
    const partial = path.join(directory, `.${id}.part`);
    // Never rejects: a truncated part (dropped request) is removed instead.
    const done = pipeline(stream, fs.createWriteStream(partial)).then(
      () => {
        if (aborted) {
          fs.rmSync(partial, { force: true });
          return;
        }
        fs.renameSync(partial, path.join(directory, id));
        const meta = { field, filename: info.filename, mimeType: info.mimeType, headers: req.headers };
        fs.writeFileSync(path.join(directory, `${id}.json`), JSON.stringify(meta));
        stored.push(id);
      },
      () => fs.rmSync(partial, { force: true }),
    );
    writing.push(done);
  });
  bb.on('close', async () => {
    await Promise.all(writing);
    if (aborted) return release();
    if (stored.length === 0) {
      release();
      res.writeHead(400).end('no file part');
      return;
    }
    answer(stored[0]);
  });
  bb.on('error', async () => {
    aborted = true;
    res.destroy();
    // Parts being written see `aborted` and remove themselves.
    await Promise.all(writing);
    release();
  });
  // A dropped request leaves nothing behind, not even its partial file:
  // destroying the parser errors the open part, whose file is then removed.
  req.on('close', () => {
    if (req.complete) return;
    aborted = true;
    bb.destroy(new Error('request dropped'));
  });
  req.pipe(bb);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (faults.handle(req, res, url)) return;
  const base = `http://${req.headers.host}`;
  if (req.method === 'POST' && url.pathname === '/__lose') {
    answersToLose = Number(url.searchParams.get('count') ?? '1');
    res.writeHead(204).end();
  } else if (req.method === 'POST' && url.pathname === '/upload') {
    upload(req, res, (id) => ({ status: 201, headers: { Location: `/files/${id}` }, body: '' }));
  } else if (req.method === 'POST' && url.pathname === '/upload-json') {
    upload(req, res, (id) => ({
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${base}/files/${id}` }),
    }));
  } else if (req.method === 'POST' && url.pathname === '/upload-plain') {
    upload(req, res, () => ({ status: 200, headers: {}, body: 'ok' }));
  } else {
    req.resume();
    res.writeHead(404).end('not found');
  }
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
