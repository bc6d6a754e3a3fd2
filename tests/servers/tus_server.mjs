// A real tus 1.0 server (@tus/server + @tus/file-store) for the destination
// tests. Usage: node tus_server.mjs STORAGE_DIR
// Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.
//
// Faults are injected only when a test asks for them, through
// POST /__fail?method=PATCH&status=503&count=2[&retryAfter=1]: the next
// `count` requests with that method answer `status` without reaching tus.
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: node tus_server.mjs STORAGE_DIR');
  process.exit(2);
}

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const faults = [];

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
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
  tus.handle(req, res);
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
