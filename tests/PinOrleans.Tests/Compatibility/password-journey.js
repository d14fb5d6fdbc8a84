// The forgot-password journey through the official LoginRadius Node SDK (npm "loginradius-sdk"), unchanged.
// The test points it at a PinOrleans gateway: apiDomain is the gateway's address, the HTTPS port and the test's
// certificate authority are the environment's (https.globalAgent.defaultPort, NODE_EXTRA_CA_CERTS), as a DNS
// name and a trusted certificate would be in production. Secrets it must read from the delivered e-mail or SMS
// it asks for on stdout ("NEED <what> <where>") and reads from stdin.
'use strict';
const https = require('https');
const readline = require('readline');

https.globalAgent.defaultPort = Number(process.env.LR_PORT);
const lr = require('loginradius-sdk')({
  apiDomain: process.env.LR_DOMAIN,
  apiKey: process.env.LR_API_KEY,
  apiSecret: process.env.LR_API_SECRET,
});

const input = readline.createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
async function ask(what, where) {
  console.log(`NEED ${what} ${where}`);
  return (await lines.next()).value.trim();
}

let current = 'start';
function step(name) { current = name; }
function expect(condition, message) { if (!condition) throw new Error(`${current}: ${message}`); }
async function refused(promise, code) {
  try { await promise; } catch (error) {
    expect(error && error.ErrorCode === code, `expected ErrorCode ${code}, got ${JSON.stringify(error)}`);
    return;
  }
  throw new Error(`${current}: expected ErrorCode ${code}, got success`);
}

async function main() {
  const id = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  const email = `sdk-pw-${id}@example.com`;
  const username = `sdkpw${id}`;
  const phone = '+1555' + String(Math.floor(1000000 + Math.random() * 8999999));
  const page = 'https://app.example.com/reset-password';

  step('createAccount');
  const created = await lr.accountApi.createAccount({ Email: [{ Type: 'Primary', Value: email }], UserName: username, Password: 'correct-horse-42', PhoneId: phone });
  const uid = created.Uid;
  const before = await lr.authenticationApi.loginByEmail({ email, password: 'correct-horse-42' });
  expect(before.access_token, 'an access token');

  step('forgotPassword');
  expect((await lr.authenticationApi.forgotPassword(email, page, '')).IsPosted === true, 'IsPosted');
  const resetToken = await ask('reset-token', email);
  step('resetPasswordByResetToken');
  expect((await lr.authenticationApi.resetPasswordByResetToken({ resettoken: resetToken, password: 'first-new-one-1', welcomeemailtemplate: '', resetpasswordemailtemplate: '' })).IsPosted === true, 'IsPosted');
  await refused(lr.authenticationApi.resetPasswordByResetToken({ resettoken: resetToken, password: 'first-new-one-1' }), 974);
  // The reset ended every token of the account; the new password logs in.
  await refused(lr.authenticationApi.authValidateAccessToken(before.access_token), 905);
  await refused(lr.authenticationApi.loginByEmail({ email, password: 'correct-horse-42' }), 966);
  expect((await lr.authenticationApi.loginByEmail({ email, password: 'first-new-one-1' })).access_token, 'logs in');

  step('resetPasswordByEmailOTP');
  await lr.authenticationApi.forgotPassword(email, page, '');
  let otp = await ask('email-otp', email);
  await refused(lr.authenticationApi.resetPasswordByEmailOTP({ email, otp: otp === '000000' ? '111111' : '000000', password: 'second-new-one-2' }), 1185);
  expect((await lr.authenticationApi.resetPasswordByEmailOTP({ email, otp, password: 'second-new-one-2' })).IsPosted === true, 'IsPosted');

  step('resetPasswordByOTPAndUserName');
  await lr.authenticationApi.forgotPassword(email, page, '');
  otp = await ask('email-otp', email);
  expect((await lr.authenticationApi.resetPasswordByOTPAndUserName({ username, otp, password: 'third-new-one-3' })).IsPosted === true, 'IsPosted');

  step('forgotPasswordByPhoneOTP');
  const sms = await lr.phoneAuthenticationApi.forgotPasswordByPhoneOTP(phone, '');
  expect(sms.IsPosted === true, 'IsPosted');
  otp = await ask('sms-otp', phone);
  step('resetPasswordByPhoneOTP');
  await refused(lr.phoneAuthenticationApi.resetPasswordByPhoneOTP({ phone, otp: otp === '000000' ? '111111' : '000000', password: 'fourth-new-one-4' }), 1067);
  expect((await lr.phoneAuthenticationApi.resetPasswordByPhoneOTP({ phone, otp, password: 'fourth-new-one-4' })).IsPosted === true, 'IsPosted');

  step('resetPasswordBySecurityAnswer');
  await lr.accountApi.updateAccountByUid({ SecurityQuestionAnswer: { q1: 'Blue Whale', q2: 'Zurich' } }, uid);
  const answers = { q1: 'blue whale', q2: 'zurich' };
  await refused(lr.authenticationApi.resetPasswordBySecurityAnswerAndEmail({ securityanswer: { q1: 'orca', q2: 'bern' }, email, password: 'fifth-new-one-5' }), 1093);
  expect((await lr.authenticationApi.resetPasswordBySecurityAnswerAndEmail({ securityanswer: answers, email, password: 'fifth-new-one-5', resetpasswordemailtemplate: '' })).IsPosted === true, 'by email');
  expect((await lr.authenticationApi.resetPasswordBySecurityAnswerAndPhone({ securityanswer: answers, phone, password: 'sixth-new-one-6' })).IsPosted === true, 'by phone');
  expect((await lr.authenticationApi.resetPasswordBySecurityAnswerAndUserName({ securityanswer: answers, username, password: 'seventh-new-one-7' })).IsPosted === true, 'by username');

  step('getForgotPasswordToken');
  const issued = await lr.accountApi.getForgotPasswordToken(email, '', '', null);
  expect(issued.ForgotToken && Array.isArray(issued.IdentityProviders), 'ForgotToken');
  expect((await lr.authenticationApi.resetPasswordByResetToken({ resettoken: issued.ForgotToken, password: 'eighth-new-one-8' })).IsPosted === true, 'IsPosted');
  expect((await lr.authenticationApi.loginByEmail({ email, password: 'eighth-new-one-8' })).Profile.Uid === uid, 'same account');

  step('deleteAccountByUid');
  expect((await lr.accountApi.deleteAccountByUid(uid)).IsDeleted === true, 'IsDeleted');
  console.log('DONE');
}

main().then(() => process.exit(0), (error) => {
  console.log(`FAIL ${current} ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  process.exit(1);
});
