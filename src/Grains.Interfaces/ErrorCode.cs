namespace PinOrleans;

/// <summary>
/// The stable identity of every failure the domain can report. Values are the LoginRadius
/// error codes, so the gateway can render them without translation tables of its own.
/// </summary>
public enum ErrorCode
{
    None = 0,
    ApiKeyUnauthorized = 901,
    ApiSecretUnauthorized = 902,
    AccessTokenInvalid = 905,
    AccessTokenExpired = 906,
    ParameterNotFormatted = 908,
    EmailAlreadyRegistered = 936,
    UserDoesNotExist = 938,
    UnknownError = 950,
    PostBodyInvalid = 965,
    InvalidCredentials = 966,
    AccountBlocked = 991,
    UserNameAlreadyExists = 1017,
    PhoneAlreadyExists = 1058,
    AccessTokenMissing = 1060,
    PutBodyInvalid = 1079,
    ContentTypeNotSupported = 1083,
    ValidationFailed = 1134,
    AccountSuspended = 1198,
    UidNotValid = 1200,
    RefreshTokenInvalid = 1217,
    PinAuthenticationNotConfigured = 1233,
    PinRequired = 1234,
    PinNotAvailable = 1235,
    InvalidPin = 1236,
    PinAuthTokenInvalid = 1239,
    PinAuthTokenExpired = 1240,
    CurrentPinInvalid = 1241,
    PinLoginNotEnabled = 1244,
    SessionTokenInvalid = 1245,
    SessionTokenExpired = 1246,
    TrialPlanExpired = 6003,
}
