namespace PinOrleans;

/// <summary>
/// A PIN, password, API secret or hash travelling between grains. It prints as <c>***</c>, so Orleans' message
/// logging (timeouts, unavailable silos) and record <c>ToString</c>s can never write it out.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.Sensitive")]
public readonly record struct Sensitive([property: Id(0)] string Value)
{
    public static implicit operator Sensitive(string value) => new(value ?? throw new ArgumentNullException(nameof(value)));

    public override string ToString() => "***";
}
