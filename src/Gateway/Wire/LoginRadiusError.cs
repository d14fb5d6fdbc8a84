using System.Collections.Frozen;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// The one catalogue of errors the gateway can answer: LoginRadius code, HTTP status, message and description
/// (texts as LoginRadius publishes them). Domain codes come from <see cref="ErrorCode"/>; the few codes that only
/// the HTTP layer produces (404, 405, 413, 503) use their HTTP status as code, as the Node SDK does for 429.
/// </summary>
public sealed record LoginRadiusError(int Code, int Status, string Message, string Description)
{
    public static readonly LoginRadiusError RouteNotFound = new(404, 404, "The requested resource does not exist",
        "The API endpoint is not correct or your account does not have sufficient permissions to access this endpoint.");

    public static readonly LoginRadiusError MethodNotAllowed = new(405, 405, "Method not allowed",
        "Verify that you are accessing the API endpoint with the correct format (ie. Get or Post)");

    public static readonly LoginRadiusError PayloadTooLarge = new(413, 413, "The request body is too large",
        "The request body exceeds the size this API accepts, please send a smaller payload.");

    public static readonly LoginRadiusError UriTooLong = new(414, 414, "The request URL is too long",
        "The request URL (path and query) exceeds the length this API accepts, please send long values in the body.");

    public static readonly LoginRadiusError HeadersTooLarge = new(431, 431, "The request headers are too large",
        "The request headers exceed the size or number this API accepts, please send fewer or smaller headers.");

    /// <summary>Over a rate limit: the error the Node SDK itself reports for HTTP 429.</summary>
    public static readonly LoginRadiusError TooManyRequests = new(429, 429, "Too many requests in a particular time frame",
        "Too many requests in a particular time frame");

    public static readonly LoginRadiusError ServiceUnavailable = new(503, 503, "Service temporarily unavailable",
        "The service could not reach its cluster in time, please retry the request in a moment.");

    /// <summary>
    /// The silo's hashing queue had no room for this login, or could not start it in time: nothing was checked or
    /// counted, so the request may simply be repeated (never an "invalid password" or "invalid PIN").
    /// </summary>
    public static readonly LoginRadiusError HashingBusy = new(503, 503, "Service temporarily unavailable",
        "The service is busy checking other credentials and did not check these, please retry the request in a moment.");

    /// <summary>The bot-protection provider did not answer (or answered garbage) and the tenant fails closed.</summary>
    public static readonly LoginRadiusError CaptchaUnavailable = new(503, 503, "The captcha could not be verified",
        "The bot-protection provider could not be reached to verify the captcha answer, please retry the request in a moment.");

