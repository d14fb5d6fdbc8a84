// The SOTT calls of the official LoginRadius Node SDK (npm "loginradius-sdk"), unchanged, against a PinOrleans
// gateway (set up as pin-journey.js is): the server's time, a SOTT made by the server, and the SDK's own request
// signing, which signs the text "undefined" instead of the URL and so is refused.
'use strict';
const https = require('https');

https.globalAgent.defaultPort = Number(process.env.LR_PORT);
const config = { apiDomain: process.env.LR_DOMAIN, apiKey: process.env.LR_API_KEY, apiSecret: process.env.LR_API_SECRET };
const lr = require('loginradius-sdk')(config);

let current = 'start';
function step(name) { current = name; }
function expect(condition, message) { if (!condition) throw new Error(`${current}: ${message}`); }
const time = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

async function main() {
  step('getServerInfo');
  const info = await lr.configurationApi.getServerInfo(5);
  expect(time.test(info.CurrentTime) && time.test(info.Sott.StartTime) && time.test(info.Sott.EndTime), JSON.stringify(info));
  expect(info.Sott.TimeDifference === '5 Minutes', JSON.stringify(info));
  const skew = Math.abs(Date.parse(info.CurrentTime.replace(' ', 'T') + 'Z') - Date.now());
  expect(skew < 60000, `server time is ${skew} ms off`);

  step('generateSott');
  const made = await lr.sottApi.generateSott(20);
  expect(/^[A-Za-z0-9+/=]+\*[0-9a-f]{32}$/.test(made.Sott), JSON.stringify(made));
  const left = Date.parse(made.ExpiryTime) - Date.now();
  expect(left > 19 * 60000 && left <= 20 * 60000 + 5000, `ExpiryTime ${made.ExpiryTime}`);
  const standard = await lr.sottApi.generateSott(null);
  expect(Math.abs(Date.parse(standard.ExpiryTime) - Date.now() - 10 * 60000) < 5000, `ExpiryTime ${standard.ExpiryTime}`);

  step('apiRequestSigning');
  const signing = require('loginradius-sdk')({ ...config, apiRequestSigning: true });
  try {
    await signing.sottApi.generateSott(10);
    throw new Error(`${current}: a digest over "undefined" was accepted`);
  } catch (error) {
    expect(error && error.ErrorCode === 1208, `expected ErrorCode 1208, got ${JSON.stringify(error && error.ErrorCode !== undefined ? error : String(error))}`);
  }
  console.log('DONE');
}

main().catch((error) => { console.error(error && error.stack ? error.stack : JSON.stringify(error)); process.exit(1); });
