// Verifying a PinOrleans webhook in Node (no dependencies). The header `signature` is the upper-case hex of
// HMAC-SHA256 keyed with the API secret over the raw request body: verify the bytes you received, before parsing.
//
// In Express:
//   const { verifySignature } = require('./verify-signature');
//   app.post('/hooks/login', express.raw({ type: 'application/json' }), (req, res) => {
//     if (!verifySignature(req.body, req.get('signature'), process.env.LR_API_SECRET)) return res.sendStatus(401);
//     const event = JSON.parse(req.body); // de-duplicate by event.HookId (delivery is at least once)
//     res.sendStatus(200);
//   });
//
// From a shell: node verify-signature.js <apiSecret> <signature> < body.json   (prints valid / invalid)
'use strict';
const crypto = require('node:crypto');
const process = require('node:process');

function computeSignature(rawBody, apiSecret) {
  return crypto.createHmac('sha256', apiSecret).update(rawBody).digest('hex').toUpperCase();
}

function verifySignature(rawBody, signature, apiSecret) {
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{64}$/.test(signature.trim())) return false;
  const expected = Buffer.from(computeSignature(rawBody, apiSecret), 'hex');
  const given = Buffer.from(signature.trim(), 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

module.exports = { computeSignature, verifySignature };

if (require.main === module) {
  const [apiSecret, signature] = process.argv.slice(2);
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => {
    const valid = apiSecret !== undefined && verifySignature(Buffer.concat(chunks), signature, apiSecret);
    console.log(valid ? 'valid' : 'invalid');
    process.exit(valid ? 0 : 1);
  });
}