    private static readonly FrozenDictionary<ErrorCode, LoginRadiusError> Catalogue = new Dictionary<ErrorCode, LoginRadiusError>
    {
        [ErrorCode.ApiKeyUnauthorized] = new(901, 403, "The API key is unauthorized", "The provided LoginRadius API key is invalid or is not authorized, please use a valid or authorized LoginRadius API key or check the API key for your LoginRadius account."),
        [ErrorCode.ApiSecretUnauthorized] = new(902, 401, "The API secret is unauthorized", "The provided LoginRadius API secret is invalid or is not authorized, please use a valid or authorized LoginRadius API secret or check the API secret for your LoginRadius account."),
        [ErrorCode.AccessTokenInvalid] = new(905, 403, "Access token is invalid", "The LoginRadius access token is invalid, please use the correct or valid access token in order to process this request."),
        [ErrorCode.AccessTokenExpired] = new(906, 403, "Access token has expired", "The LoginRadius access token has expired, please request a new token from LoginRadius API."),
        [ErrorCode.AccessTokenMissing] = new(1060, 400, "Access token is missing", "This request is missing the access token, please use the valid access token parameter in order to process this request."),
        [ErrorCode.UidNotValid] = new(1200, 403, "Uid is not valid", "The uid is not valid, The uid can contains alphabets, digits, underscore and dash only and length must be between 1 to 50."),
        [ErrorCode.RefreshTokenInvalid] = new(1217, 403, "Refresh token invalid", "LoginRadius refresh token is invalid."),
        [ErrorCode.EndpointNotPermitted] = new(909, 403, "Your LoginRadius site does not have permission to access this endpoint", "Your LoginRadius site does not have permission to access this endpoint, please contact LoginRadius support for more information."),
        [ErrorCode.ParameterNotFormatted] = new(908, 403, "A parameter is not formatted correctly", "A parameter is not formatted correctly in the request, please check all the parameters in the API call."),
        [ErrorCode.EndpointNotPermitted] = new(909, 403, "Your LoginRadius site does not have permission to access this endpoint", "Your LoginRadius site does not have permission to access this endpoint, please contact LoginRadius support for more information."),
        [ErrorCode.UidTaken] = new(937, 403, "User ID is invalid", "The user ID is invalid, please use a valid user ID in order to process this request."),
        [ErrorCode.LastEmailAddress] = new(1005, 403, "User account should have at least one email address", "This email address cannot be deleted as this is the only email address in your Profile, please add an additional email address in order to remove this."),
        [ErrorCode.NoEmailToInvalidate] = new(1113, 403, "The profile cannot be enforced to invalidate the email verification.", "The request could not be processed, there is no email profile associated with this UID, thus the email verification cannot be enforced."),
        [ErrorCode.EmailAlreadyUnverified] = new(1115, 403, "The profile cannot be enforced to invalidate the email verification.", "The request could not be processed, email already unverified associated with UID thus can not enforce email verification."),
        [ErrorCode.NoPhoneToInvalidate] = new(1147, 403, "The profile cannot be enforced to invalidate the phone verification.", "The request could not be processed, there is no phone profile associated with UID, so the phone verification cannot be enforced."),
        [ErrorCode.PhoneAlreadyUnverified] = new(1161, 403, "This phone number is already unverified", "This phone number is unverified, cannot invalidate."),
        [ErrorCode.EmailAlreadyOnAccount] = new(1174, 403, "Email update is not allowed", "Update email is not allowed as email already exists in this account"),
        [ErrorCode.NoVerifiedEmail] = new(1177, 403, "Cannot add the email address", "Profile does not have any verified email, this request cannot proceed."),
        [ErrorCode.EmailTypeRequired] = new(1201, 400, "Email type is required", "The request couldn't be processed, the email type must be specified in the address."),
        [ErrorCode.OnlyOnePrimaryEmail] = new(1203, 400, "Primary email address can be only one", "The primary email address can be only one."),
        [ErrorCode.EmailAlreadyRegistered] = new(936, 403, "Email address is already registered with your LoginRadius site", "The email address has to be unique for your LoginRadius site, please use a different email address."),
        [ErrorCode.UserDoesNotExist] = new(938, 403, "User does not exist", "The user's account does not exist, please use a valid user or create the user before processing this request."),
        [ErrorCode.UnknownError] = new(950, 500, "Operation failed due to an unknown error", "An unknown error has occurred, please try again in a few minutes or contact your system admin."),
        [ErrorCode.PostBodyInvalid] = new(965, 400, "The post body is invalid", "Please use a valid post body and make sure that it is in a valid JSON format."),
        [ErrorCode.InvalidCredentials] = new(966, 401, "Invalid user ID and/or password", "Please use a valid user ID and password combination."),
        [ErrorCode.EmailNotVerified] = new(970, 403, "Email is not verified", "This email has not yet been verified, please click the link in your email to confirm your email address."),
        [ErrorCode.VerificationLinkUsed] = new(974, 403, "The email verification link has already been used", "Each link can only be used once, you can log in now if you have already verified the email, OR use the ‘forgot password’ option."),
        [ErrorCode.EmailAlreadyVerified] = new(1025, 403, "This email address is already verified", "This email address has already been confirmed, so you cannot resend the verification email."),
        [ErrorCode.PhoneNotVerified] = new(1066, 403, "Phone number is not verified", "The provided phone number is not verified, please use a verified phone number for login."),
        [ErrorCode.PhoneAlreadyVerified] = new(1073, 403, "This phone number has already been confirmed", "This phone number has already been confirmed, so you cannot resend the verification OTP"),
        [ErrorCode.RegistrationDisabled] = new(1190, 403, "Registration disabled", "User registration is disabled for your LoginRadius site."),
        [ErrorCode.VerificationUrlInvalid] = new(1249, 403, "The VerificationUrl URL is invalid", "The VerificationUrl is invalid, please reach out to LoginRadius support for more information."),
        [ErrorCode.CurrentPasswordInvalid] = new(967, 401, "Current password is invalid", "Your current password is invalid, please use the correct password."),
        [ErrorCode.AccountBlocked] = new(991, 403, "Your account is blocked", "Your account has been blocked by the system admin, please contact the admin for more information."),
        [ErrorCode.UserNameAlreadyExists] = new(1017, 403, "This username is already registered with this website", "The username you have selected is already in use, please choose a different username."),
        [ErrorCode.PhoneAlreadyExists] = new(1058, 403, "Phone number is already registered with your LoginRadius site", "The phone number has to be unique for your LoginRadius site, please use a different phone number."),
        [ErrorCode.PutBodyInvalid] = new(1079, 400, "Put body is invalid", "Please use a valid put body and make sure that it is in a valid JSON format."),
        [ErrorCode.ContentTypeNotSupported] = new(1083, 415, "This content type header is not supported", "Please use a valid content type header, either application/JSON or application/x-www-form-urlencoded."),
        [ErrorCode.CaptchaRequired] = new(1132, 403, "Account is locked, please login with a valid reCAPTCHA", "Your account is locked or this request needs bot protection, please pass a valid captcha answer (g-recaptcha-response, h-captcha-response, or qq_captcha_ticket and qq_captcha_randstr)."),
        [ErrorCode.SecurityAnswerRequired] = new(1148, 403, "Account is locked, please answer the security question", "Your account is locked, please pass the answer to your security question (securityanswer) in order to log in."),
        [ErrorCode.RequestSignatureMissing] = new(1207, 400, "API signature is missing", "The request is missing the API signature, please use a valid API signature parameter in order to process this request."),
        [ErrorCode.RequestSignatureInvalid] = new(1208, 403, "API signature is invalid", "The API signature is invalid, please use a valid API signature parameter in order to process this request."),
        [ErrorCode.RequestExpiryMissing] = new(1210, 400, "Request expiry time is missing", "The request is missing the request expiry time, please use a valid request expiry time parameter in order to process this request."),
        [ErrorCode.RequestExpiryMalformed] = new(1211, 400, "The request expiry time has an invalid format", "The request expiry time has an invalid format, please use a valid date-time format."),
        [ErrorCode.RequestExpiryInvalid] = new(1212, 403, "The request expiry time is invalid", "The request expiry time is invalid, please use a valid request expiry time in order to process this request."),
        [ErrorCode.CaptchaInvalid] = new(1218, 403, "CAPTCHA is invalid", "The captcha answer is invalid, expired or already used, please solve a new captcha."),
        [ErrorCode.AccountAlreadyUnlocked] = new(1221, 403, "Account is already unlocked", "The account is not locked, there is nothing to unlock."),
        [ErrorCode.WebhookLimitReached] = new(1085, 403, "Number of Webhook subscriptions exceed to limit", "Number of Webhook subscriptions must be less than or equal to 5, unsubscribe other and try again."),
        [ErrorCode.WebhookEventInvalid] = new(1086, 403, "Event parameter is invalid", "The event parameter is invalid, please enter a valid event."),
        [ErrorCode.WebhookTargetInvalid] = new(1087, 403, "Webhook target URL is invalid", "The provided Webhook target URL is invalid, please enter a valid web URL."),
        [ErrorCode.WebhookAlreadySubscribed] = new(1110, 403, "Webhook target URL is already subscribed", "The provided Webhook target URL is already subscribed, please enter a unique web URL."),
        [ErrorCode.WebhookNotSubscribed] = new(1112, 403, "Webhook target URL is not subscribed", "The provided Webhook target URL is not subscribed, it must be subscribed before unsubscribe."),
        [ErrorCode.DeleteTokenInvalid] = new(1119, 403, "The LoginRadius DeleteToken is invalid", "The LoginRadius DeleteToken is invalid, please use the correct or valid DeleteToken in order to process this request."),
        [ErrorCode.ValidationFailed] = new(1134, 403, "Validation failed for one or more fields", "Validation failed for one or more fields, please check the errors field for more information."),
        [ErrorCode.AccountSuspended] = new(1198, 403, "Your account has been locked", "Your account has been locked, please try again after sometime."),
        [ErrorCode.PinAuthenticationNotConfigured] = new(1233, 403, "PIN Authentication is not configured.", "PIN Authentication is not configured, please reach out to LoginRadius support for more information"),
        [ErrorCode.PinRequired] = new(1234, 403, "PIN is required", "The PIN is a required field. Please provide a valid PIN"),
        [ErrorCode.PinNotAvailable] = new(1235, 403, "PIN is not available", "The PIN is not available in the profile, please add PIN in the profile in order to process this request."),
        [ErrorCode.InvalidPin] = new(1236, 401, "Invalid PIN", "Please use a valid PIN for the Authentication"),
        [ErrorCode.PinAuthTokenInvalid] = new(1239, 403, "PINAuth token is invalid", "PINAuth token is invalid, please use the correct or valid PINAuth token in order to process this request."),
        [ErrorCode.PinAuthTokenExpired] = new(1240, 403, "PINAuth token has expired", "The LoginRadius PINAuth token expired, please request a new PINAuth token from LoginRadius API."),
        [ErrorCode.CurrentPinInvalid] = new(1241, 401, "Current pin is invalid", "Your current pin is invalid, please use the correct pin."),
        [ErrorCode.PinLoginNotEnabled] = new(1244, 403, "PIN Login is not enabled", "PIN Login is not enabled."),
        [ErrorCode.SessionTokenInvalid] = new(1245, 403, "Session token is invalid", "PIN authentication session token is invalid, please use valid PIN authentication session token."),
        [ErrorCode.SessionTokenExpired] = new(1246, 403, "Session token has expired", "The LoginRadius PIN authentication session token expired, please request a new PIN authentication session token from LoginRadius API."),
        [ErrorCode.UserNameDoesNotExist] = new(1022, 403, "Username does not exist", "The provided username does not exist, please enter a valid username."),
        [ErrorCode.EmailDoesNotExist] = new(1023, 403, "Email address does not exist", "The provided email address does not exist, please use a valid email address."),
        [ErrorCode.SottRequired] = new(1048, 400, "Secured one-time token (SOTT) is required", "Secured one-time token (SOTT) is required, please use a valid secure one-time token (SOTT) in order to process this request."),
        [ErrorCode.SottInvalid] = new(1049, 403, "Secured one-time token (SOTT) is invalid", "Secured one-time token (SOTT) is invalid, please use a valid secure one-time token (SOTT) in order to process this request."),
        [ErrorCode.PhoneDoesNotExist] = new(1043, 403, "Phone number is invalid or does not exist", "The provided phone number is invalid or does not exist, please use a valid phone number in order to process this request."),
        [ErrorCode.VerificationTokenInvalid] = new(1063, 403, "Verification token (vtoken) is invalid", "The LoginRadius verification token is invalid, please use a valid verification token in order to process this request."),
        [ErrorCode.OtpInvalid] = new(1067, 403, "Invalid OTP Code", "The OTP code is invalid, please request for a new OTP."),
        [ErrorCode.OtpAlreadyUsed] = new(1068, 403, "The OTP has already been used", "Each OTP can only be used once, you can now login if you have already verified the phone number."),
        [ErrorCode.OtpExpired] = new(1069, 403, "Verification OTP has expired", "This verification OTP has expired, please use ‘resend OTP’ option to verify your phone number."),
        [ErrorCode.SmsNotConfigured] = new(1071, 403, "The SMS configuration does not exist", "The SMS configuration does not exist, please configure SMS settings."),
        [ErrorCode.MessageSendFailed] = new(1072, 403, "The Verification code (OTP) send failed", "The Verification OTP Code sending failed, please try again."),
        [ErrorCode.PasswordResetLinkUsed] = new(974, 403, "The email verification link has already been used", "Each link can only be used once, you can log in now if you have already verified the email, OR use the ‘forgot password’ option."),
        [ErrorCode.LinkExpired] = new(975, 403, "Your verification link has expired", "This verification link has expired, please request for new verification link."),
        [ErrorCode.LinkUnavailable] = new(979, 403, "The link cannot be accessed", "The link is either expired or has already been used, please request a new link."),
        [ErrorCode.SecurityAnswerNotSaved] = new(1092, 403, "Security question and answer is not saved in profile", "This security question and answer is not saved in your profile, please update the security question and answer in profile."),
        [ErrorCode.SecurityAnswerIncorrect] = new(1093, 403, "Your security answer is incorrect", "Your security answer is incorrect, please enter the correct security answer."),
        [ErrorCode.SecurityQuestionOrAnswerIncorrect] = new(1094, 403, "Your security answer or question is incorrect", "Your security question or answer is incorrect, please enter the correct security question or answer."),
        [ErrorCode.SecurityQuestionsDisabled] = new(1095, 403, "Security question or answer is not enabled", "The security question or answer is not enabled, please enable security question or answer."),
        [ErrorCode.EmailLimitReached] = new(1122, 403, "You have reached a limit for sending emails", "The account limit for email requests for this resource has been reached for this time due to too many request."),
        [ErrorCode.SmsLimitReached] = new(1123, 403, "You have reached a limit for sending SMS", "The account limit for SMS requests for this resource has been reached for this time due to too many request."),
        [ErrorCode.VerificationOtpInvalid] = new(1185, 403, "Verification OTP is invalid", "The LoginRadius verification OTP is invalid, please use a valid verification OTP in order to process this request."),
        [ErrorCode.EmailOtpAlreadyUsed] = new(1186, 403, "The email verification OTP has already been used", "Each OTP can only be used once, you can log in now if you have already verified the email, OR use the ‘forgot password’ option."),
        [ErrorCode.EmailOtpExpired] = new(1187, 403, "Email verification OTP has expired", "This email verification OTP has expired, please use the ‘forgot password’ option to verify your email."),
        [ErrorCode.PinResetLinkUsed] = new(1242, 403, "The email verification link has already been used", "Each link can only be used once, you can log in now if you have already verified the email, OR use the ‘forgot pin’ option."),
        [ErrorCode.ResetPinUrlInvalid] = new(1248, 403, "The reset pin URL is invalid", "The reset pin Url is invalid, please reach out to LoginRadius support for more information."),
        [ErrorCode.MinimumSecurityAnswersMissing] = new(1260, 403, "Minimum required security questions answers not provided", "Minimum required security questions answers not provided, please provide minimum required security question answers for login."),
        [ErrorCode.VoiceOtpNotConfigured] = new(1281, 403, "Voice OTP has not been configured", "The Voice OTP has not been configured, please configure it."),
        // PinOrleans' own code (not in LoginRadius' catalogue), worded like 1248.
        [ErrorCode.ResetPasswordUrlInvalid] = new(9248, 403, "The reset password URL is invalid", "The reset password Url is invalid or not on the allowed domains, please use the tenant's reset password page or a page on its allowed domains."),
        [ErrorCode.TrialPlanExpired] = new(6003, 403, "Trial plan expired", "Your trial plan has expired, please upgrade your plan to continue using this API."),
    }.ToFrozenDictionary();

