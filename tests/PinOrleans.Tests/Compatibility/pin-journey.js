// The whole PIN journey through the official LoginRadius Node SDK, unchanged (set up by sdk-journey.js).
'use strict';
const { lr, ask, step, expect, refused, uniqueId, newPhone, run } = require('./sdk-journey');

async function main() {
  const id = uniqueId();
  const email = `sdk-${id}@example.com`;
  const phone = newPhone();
  const password = 'correct-horse-42';

  step('createAccount');
  const created = await lr.accountApi.createAccount({ Email: [{ Type: 'Primary', Value: email }], Password: password, PhoneId: phone });
  expect(created.Uid, 'no Uid');
  const uid = created.Uid;

  step('loginByEmail');
  const login = await lr.authenticationApi.loginByEmail({ email, password });
  expect(login.PINAuthToken && !login.access_token, 'PIN required: a PINAuthToken and no access token');

  step('setPINByPinAuthToken');
  const set = await lr.pinAuthenticationApi.setPINByPinAuthToken({ pin: '1357' }, login.PINAuthToken);
  expect(set.session_token && set.access_token && set.Profile.Uid === uid, 'tokens and profile');
  const session = set.session_token;

  step('pinLogin');
  let pinLogin = await lr.pinAuthenticationApi.pinLogin({ pin: '1357' }, session);
  expect(pinLogin.access_token && pinLogin.refresh_token, 'tokens');
  const access = pinLogin.access_token;
  await refused(lr.pinAuthenticationApi.pinLogin({ pin: '0000' }, session), 1236);

  step('authValidateAccessToken');
  expect((await lr.authenticationApi.authValidateAccessToken(access)).access_token === access, 'same token');
  step('getAccessTokenInfo');
  expect((await lr.authenticationApi.getAccessTokenInfo(access)).access_token === access, 'same token');
  step('getProfileByAccessToken');
  expect((await lr.authenticationApi.getProfileByAccessToken(access)).Uid === uid, 'same account');

  step('changePINByAccessToken');
  expect((await lr.pinAuthenticationApi.changePINByAccessToken(access, { oldPIN: '1357', newPIN: '2468' })).IsPosted === true, 'IsPosted');
  await refused(lr.pinAuthenticationApi.changePINByAccessToken(access, { oldPIN: '1357', newPIN: '1111' }), 1241);

  step('verifyPINAuthentication');
  const stepUp = await lr.reAuthenticationApi.verifyPINAuthentication(access, { pin: '2468' });
  expect(stepUp.SecondFactorValidationToken && stepUp.ExpireIn, 'SecondFactorValidationToken');
  step('verifyMultiFactorPINReauthentication');
  expect((await lr.reAuthenticationApi.verifyMultiFactorPINReauthentication({ SecondFactorValidationToken: stepUp.SecondFactorValidationToken }, uid)).IsValid === true, 'IsValid');

  step('refreshAccessTokenByRefreshToken');
  const refreshed = await lr.accountApi.refreshAccessTokenByRefreshToken(pinLogin.refresh_token);
  expect(refreshed.access_token && refreshed.refresh_token !== pinLogin.refresh_token, 'rotated');
  await refused(lr.accountApi.refreshAccessTokenByRefreshToken(pinLogin.refresh_token), 1217);

  step('sendForgotPINEmailByEmail');
  expect((await lr.pinAuthenticationApi.sendForgotPINEmailByEmail({ email }, '', 'https://app.example.com/reset-pin')).IsPosted === true, 'IsPosted');
  const resetToken = await ask('reset-token', email);
  step('resetPINByResetToken');
  expect((await lr.pinAuthenticationApi.resetPINByResetToken({ resettoken: resetToken, pin: '9753' })).IsPosted === true, 'IsPosted');
  await refused(lr.pinAuthenticationApi.resetPINByResetToken({ resettoken: resetToken, pin: '9753' }), 1242);

  step('sendForgotPINSMSByPhone');
  const sms = await lr.pinAuthenticationApi.sendForgotPINSMSByPhone({ phone }, '', false);
  // Uniform answers (the default): sent in the background, so Data carries no provider ids (UniformAnswers=false restores them).
  expect(sms.IsPosted === true && sms.Data && sms.Data.Sid === null, 'IsPosted, Data without provider ids');
  const otp = await ask('sms-otp', phone);
  step('resetPINByPhoneAndOtp');
  await refused(lr.pinAuthenticationApi.resetPINByPhoneAndOtp({ phone, otp: otp === '000000' ? '111111' : '000000', pin: '8642' }), 1067);
  expect((await lr.pinAuthenticationApi.resetPINByPhoneAndOtp({ phone, otp, pin: '8642' })).IsPosted === true, 'IsPosted');

  step('pinLogin after reset');
  // A reset ends every PIN session of the account; a password login starts a new one.
  await refused(lr.pinAuthenticationApi.pinLogin({ pin: '8642' }, session), 1245);
  const relogin = await lr.authenticationApi.loginByEmail({ email, password });
  expect(relogin.session_token && relogin.access_token, 'a new PIN session');
  pinLogin = await lr.pinAuthenticationApi.pinLogin({ pin: '8642' }, relogin.session_token);
  expect(pinLogin.Profile.Uid === uid, 'same account');

  step('inValidatePinSessionToken');
  expect((await lr.pinAuthenticationApi.inValidatePinSessionToken(relogin.session_token)).IsPosted === true, 'IsPosted');
  await refused(lr.pinAuthenticationApi.pinLogin({ pin: '8642' }, relogin.session_token), 1245);

  step('authInValidateAccessToken');
  expect((await lr.authenticationApi.authInValidateAccessToken(pinLogin.access_token, true)).IsPosted === true, 'IsPosted');
  await refused(lr.authenticationApi.authValidateAccessToken(pinLogin.access_token), 905);

  step('getAccountProfileByEmail');
  expect((await lr.accountApi.getAccountProfileByEmail(email)).Uid === uid, 'same account');
  step('updateAccountByUid');
  expect((await lr.accountApi.updateAccountByUid({ FirstName: 'Sdk', PINInfo: { PIN: '5555' } }, uid)).FirstName === 'Sdk', 'updated');
  step('deleteAccountByUid');
  expect((await lr.accountApi.deleteAccountByUid(uid)).IsDeleted === true, 'IsDeleted');
  await refused(lr.accountApi.getAccountProfileByUid(uid), 938);
}

run(main);
