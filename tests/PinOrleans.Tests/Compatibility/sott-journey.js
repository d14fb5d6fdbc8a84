// The SOTT calls of the official LoginRadius Node SDK, unchanged (set up by sdk-journey.js): the server's time, a
// SOTT made by the server, and the SDK's own request signing, which signs the text "undefined" instead of the URL
// and so is refused.
'use strict';
const { lr, sdk, step, expect, refused, run } = require('./sdk-journey');
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
  const signing = sdk({ apiRequestSigning: true });
  await refused(signing.sottApi.generateSott(10), 1208);
}

run(main);