    public static LoginRadiusError For(ErrorCode code) =>
        Catalogue.TryGetValue(code, out var error) ? error : Catalogue[ErrorCode.UnknownError];

    /// <summary>908 naming the parameter, in LoginRadius' words ("The apikey is a required parameter.").</summary>
    public static LoginRadiusError MissingParameter(string name) =>
        For(ErrorCode.ParameterNotFormatted) with { Description = $"The {name} is a required parameter." };

    /// <summary>
    /// A SOTT refused: 1048 when there is none, else 1049 (LoginRadius has one code for every way a SOTT is not live:
    /// malformed, tampered, another secret's or API key's, expired, not yet valid). A tenant whose secret predates
    /// its sealing gets 1049 saying to rotate the secret.
    /// </summary>
    public static LoginRadiusError Sott(Tenants.SottRefusal refusal) => refusal switch
    {
        Tenants.SottRefusal.Missing => For(ErrorCode.SottRequired),
        Tenants.SottRefusal.SecretNotHeld => For(ErrorCode.SottInvalid) with
        {
            Description = "Secured one-time token (SOTT) cannot be checked: this API secret was set before SOTT support, please rotate the API secret.",
        },
        _ => For(ErrorCode.SottInvalid),
    };

    /// <summary>908 for a parameter that is present but unusable.</summary>
    public static LoginRadiusError MalformedParameter(string name) =>
        For(ErrorCode.ParameterNotFormatted) with { Description = $"The {name} parameter is not formatted correctly." };
}
