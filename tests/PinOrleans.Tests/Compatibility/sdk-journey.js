// What every Node SDK journey script shares: the official LoginRadius Node SDK (npm "loginradius-sdk"), unchanged,
// pointed at a PinOrleans gateway (apiDomain is the gateway's address; the HTTPS port and the test's certificate
// authority are the environment's, https.globalAgent.defaultPort and NODE_EXTRA_CA_CERTS, as a DNS name and a
// trusted certificate would be in production), and the helpers the steps assert with. Secrets a script must read
// from a delivered e-mail or SMS it asks for on stdout ("NEED <what> <where>") and reads from stdin.
'use strict';
const https = require('https');
const readline = require('readline');

https.globalAgent.defaultPort = Number(process.env.LR_PORT);
const config = { apiDomain: process.env.LR_DOMAIN, apiKey: process.env.LR_API_KEY, apiSecret: process.env.LR_API_SECRET };

/** The SDK with the gateway's configuration (plus options, e.g. { apiRequestSigning: true }). */
function sdk(options) { return require('loginradius-sdk')({ ...config, ...options }); }
const lr = sdk();

// Read from stdin only once a script asks, so a script that never asks ends without closing it.
let lines = null;
async function ask(what, where) {
  if (lines === null) lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log(`NEED ${what} ${where}`);
  return (await lines.next()).value.trim();
}

let current = 'start';
function step(name) { current = name; }
function expect(condition, message) { if (!condition) throw new Error(`${current}: ${message}`); }
async function refused(promise, code) {
  try { await promise; } catch (error) {
    expect(error && error.ErrorCode === code, `expected ErrorCode ${code}, got ${JSON.stringify(error && error.ErrorCode !== undefined ? error : String(error))}`);
    return;
  }
  throw new Error(`${current}: expected ErrorCode ${code}, got success`);
}

/** A suffix that makes a journey's e-mail addresses, user names and phone numbers its own. */
function uniqueId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 8); }
function newPhone() { return '+1555' + String(Math.floor(1000000 + Math.random() * 8999999)); }

/** Runs the journey: DONE and exit code 0 when every step passed, else FAIL with the step and why. */
function run(main) {
  main().then(() => {
    console.log('DONE');
    process.exit(0);
  }, (error) => {
    console.log(`FAIL ${current} ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    process.exit(1);
  });
}

module.exports = { lr, sdk, ask, step, expect, refused, uniqueId, newPhone, run };
