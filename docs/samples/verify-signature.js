// Verifying a PinOrleans webhook in Node (no dependencies). Each delivery carries X-PinOrleans-Timestamp (Unix
// seconds) and X-PinOrleans-Signature: the lower-case hex HMAC-SHA256 keyed with the subscription's signing key
// (shown once, when the subscription was created) over `${timestamp}.${rawBody}`. Verify the bytes you received,
// before parsing, and refuse timestamps outside your replay window (five minutes here).
//
// In Express:
//   const { verifySignature } = require('./verify-signature');
//   app.post('/hooks/login', express.raw({ type: 'application/json' }), (req, res) => {
//     if (!verifySignature(req.body, req.get('X-PinOrleans-Timestamp'), req.get('X-PinOrleans-Signature'), process.env.HOOK_SIGNING_KEY)) {
//       return res.sendStatus(401);
//     }
//     const event = JSON.parse(req.body); // de-duplicate by event.HookId (delivery is at least once)
//     res.sendStatus(200);
//   });
//
// From a shell: node verify-signature.js <signingKey> <timestamp> <signature> [nowSeconds] < body.json   (prints valid / invalid)
'use strict';
const crypto = require('node:crypto');
const process = require('node:process');

const REPLAY_WINDOW_SECONDS = 300;

function computeSignature(rawBody, timestamp, signingKey) {
  return crypto.createHmac('sha256', signingKey).update(`${timestamp}.`).update(rawBody).digest('hex');
}

function verifySignature(rawBody, timestamp, signature, signingKey, nowSeconds = Date.now() / 1000, windowSeconds = REPLAY_WINDOW_SECONDS) {
  if (typeof timestamp !== 'string' || !/^[0-9]{1,15}$/.test(timestamp.trim())) return false;
  if (Math.abs(nowSeconds - Number(timestamp.trim())) > windowSeconds) return false;
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{64}$/.test(signature.trim())) return false;
  const expected = Buffer.from(computeSignature(rawBody, timestamp.trim(), signingKey), 'hex');
  const given = Buffer.from(signature.trim(), 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

module.exports = { computeSignature, verifySignature, REPLAY_WINDOW_SECONDS };

if (require.main === module) {
  const [signingKey, timestamp, signature, now] = process.argv.slice(2);
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => {
    const valid = signingKey !== undefined
      && verifySignature(Buffer.concat(chunks), timestamp, signature, signingKey, now === undefined ? Date.now() / 1000 : Number(now));
    console.log(valid ? 'valid' : 'invalid');
    process.exit(valid ? 0 : 1);
  });
}
