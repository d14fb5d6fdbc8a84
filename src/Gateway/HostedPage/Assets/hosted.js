// PinOrleans hosted login page: a client of the public LoginRadius API routes of this gateway, exactly as an SDK is.
// It decides nothing itself: every rule (passwords, PINs, lockouts, links) is the API's; this script only shows the
// API's answers in words and returns to the application with the access token (?token=, as LoginRadius' page does).
(function () {
  'use strict';

  var root = document.getElementById('hosted');
  if (!root) {
    return;
  }

  var data = root.dataset;
  var cfg = {
    apiKey: data.apikey,
    action: (data.action || 'login').toLowerCase(),
    returnUrl: data.returnUrl || '',
    pageUrl: data.pageUrl || '',
    app: data.app || '',
    pinMin: parseInt(data.pinMin, 10) || 4,
    pinMax: parseInt(data.pinMax, 10) || 8,
    pinNumeric: data.pinNumeric === 'true',
    pinRequired: data.pinRequired === 'true',
    pinOnRegistration: data.pinOnRegistration === 'true',
    pinLogin: data.pinLogin === 'true',
    passwordMin: parseInt(data.passwordMin, 10) || 6,
    passwordMax: parseInt(data.passwordMax, 10) || 32,
    registration: data.registration || 'off',
    verification: data.verification || 'Optional'
  };
  var query = new URLSearchParams(window.location.search);
  // The PIN session token of the last password login on this device, as LoginRadius' own scripts keep their
  // tokens: in this origin's localStorage, readable only by this page's own script (CSP: script-src 'self').
  var sessionKey = 'pinorleans.pinSession.' + cfg.apiKey;
  var pending = null;
  var currentView = null;

  // ---------------------------------------------------------------- the API, as any LoginRadius client calls it

  function ApiError(status, body) {
    this.status = status;
    this.code = body && body.ErrorCode ? body.ErrorCode : status;
    this.body = body || {};
  }

  function api(method, path, params, body, headers) {
    var search = new URLSearchParams({ apikey: cfg.apiKey });
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== null && params[k] !== '') {
        search.set(k, params[k]);
      }
    });
    var init = {
      method: method,
      headers: Object.assign({ 'Accept': 'application/json' }, headers || {}),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer'
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path + '?' + search.toString(), init).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try {
          json = text ? JSON.parse(text) : {};
        } catch (e) {
          json = null;
        }
        if (!response.ok || !json || json.ErrorCode) {
          throw new ApiError(response.status, json);
        }
        return json;
      });
    }, function () {
      throw new ApiError(0, null);
    });
  }

  // ---------------------------------------------------------------- errors in words a user understands

  function lockTime(body) {
    var until = body && body.Data && body.Data.LoginLockedTimeout;
    var when = until ? new Date(until) : null;
    if (!when || isNaN(when.getTime())) {
      return null;
    }
    var sameDay = when.toDateString() === new Date().toDateString();
    var time = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return sameDay ? time : when.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long' }) + ' at ' + time;
  }

  function words(error, context) {
    var body = error.body || {};
    switch (error.code) {
      case 0: return 'We cannot reach the server. Check your connection and try again.';
      case 966: return 'That e-mail address and password do not match. Check both and try again.';
      case 1236: return 'That PIN is not right. Please try again.';
      case 1241: return 'Your current PIN is not right.';
      case 1198: {
        var at = lockTime(body);
        return at
          ? 'Too many wrong attempts. For your safety the account is locked until ' + at + '. Try again then, or reset your PIN.'
          : 'Too many wrong attempts. For your safety the account is locked for a while.';
      }
      case 991: return 'This account is blocked. Please contact support to unblock it.';
      case 1132: return 'For your safety this login needs a robot check, which this page cannot show. Please reset your PIN by e-mail instead.';
      case 1218: return 'The robot check did not pass. Please try again.';
      case 1148: return 'For your safety this login needs the answers to your security questions. Please reset your PIN by e-mail instead.';
      case 1245:
      case 1246: return 'Your PIN session on this device has ended. Log in with your password to continue.';
      case 1239:
      case 1240: return 'That took too long. Please log in again.';
      case 1244: return 'PIN login is not available here. Log in with your password.';
      case 1234: return 'Please choose a PIN.';
      case 970: return 'Please verify your e-mail address first: open the link in the e-mail we sent you.';
      case 936: return 'An account with this e-mail address exists already. Log in, or reset your password if you forgot it.';
      case 1190: return 'New accounts cannot be created here right now.';
      case 1048:
      case 1049: return 'This page has expired. Please reload it and try again.';
      case 1063:
      case 974:
      case 975:
      case 979:
      case 1242: return context === 'verify'
        ? 'This verification link has expired or was used already. Log in to have a new one sent.'
        : 'This link has expired or was used already. Please ask for a new one.';
      case 1122:
      case 1123: return 'We have sent several e-mails already. Please wait an hour before asking again.';
      case 1248:
      case 1249:
      case 9248: return 'This page may not send links. Please contact support.';
      case 1134: {
        var detail = body.Errors && body.Errors[0] && body.Errors[0].ErrorMessage;
        return detail || body.Description || 'Please check what you entered.';
      }
      case 429: return 'Too many attempts from here. Please wait a minute and try again.';
      case 503: return 'The service is busy right now. Please try again in a moment.';
      default: return 'Something went wrong on our side. Please try again.';
    }
  }

  // ---------------------------------------------------------------- views

  function $(id) {
    return document.getElementById(id);
  }

  function say(text, isError) {
    var status = $('status');
    var alert = $('alert');
    status.hidden = true;
    alert.hidden = true;
    status.textContent = '';
    alert.textContent = '';
    if (text) {
      var box = isError ? alert : status;
      box.textContent = text;
      box.hidden = false;
    }
  }

  function show(name, message, isError) {
    var views = document.querySelectorAll('.view');
    for (var i = 0; i < views.length; i++) {
      views[i].hidden = views[i].id !== 'view-' + name;
    }
    currentView = name;
    say(message, isError);
    var heading = document.querySelector('#view-' + name + ' h1');
    if (heading) {
      heading.focus();
    }
  }

  function busy(form, on) {
    var buttons = form.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = on;
    }
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  function invalid(input, text) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    say(text, true);
    return false;
  }

  function clearInvalid(form) {
    var inputs = form.querySelectorAll('input');
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].removeAttribute('aria-invalid');
    }
  }

  function pinHint() {
    return (cfg.pinMin === cfg.pinMax ? cfg.pinMin : cfg.pinMin + ' to ' + cfg.pinMax) + (cfg.pinNumeric ? ' digits.' : ' letters or digits.');
  }

  function masked(email) {
    if (!email || email.indexOf('@') < 1) {
      return '';
    }
    var at = email.indexOf('@');
    return email.charAt(0) + '•••' + email.slice(at);
  }

  // ---------------------------------------------------------------- the remembered PIN session

  function rememberedSession() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(sessionKey) || 'null');
      if (kept && kept.token && (!kept.expires || new Date(kept.expires) > new Date())) {
        return kept;
      }
    } catch (e) {
      // Storage may be off (private mode): no remembered session then.
    }
    forgetSession();
    return null;
  }

  function rememberSession(answer) {
    if (!answer.session_token) {
      return;
    }
    var emails = answer.Profile && answer.Profile.Email;
    var email = emails && emails.length ? emails[0].Value : '';
    try {
      window.localStorage.setItem(sessionKey, JSON.stringify({ token: answer.session_token, expires: answer.session_expires_in || null, who: masked(email) }));
    } catch (e) {
      // Without storage the next visit logs in with the password again.
    }
  }

  function forgetSession() {
    try {
      window.localStorage.removeItem(sessionKey);
    } catch (e) {
      // Nothing kept.
    }
  }

  // ---------------------------------------------------------------- back to the application

  function returnToApp(token) {
    if (!cfg.returnUrl) {
      $('done-text').textContent = 'You can close this page now.';
      show('done');
      return Promise.resolve();
    }
    $('done-heading').textContent = 'Signed in';
    $('done-text').textContent = 'Taking you back to ' + (cfg.app || 'the application') + '…';
    show('done');
    return leave(token);
  }

  // The gateway checks the return_url against the tenant's allowed domains again and appends the token (if any).
  function leave(token) {
    return api('POST', '/hosted/v1/return', {}, { return_url: cfg.returnUrl, token: token || undefined }).then(function (answer) {
      window.location.replace(answer.Url);
    }, function (error) {
      show('login', words(error), true);
    });
  }

  function loggedIn(answer) {
    if (answer.PINAuthToken) {
      pending = { pinAuthToken: answer.PINAuthToken, accessToken: answer.access_token || null };
      $('setpin-skip').hidden = !pending.accessToken;
      show('setpin');
      return Promise.resolve();
    }
    if (!answer.access_token) {
      show('login', words({ code: 950 }), true);
      return Promise.resolve();
    }
    rememberSession(answer);
    return returnToApp(answer.access_token);
  }

  // ---------------------------------------------------------------- the flows

  function onSubmit(id, handler) {
    var form = $(id);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      clearInvalid(form);
      var work = handler(form);
      if (work && work.then) {
        busy(form, true);
        work.then(function () {
          busy(form, false);
        }, function (error) {
          busy(form, false);
          say(words(error, id), true);
        });
      }
    });
  }

  function value(id) {
    return $(id).value.trim();
  }

  function checkPin(input, confirm) {
    var pin = input.value;
    if (!pin) {
      return invalid(input, 'Please enter a PIN of ' + pinHint());
    }
    if (confirm && confirm.value !== pin) {
      return invalid(confirm, 'The two PINs are not the same. Please type them again.');
    }
    return true;
  }

  function linkPage() {
    return cfg.pageUrl || undefined;
  }

  onSubmit('form-login', function () {
    var email = value('login-email');
    var password = $('login-password').value;
    if (!email) {
      return invalid($('login-email'), 'Please enter your e-mail address.');
    }
    if (!password) {
      return invalid($('login-password'), 'Please enter your password.');
    }
    return api('POST', '/identity/v2/auth/login', {}, { email: email, password: password }).then(loggedIn, function (error) {
      $('login-password').value = '';
      throw error;
    });
  });

  onSubmit('form-pin', function () {
    var kept = rememberedSession();
    var input = $('pin-input');
    if (!kept) {
      show('login', words({ code: 1245 }), true);
      return null;
    }
    if (!checkPin(input)) {
      return null;
    }
    return api('POST', '/identity/v2/auth/login/pin', { session_token: kept.token }, { pin: input.value }).then(function (answer) {
      return returnToApp(answer.access_token);
    }, function (error) {
      input.value = '';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      if (error.code === 1245 || error.code === 1246) {
        forgetSession();
        show('login', words(error), true);
        return;
      }
      throw error;
    });
  });

  onSubmit('form-setpin', function () {
    var input = $('setpin-input');
    if (!checkPin(input, $('setpin-confirm'))) {
      return null;
    }
    if (!pending) {
      show('login', words({ code: 1239 }), true);
      return null;
    }
    return api('POST', '/identity/v2/auth/pin/set/pinauthtoken', { pinauthtoken: pending.pinAuthToken }, { PIN: input.value }).then(function (answer) {
      pending = null;
      return loggedIn(answer);
    });
  });

  $('setpin-skip').addEventListener('click', function () {
    if (pending && pending.accessToken) {
      var token = pending.accessToken;
      pending = null;
      returnToApp(token);
    }
  });

  onSubmit('form-register', function () {
    var email = value('register-email');
    var password = $('register-password').value;
    if (!email) {
      return invalid($('register-email'), 'Please enter your e-mail address.');
    }
    if (!password) {
      return invalid($('register-password'), 'Please choose a password of ' + cfg.passwordMin + ' to ' + cfg.passwordMax + ' characters.');
    }
    var body = { Email: [{ Type: 'Primary', Value: email }], Password: password };
    if (cfg.pinOnRegistration) {
      var pin = $('register-pin');
      if (pin.value) {
        body.PINInfo = { PIN: pin.value };
      } else if (cfg.pinRequired) {
        return invalid(pin, 'Please choose a PIN of ' + pinHint());
      }
    }
    var params = { verificationurl: linkPage() };
    return api('GET', '/hosted/v1/sott', {}).then(function (sott) {
      return api('POST', '/identity/v2/auth/register', params, body, { 'X-LoginRadius-Sott': sott.Sott });
    }).then(function (answer) {
      if (answer.Data) {
        return loggedIn(answer.Data);
      }
      $('sent-text').textContent = 'We have sent a link to ' + email + '. Open it to verify your e-mail address, then log in.';
      show('sent');
      return null;
    });
  });

  // Forgot password or PIN: the same form, another route and link parameter.
  function forgot(kind, path, linkParameter, emailKey, what) {
    onSubmit('form-forgot' + kind, function () {
      var email = value('forgot' + kind + '-email');
      if (!email) {
        return invalid($('forgot' + kind + '-email'), 'Please enter your e-mail address.');
      }
      var params = {};
      params[linkParameter] = linkPage();
      var body = {};
      body[emailKey] = email;
      return api('POST', path, params, body).then(function () {
        $('sent-text').textContent = 'If an account uses ' + email + ', we have sent it a link to choose a new ' + what + '.';
        show('sent');
      });
    });
  }

  forgot('password', '/identity/v2/auth/password', 'resetpasswordurl', 'email', 'password');
  forgot('pin', '/identity/v2/auth/pin/forgot/email', 'resetpinurl', 'Email', 'PIN');

  onSubmit('form-resetpassword', function () {
    var input = $('resetpassword-input');
    if (!input.value) {
      return invalid(input, 'Please choose a password of ' + cfg.passwordMin + ' to ' + cfg.passwordMax + ' characters.');
    }
    return api('PUT', '/identity/v2/auth/password/reset', {}, { ResetToken: query.get('vtoken'), Password: input.value }).then(function () {
      forgetSession();
      show('login', 'Your password is changed. Log in with your new password.');
    });
  });

  onSubmit('form-resetpin', function () {
    var input = $('resetpin-input');
    if (!checkPin(input, $('resetpin-confirm'))) {
      return null;
    }
    return api('PUT', '/identity/v2/auth/pin/reset/token', {}, { ResetToken: query.get('vtoken'), PIN: input.value }).then(function () {
      // A reset ends the account's PIN sessions: the next login is with the password, then the new PIN is asked for.
      forgetSession();
      show('login', 'Your PIN is changed. Log in with your password; next time your new PIN is enough.');
    });
  });

  function verifyEmail(token) {
    show('loading');
    return api('GET', '/identity/v2/auth/email', { verificationtoken: token }).then(function (answer) {
      if (answer.Data && (answer.Data.access_token || answer.Data.PINAuthToken)) {
        return loggedIn(answer.Data);
      }
      show('login', 'Your e-mail address is verified. Log in to continue.');
      return null;
    }, function (error) {
      show('login', words(error, 'verify'), true);
    });
  }

  function go(where) {
    switch (where) {
      case 'forget-session': {
        var kept = rememberedSession();
        forgetSession();
        if (kept) {
          // Ends the session on the server too; the answer does not matter to the user.
          api('GET', '/identity/v2/auth/session_token/invalidate', { session_token: kept.token }).then(null, function () { });
        }
        show('login');
        break;
      }
      case 'back':
        show(rememberedSession() && cfg.pinLogin ? 'pin' : 'login');
        break;
      case 'register':
        show(cfg.registration === 'off' ? 'login' : 'register');
        break;
      default:
        show(where);
    }
  }

  // ---------------------------------------------------------------- the PIN keypad

  function keypad(container) {
    var input = $(container.getAttribute('data-for'));
    var keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'delete'];
    keys.forEach(function (key) {
      var button = document.createElement('button');
      button.type = 'button';
      if (key === 'clear') {
        button.textContent = 'Clear';
        button.className = 'key-action';
        button.setAttribute('aria-label', 'Clear the PIN');
      } else if (key === 'delete') {
        button.textContent = '⌫';
        button.className = 'key-action';
        button.setAttribute('aria-label', 'Delete the last digit');
      } else {
        button.textContent = key;
      }
      button.addEventListener('click', function () {
        if (key === 'clear') {
          input.value = '';
        } else if (key === 'delete') {
          input.value = input.value.slice(0, -1);
        } else if (input.value.length < cfg.pinMax) {
          input.value += key;
        }
        input.removeAttribute('aria-invalid');
      });
      container.appendChild(button);
    });
  }

  // ---------------------------------------------------------------- start

  function start() {
    var pinInputs = document.querySelectorAll('input.pin');
    for (var i = 0; i < pinInputs.length; i++) {
      pinInputs[i].setAttribute('maxlength', String(cfg.pinMax));
      if (cfg.pinNumeric) {
        pinInputs[i].setAttribute('pattern', '[0-9]*');
      } else {
        pinInputs[i].setAttribute('inputmode', 'text');
      }
    }
    ['pin-hint', 'setpin-hint', 'register-pin-hint', 'resetpin-hint'].forEach(function (id) {
      $(id).textContent = pinHint();
    });
    ['register-password-hint', 'resetpassword-hint'].forEach(function (id) {
      $(id).textContent = cfg.passwordMin + ' to ' + cfg.passwordMax + ' characters.';
    });
    if (cfg.pinNumeric) {
      var pads = document.querySelectorAll('.keypad');
      for (var k = 0; k < pads.length; k++) {
        keypad(pads[k]);
      }
    }
    if (cfg.pinOnRegistration) {
      $('register-pin-field').hidden = false;
      if (cfg.pinRequired) {
        $('register-pin').required = true;
      }
    }
    if (cfg.registration === 'off') {
      var offers = document.querySelectorAll('[data-needs-registration]');
      for (var o = 0; o < offers.length; o++) {
        offers[o].hidden = true;
      }
    }
    document.addEventListener('click', function (event) {
      var link = event.target.closest ? event.target.closest('[data-go]') : null;
      if (link) {
        event.preventDefault();
        go(link.getAttribute('data-go'));
      }
    });

    var vtype = (query.get('vtype') || '').toLowerCase();
    var vtoken = query.get('vtoken');
    if (vtoken && window.history && window.history.replaceState) {
      // The link's secret leaves the address bar (and so the history) once read.
      var clean = new URLSearchParams(window.location.search);
      clean.delete('vtoken');
      clean.delete('vtype');
      window.history.replaceState(null, '', window.location.pathname + '?' + clean.toString());
    }
    if (vtoken && vtype === 'emailverification') {
      verifyEmail(vtoken);
      return;
    }
    if (vtoken && vtype === 'resetpin') {
      show('resetpin');
      return;
    }
    if (vtoken && vtype === 'reset') {
      show('resetpassword');
      return;
    }

    var kept = rememberedSession();
    if (kept) {
      $('pin-who').textContent = kept.who ? ', ' + kept.who : '';
    }
    switch (cfg.action) {
      case 'register':
        go('register');
        break;
      case 'forgotpassword':
        show('forgotpassword');
        break;
      case 'forgotpin':
        show('forgotpin');
        break;
      case 'resetpin':
        show('forgotpin', 'This link is not complete. Ask for a new one here.', true);
        break;
      case 'resetpassword':
        show('forgotpassword', 'This link is not complete. Ask for a new one here.', true);
        break;
      case 'logout':
        go('forget-session');
        if (cfg.returnUrl) {
          leave(null);
        }
        break;
      default:
        show(kept && cfg.pinLogin ? 'pin' : 'login');
    }
  }

  start();
}());
