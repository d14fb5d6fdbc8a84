// The forgot-password journey through the official LoginRadius Node SDK, unchanged (set up by sdk-journey.js).
'use strict';
const { lr, ask, step, expect, refused, uniqueId, newPhone, run } = require('./sdk-journey');

async function main() {
  const id = uniqueId();
  const email = `sdk-pw-${id}@example.com`;
  const username = `sdkpw${id}`;
  const phone = newPhone();
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
}

run(main);
