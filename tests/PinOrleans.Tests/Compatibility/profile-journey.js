// The password and profile-by-token routes through the official LoginRadius Node SDK, unchanged (set up by
// sdk-journey.js).
'use strict';
const { lr, step, expect, refused, uniqueId, newPhone, run } = require('./sdk-journey');
const ids = (questions) => questions.map((q) => q.QuestionId).join(',');

async function main() {
  const id = uniqueId();
  const email = `sdk-${id}@example.com`;
  const userName = `sdk_${id}`;
  const phone = newPhone();
  const password = 'correct-horse-42';

  step('createAccount');
  const uid = (await lr.accountApi.createAccount({ Email: [{ Type: 'Primary', Value: email }], Password: password, PhoneId: phone })).Uid;
  const login = await lr.authenticationApi.loginByEmail({ email, password });
  let access = login.access_token;

  step('updateProfileByAccessToken');
  const updated = await lr.authenticationApi.updateProfileByAccessToken(access, { FirstName: 'Sdk', SecurityQuestionAnswer: { q1: 'Blue', q2: 'Green' } });
  expect(updated.IsPosted === true && updated.Data.FirstName === 'Sdk' && updated.Data.Uid === uid, 'IsPosted and the profile');
  const cleared = await lr.authenticationApi.updateProfileByAccessToken(access, { FirstName: null }, '', '', true);
  expect(cleared.Data.FirstName === null, 'nullSupport clears');

  step('getSecurityQuestionsByAccessToken');
  expect(ids(await lr.authenticationApi.getSecurityQuestionsByAccessToken(access)) === 'q1,q2', 'the answered questions');

  step('setOrChangeUserName');
  expect((await lr.authenticationApi.setOrChangeUserName(access, userName)).IsPosted === true, 'IsPosted');
  expect((await lr.authenticationApi.loginByUserName({ username: userName, password })).Profile.Uid === uid, 'login by the new user name');

  step('getSecurityQuestionsByEmail/UserName/Phone');
  // Uniform answers (the default): every question the tenant configures, whoever asks.
  expect(ids(await lr.authenticationApi.getSecurityQuestionsByEmail(email)) === 'q1,q2,q3', 'the configured questions');
  expect(ids(await lr.authenticationApi.getSecurityQuestionsByUserName(userName)) === 'q1,q2,q3', 'the configured questions');
  expect(ids(await lr.authenticationApi.getSecurityQuestionsByPhone(phone)) === 'q1,q2,q3', 'the configured questions');

  step('changePassword');
  await refused(lr.authenticationApi.changePassword(access, 'brand-new-secret-9', 'not-the-password'), 967);
  await refused(lr.authenticationApi.changePassword(access, 'short', password), 1134);
  expect((await lr.authenticationApi.changePassword(access, 'brand-new-secret-9', password)).IsPosted === true, 'IsPosted');
  await refused(lr.authenticationApi.loginByEmail({ email, password }), 966);
  expect((await lr.authenticationApi.loginByEmail({ email, password: 'brand-new-secret-9' })).Profile.Uid === uid, 'the new password');

  step('removePhoneIDByAccessToken');
  expect((await lr.phoneAuthenticationApi.removePhoneIDByAccessToken(access)).IsDeleted === true, 'IsDeleted');
  await refused(lr.phoneAuthenticationApi.removePhoneIDByAccessToken(access), 1043);

  step('slidingAccessToken');
  const slid = await lr.slidingTokenApi.slidingAccessToken(access);
  expect(slid.access_token && slid.access_token !== access && slid.refresh_token, 'a new pair');
  await refused(lr.authenticationApi.authValidateAccessToken(access), 905);
  access = slid.access_token;
  expect((await lr.authenticationApi.getProfileByAccessToken(access)).PhoneId === null, 'the same account, without its phone');
}

run(main);
