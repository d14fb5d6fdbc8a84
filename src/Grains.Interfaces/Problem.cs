namespace PinOrleans;

/// <summary>A refused request: the error identity plus the details LoginRadius puts beside it.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.Problem")]
public sealed record Problem([property: Id(0)] ErrorCode Code)
{
    /// <summary>For a suspended account: when the lock ends (rendered as <c>Data.LoginLockedTimeout</c>).</summary>
    [Id(1)] public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>For <see cref="ErrorCode.ValidationFailed"/>: which fields failed and why.</summary>
    [Id(2)] public IReadOnlyList<FieldError>? Errors { get; init; }

    /// <summary>For <see cref="ErrorCode.ParameterNotFormatted"/>: the parameter at fault.</summary>
    [Id(3)] public string? Parameter { get; init; }

    public static Problem Validation(string field, string message) =>
        new(ErrorCode.ValidationFailed) { Errors = [new FieldError(field, message)] };

    public static Problem Locked(DateTimeOffset until) => new(ErrorCode.AccountSuspended) { LockedUntil = until };
}

/// <summary>One failed field of a validation error.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.FieldError")]
public sealed record FieldError([property: Id(0)] string FieldName, [property: Id(1)] string ErrorMessage);
