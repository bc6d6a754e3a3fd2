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
// A request whose part does not finish (a dropped connection) stores nothing.
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

function receive(req, res, answer) {
  let bb;
  try {
    bb = busboy({ headers: req.headers });
  } catch (e) {
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
    if (aborted) return;
    if (stored.length === 0) {
      res.writeHead(400).end('no file part');
      return;
    }
    answer(stored[0]);
  });
  bb.on('error', () => {
    aborted = true;
    res.destroy();
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
  if (req.method === 'POST' && url.pathname === '/upload') {
    receive(req, res, (id) => res.writeHead(201, { Location: `/files/${id}` }).end());
  } else if (req.method === 'POST' && url.pathname === '/upload-json') {
    receive(req, res, (id) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ url: `${base}/files/${id}` })),
    );
  } else if (req.method === 'POST' && url.pathname === '/upload-plain') {
    receive(req, res, () => res.writeHead(200).end('ok'));
  } else {
    req.resume();
    res.writeHead(404).end('not found');
  }
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
