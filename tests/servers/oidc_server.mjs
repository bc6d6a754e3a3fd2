// A real OpenID provider (oidc-provider) and a file API it protects, for the
// sign-in tests. Usage: node oidc_server.mjs [--access-ttl=SECONDS] FILES_DIR
// An access token lives --access-ttl seconds (else $ACCESS_TTL, else 60).
//
// Both listen on 127.0.0.1 on free ports, on two origins (the provider and
// the API are different servers, as in real life). Once ready it prints
//   oidc {"issuer":"http://127.0.0.1:P1","api":"http://127.0.0.1:P2","clientId":"satchel-test"}
//   listening P1
// and GET /__api on the provider's port answers the API's origin.
//
// The provider: one native client, `satchel-test` (no secret:
// token_endpoint_auth_method "none"; PKCE is required; its redirect is the
// loopback `http://127.0.0.1/callback`, any port, RFC 8252 7.3), the dev
// login and consent pages (any login, any password), `offline_access` (a
// refresh token, with prompt=consent), and access tokens as JWTs for the
// API (resource indicators), signed with the provider's keys.
//
// The API (CORS open, so a sandboxed frame may call it):
//   GET /files            the files in FILES_DIR: [{name, type, size, url}]
//   GET /files/NAME       its bytes
//   every request needs `Authorization: Bearer <JWT>` that jose verifies
//   against the provider's JWKS (issuer, audience, expiry); else 401.
//   GET /__seen           what happened: {accepted, refused, tokens: [every
//                         access token accepted], grants: {authorization_code, refresh_token}}
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import Provider from 'oidc-provider';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const args = process.argv.slice(2);
const directory = args.find((a) => !a.startsWith('--'));
if (!directory) {
  console.error('usage: node oidc_server.mjs [--access-ttl=SECONDS] FILES_DIR');
  process.exit(2);
}
const ttlArg = args.find((a) => a.startsWith('--access-ttl='));
const accessTtl = Number(ttlArg ? ttlArg.split('=')[1] : process.env.ACCESS_TTL || 60);
const CLIENT_ID = 'satchel-test';

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const idServer = http.createServer();
const apiServer = http.createServer();
const issuer = `http://127.0.0.1:${await listen(idServer)}`;
const api = `http://127.0.0.1:${await listen(apiServer)}`;

const seen = { accepted: 0, refused: 0, tokens: [], grants: { authorization_code: 0, refresh_token: 0 } };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  scopes: ['openid', 'offline_access', 'email', 'profile', 'files'],
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
  // The scope's claims go into the ID token too (as most providers do), so
  // the person's name is known without a userinfo call.
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: 'Test Person', email: `${id}@example.test` }),
  }),
  features: {
    devInteractions: { enabled: true },
    // POST /token/revocation: a test revokes a refresh token with it.
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => api,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== api) throw new Error(`unknown resource ${resource}`);
        return { scope: 'files', audience: api, accessTokenTTL: accessTtl, accessTokenFormat: 'jwt' };
      },
    },
  },
  ttl: { AccessToken: accessTtl, RefreshToken: 3600 },
  // A refresh token whenever offline_access was granted.
  issueRefreshToken: async (ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  pkce: { required: () => true },
});
provider.proxy = false;
provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params.grant_type;
  if (type in seen.grants) seen.grants[type]++;
});
provider.on('server_error', (ctx, error) => console.error('provider error', error));
const providing = provider.callback();
// GET /__api on the provider's port names the API (for tests that only see that port).
idServer.on('request', (req, res) => (req.url === '/__api' ? res.end(api) : providing(req, res)));

const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));

const cors = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization',
  'Access-Control-Allow-Methods': 'GET',
};

async function authorized(req) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) return false;
  try {
    await jwtVerify(token, keys, { issuer, audience: api });
    if (!seen.tokens.includes(token)) seen.tokens.push(token);
    return true;
  } catch {
    return false;
  }
}

function typeOf(name) {
  const ext = path.extname(name).toLowerCase();
  return { '.png': 'image/png', '.txt': 'text/plain', '.pdf': 'application/pdf' }[ext] || 'application/octet-stream';
}

apiServer.on('request', async (req, res) => {
  const url = new URL(req.url, api);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, cors).end();
    return;
  }
  if (url.pathname === '/__seen') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(seen));
    return;
  }
  if (!(await authorized(req))) {
    seen.refused++;
    res.writeHead(401, { ...cors, 'WWW-Authenticate': 'Bearer', 'Content-Type': 'text/plain' }).end('sign in first\n');
    return;
  }
  seen.accepted++;
  if (url.pathname === '/files') {
    const files = fs.readdirSync(directory).map((name) => ({
      name,
      type: typeOf(name),
      size: fs.statSync(path.join(directory, name)).size,
      url: `${api}/files/${encodeURIComponent(name)}`,
    }));
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify(files));
    return;
  }
  const name = url.pathname.startsWith('/files/') ? decodeURIComponent(url.pathname.slice(7)) : '';
  const file = path.join(directory, path.basename(name));
  if (name && fs.existsSync(file)) {
    const bytes = fs.readFileSync(file);
    res.writeHead(200, {
      ...cors,
      'Content-Type': typeOf(name),
      'Content-Length': bytes.length,
      'Content-Disposition': `attachment; filename="${path.basename(name)}"`,
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }
  res.writeHead(404, cors).end('no such file\n');
});

console.log(`oidc ${JSON.stringify({ issuer, api, clientId: CLIENT_ID })}`);
console.log(`listening ${new URL(issuer).port}`);
