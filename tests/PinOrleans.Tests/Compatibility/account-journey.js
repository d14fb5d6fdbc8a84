// The whole life of an account through the official LoginRadius Node SDK, unchanged (set up by sdk-journey.js):
// self-registration with a PIN and a SOTT, the mandatory e-mail verification, password and PIN logins, forgot and
// reset password, change password, profile update, sliding token, and the deletion confirmed by e-mail.
'use strict';
const { lr, ask, step, expect, refused, uniqueId, run } = require('./sdk-journey');

async function main() {
  const email = `sdk-acct-${uniqueId()}@example.com`;
  const pin = '2580';
  let password = 'correct-horse-42';

  step('userRegistrationByEmail');
  const sott = await lr.helper.getSott({}, null, null, 10);
  expect(/^[A-Za-z0-9+/=]+\*[0-9a-f]{32}$/.test(sott), `a SOTT, got ${sott}`);
  await refused(lr.authenticationApi.userRegistrationByEmail({ Email: [{ Type: 'Primary', Value: email }], Password: password }, 'not-a-sott'), 1049);
  const registered = await lr.authenticationApi.userRegistrationByEmail(
    { Email: [{ Type: 'Primary', Value: email }], Password: password, FirstName: 'Ada', PINInfo: { PIN: pin } },
    sott, '', '', '', 'https://app.example.com/verify', '', false);
  // The mandatory verification flow: no login before the address is verified.
  expect(registered.IsPosted === true && registered.Data == null, `IsPosted without Data, got ${JSON.stringify(registered)}`);

  step('loginByEmail before verification');
  await refused(lr.authenticationApi.loginByEmail({ email, password }), 970);
  await refused(lr.authenticationApi.loginByEmail({ email, password: 'not-the-password' }), 966);

  step('verifyEmail');
  const verificationToken = await ask('verification-token', email);
  const verified = await lr.authenticationApi.verifyEmail(verificationToken, '', 'https://app.example.com/verify', '', '');
  expect(verified.IsPosted === true, `IsPosted, got ${JSON.stringify(verified)}`);
  await refused(lr.authenticationApi.verifyEmail(verificationToken, '', '', '', ''), 974);

  step('loginByEmail');
  const login = await lr.authenticationApi.loginByEmail({ email, password });
  expect(login.session_token && login.access_token && login.Profile.EmailVerified === true && login.Profile.FirstName === 'Ada', 'a PIN session and the verified profile');
  const uid = login.Profile.Uid;
  expect(/^[0-9a-f]{32}$/.test(uid), `a Uid, got ${uid}`);

  step('pinLogin');
  await refused(lr.pinAuthenticationApi.pinLogin({ pin: '0000' }, login.session_token), 1236);
  const pinLogin = await lr.pinAuthenticationApi.pinLogin({ pin }, login.session_token);
  expect(pinLogin.access_token && pinLogin.refresh_token && pinLogin.Profile.Uid === uid, 'tokens of the same account');

  step('forgotPassword');
  expect((await lr.authenticationApi.forgotPassword(email, 'https://app.example.com/reset-password', '')).IsPosted === true, 'IsPosted');
  const resetToken = await ask('reset-token', email);
  step('resetPasswordByResetToken');
  expect((await lr.authenticationApi.resetPasswordByResetToken({ resettoken: resetToken, password: 'first-new-one-1' })).IsPosted === true, 'IsPosted');
  // The reset ended every token of the account; only the new password logs in.
  await refused(lr.authenticationApi.authValidateAccessToken(pinLogin.access_token), 905);
  await refused(lr.authenticationApi.loginByEmail({ email, password }), 966);
  password = 'first-new-one-1';
  let access = (await lr.authenticationApi.loginByEmail({ email, password })).access_token;
  expect(access, 'the new password logs in');

  step('changePassword');
  await refused(lr.authenticationApi.changePassword(access, 'second-new-one-2', 'not-the-password'), 967);
  expect((await lr.authenticationApi.changePassword(access, 'second-new-one-2', password)).IsPosted === true, 'IsPosted');
  await refused(lr.authenticationApi.loginByEmail({ email, password }), 966);
  password = 'second-new-one-2';

  step('updateProfileByAccessToken');
  const updated = await lr.authenticationApi.updateProfileByAccessToken(access, { FirstName: 'Grace', LastName: 'Hopper' });
  expect(updated.IsPosted === true && updated.Data.Uid === uid && updated.Data.FirstName === 'Grace' && updated.Data.LastName === 'Hopper', 'IsPosted and the profile');

  step('slidingAccessToken');
  const slid = await lr.slidingTokenApi.slidingAccessToken(access);
  expect(slid.access_token && slid.access_token !== access && slid.refresh_token && slid.expires_in, 'a new pair');
  await refused(lr.authenticationApi.authValidateAccessToken(access), 905);
  access = slid.access_token;
  expect((await lr.authenticationApi.getProfileByAccessToken(access)).FirstName === 'Grace', 'the same account');

  step('deleteAccountWithEmailConfirmation');
  await refused(lr.authenticationApi.deleteAccountWithEmailConfirmation(access, 'https://evil.example.net/delete', ''), 1248);
  const accepted = await lr.authenticationApi.deleteAccountWithEmailConfirmation(access, 'https://app.example.com/delete-account', '');
  expect(accepted.IsDeleteRequestAccepted === true, `IsDeleteRequestAccepted, got ${JSON.stringify(accepted)}`);
  // Nothing is deleted until the e-mailed link comes back.
  expect((await lr.authenticationApi.getProfileByAccessToken(access)).Uid === uid, 'the account is still there');

  step('deleteAccountByDeleteToken');
  const deleteToken = await ask('delete-token', email);
  await refused(lr.authenticationApi.deleteAccountByDeleteToken(deleteToken.slice(0, 16) + '0'.repeat(32)), 1119);
  expect((await lr.authenticationApi.deleteAccountByDeleteToken(deleteToken)).IsPosted === true, 'IsPosted');
  await refused(lr.authenticationApi.deleteAccountByDeleteToken(deleteToken), 1119);

  step('login after deletion');
  await refused(lr.authenticationApi.loginByEmail({ email, password }), 966);
  await refused(lr.authenticationApi.authValidateAccessToken(access), 905);
  await refused(lr.accountApi.getAccountProfileByUid(uid), 938);
}

run(main);
