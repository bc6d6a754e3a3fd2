#!/usr/bin/env node
// The "system browser" of the sign-in tests, run by xdg-open as $BROWSER URL.
// It does over HTTP what a person does in a browser at the test OpenID
// provider (oidc-provider's dev pages): follows redirects with its cookies,
// fills in the login form (any login, any password), accepts the consent
// page, and follows the provider's redirect back to Satchel's loopback
// callback — a top-level GET, as a browser does.
//
// What it does is read from the file $TEST_BROWSER_MODE_FILE (default login):
//   login   sign in and come back
//   tamper  sign in, but come back with another `state`
//   deny    press the login page's Abort: the provider answers access_denied
//   never   do nothing (the person closed the browser)
// Each run appends a line to $TEST_BROWSER_LOG: the mode, then how it ended.
import fs from 'node:fs';

const start = process.argv[2];
const modeFile = process.env.TEST_BROWSER_MODE_FILE;
const mode = (modeFile && fs.existsSync(modeFile) ? fs.readFileSync(modeFile, 'utf8').trim() : '') || 'login';
const log = (line) => {
  if (process.env.TEST_BROWSER_LOG) fs.appendFileSync(process.env.TEST_BROWSER_LOG, `${line}\n`);
};

const cookies = new Map();
function keep(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1));
  }
}
const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

const isCallback = (url) => url.hostname === '127.0.0.1' && url.pathname === '/callback';

async function main() {
  log(`${mode} ${new URL(start).origin} redirect=${new URL(start).searchParams.get('redirect_uri')}`);
  if (mode === 'never') return;
  let url = new URL(start);
  let request = { method: 'GET' };
  for (let step = 0; step < 25; step++) {
    if (isCallback(url)) {
      if (mode === 'tamper') url.searchParams.set('state', 'forged-state');
      const back = await fetch(url, { redirect: 'manual' });
      log(`callback ${back.status}`);
      return;
    }
    const response = await fetch(url, {
      ...request,
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(request.headers || {}) },
    });
    keep(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      request = { method: 'GET' };
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`${url.pathname} answered ${response.status}: ${page.slice(0, 200)}`);
    const abort = page.match(/href="([^"]*\/abort)"/);
    if (mode === 'deny' && abort) {
      url = new URL(abort[1], url);
      request = { method: 'GET' };
      continue;
    }
    const form = page.match(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/);
    if (!form) throw new Error(`no form at ${url.pathname}`);
    const fields = new URLSearchParams();
    for (const input of form[2].matchAll(/<input[^>]*>/g)) {
      const name = input[0].match(/name="([^"]+)"/)?.[1];
      if (!name) continue;
      const value = input[0].match(/value="([^"]*)"/)?.[1] ?? (name === 'login' ? 'tester' : 'any password');
      fields.set(name, value);
    }
    url = new URL(form[1], url);
    request = {
      method: 'POST',
      body: fields.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  throw new Error('too many steps');
}

main().catch((error) => {
  log(`failed ${error.message}${error.cause ? `: ${error.cause.message ?? error.cause}` : ""}`);
  process.exit(1);
});
