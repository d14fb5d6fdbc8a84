// The demo application ./run.sh starts beside PinOrleans (plain Node.js, no packages): its home page sends the user to
// the hosted login page, and its /callback (the return_url) reads ?token= and asks the gateway whose token it is,
// as an application's backend does after LoginRadius' hosted page.
//   DEMO_APP=http://127.0.0.1:3000 PINORLEANS_API=http://127.0.0.1:5080 PINORLEANS_KEY=<api key> node scripts/demo-app.js
'use strict';
const http = require('http');

const app = new URL(process.env.DEMO_APP || 'http://127.0.0.1:3000');
const api = process.env.PINORLEANS_API || 'http://127.0.0.1:5080';
const key = process.env.PINORLEANS_KEY;
const callback = `${app.origin}/callback`;
const page = (action) => `${api}/auth.aspx?action=${action}&apikey=${encodeURIComponent(key)}&return_url=${encodeURIComponent(callback)}`;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function html(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Demo application</title></head>
<body><main><h1>Demo application</h1>${body}</main></body></html>`);
}

async function whoseToken(token) {
  const response = await fetch(`${api}/identity/v2/auth/account?apikey=${encodeURIComponent(key)}`, { headers: { Authorization: `Bearer ${token}` } });
  const profile = await response.json();
  return response.ok ? profile.Email && profile.Email[0] && profile.Email[0].Value : null;
}

http.createServer(async (req, res) => {
  const url = new URL(req.url, app.origin);
  if (url.pathname === '/callback') {
    const token = url.searchParams.get('token');
    const email = token ? await whoseToken(token).catch(() => null) : null;
    return html(res, email ? 200 : 401, email
      ? `<p>Signed in as <strong>${escape(email)}</strong>. The token came on <code>?token=</code> and PinOrleans says it is live.</p><p><a href="${escape(page('login'))}">Log in again (with your PIN)</a> · <a href="${escape(page('logout'))}">Log out of the PIN session</a></p>`
      : `<p>No live token.</p><p><a href="${escape(page('login'))}">Log in</a></p>`);
  }
  return html(res, 200, `<p><a href="${escape(page('login'))}">Log in</a> · <a href="${escape(page('register'))}">Create an account</a></p>`);
}).listen(Number(app.port), app.hostname);
