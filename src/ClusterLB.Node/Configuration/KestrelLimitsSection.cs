using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using ClusterLB.Core.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterLB.Node.Configuration;

/// <summary>
/// The proxy listeners' server limits: ClusterLB's safe defaults, overridden by ASP.NET's own
/// <c>Kestrel:Limits</c> section. Kestrel binds endpoints and certificates from its section but not
/// the limits, so ClusterLB reads them here. Every value goes through Kestrel's own setters: one that
/// Kestrel refuses, or a key that is not a Kestrel limit, stops the node naming the key.
/// </summary>
public static partial class KestrelLimitsSection
{
    /// <summary>The configuration section, as in ASP.NET.</summary>
    public const string Name = "Kestrel:Limits";

    /// <summary>Connections a node holds open at once, idle ones included; more are closed at accept.</summary>
    public const long DefaultMaxConcurrentConnections = 20_000;

    /// <summary>Upgraded (WebSocket) connections a node holds open at once.</summary>
    public const long DefaultMaxConcurrentUpgradedConnections = 10_000;

    /// <summary>How long an idle connection is kept between requests.</summary>
    public static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a client may take to send a request's line and headers.</summary>
    public static readonly TimeSpan DefaultRequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Sets <paramref name="limits"/> to ClusterLB's defaults, then to every value the section sets.</summary>
    /// <exception cref="InvalidOperationException">The section has a value Kestrel refuses; <see cref="Check"/> names it.</exception>
    public static void Configure(IConfiguration configuration, KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(limits);
        ApplyDefaults(limits);
        var errors = new List<ValidationError>();
        Apply(configuration.GetSection(Name), limits, errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }
    }

    /// <summary>Every key of the section that is not a Kestrel limit or holds a value Kestrel refuses.</summary>
    public static IReadOnlyList<ValidationError> Check(IConfiguration configuration)
    {
        var errors = new List<ValidationError>();
        Apply(configuration.GetSection(Name), new KestrelServerLimits(), errors);
        return errors;
    }

    /// <summary>ClusterLB's defaults where they differ from Kestrel's; docs/configuration.md says why.</summary>
    private static void ApplyDefaults(KestrelServerLimits limits)
    {
        limits.MaxConcurrentConnections = DefaultMaxConcurrentConnections;
        limits.MaxConcurrentUpgradedConnections = DefaultMaxConcurrentUpgradedConnections;
        limits.KeepAliveTimeout = DefaultKeepAliveTimeout;
        limits.RequestHeadersTimeout = DefaultRequestHeadersTimeout;
    }

    // Walks the section against the limits object's properties (Http2 and Http3 are nested objects).
    private static void Apply(IConfigurationSection section, object target, List<ValidationError> errors)
    {
        foreach (var child in section.GetChildren())
        {
            var property = target.GetType().GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                var known = string.Join(", ", target.GetType().GetProperties().Select(p => p.Name));
                errors.Add(new ValidationError(child.Path, $"is not a Kestrel limit ({known})"));
            }
            else if (property.PropertyType == typeof(MinDataRate))
            {
                ApplyRate(child, property, target, errors);
            }
            else if (!property.CanWrite)
            {
                Apply(child, property.GetValue(target)!, errors);
            }
            else if (child.Value is null)
            {
                errors.Add(new ValidationError(child.Path, "is a single value, not a section"));
            }
            else if (TryConvert(child.Value, property.PropertyType, out var value))
            {
                Set(child.Path, () => property.SetValue(target, value), errors);
            }
            else
            {
                errors.Add(new ValidationError(child.Path, $"'{child.Value}' is not {Describe(property.PropertyType)}"));
            }
        }
    }

    // A minimum data rate is BytesPerSecond and GracePeriod; an empty value turns the check off.
    private static void ApplyRate(IConfigurationSection section, PropertyInfo property, object target, List<ValidationError> errors)
    {
        if (section.Value is not null)
        {
            if (section.Value.Length == 0)
            {
                property.SetValue(target, null);
            }
            else
            {
                errors.Add(new ValidationError(section.Path, "set BytesPerSecond and GracePeriod, or leave it empty to turn the check off"));
            }

            return;
        }

        var current = (MinDataRate?)property.GetValue(target) ?? new MinDataRate(240, TimeSpan.FromSeconds(5));
        var bytesPerSecond = current.BytesPerSecond;
        var gracePeriod = current.GracePeriod;
        foreach (var part in section.GetChildren())
        {
            var ok = part.Key.ToLowerInvariant() switch
            {
                "bytespersecond" => Read(part, ref bytesPerSecond, errors),
                "graceperiod" => Read(part, ref gracePeriod, errors),
                _ => Fail(errors, part.Path, "is not part of a minimum data rate (BytesPerSecond, GracePeriod)"),
            };
            if (!ok)
            {
                return;
            }
        }

        try
        {
            property.SetValue(target, new MinDataRate(bytesPerSecond, gracePeriod));
        }
        catch (ArgumentException e)
        {
            var part = e.ParamName == "gracePeriod" ? "GracePeriod" : "BytesPerSecond";
            errors.Add(new ValidationError($"{section.Path}:{part}", Words(e)));
        }
    }

    private static bool Read<T>(IConfigurationSection part, ref T value, List<ValidationError> errors)
    {
        if (part.Value is { Length: > 0 } text && TryConvert(text, typeof(T), out var converted))
        {
            value = (T)converted!;
            return true;
        }

        return Fail(errors, part.Path, $"'{part.Value}' is not {Describe(typeof(T))}");
    }

    private static bool Fail(List<ValidationError> errors, string path, string message)
    {
        errors.Add(new ValidationError(path, message));
        return false;
    }

    // Kestrel's setters and MinDataRate's constructor say what they accept; pass their words on.
    private static void Set(string path, Action set, List<ValidationError> errors)
    {
        try
        {
            set();
        }
        catch (Exception e) when (e is TargetInvocationException { InnerException: ArgumentException } or ArgumentException)
        {
            errors.Add(new ValidationError(path, Words(e.InnerException as ArgumentException ?? (ArgumentException)e)));
        }
    }

    private static string Words(ArgumentException refused) => ParameterSuffix().Replace(refused.Message, "").ReplaceLineEndings(" ").Trim();

    private static bool TryConvert(string text, Type type, out object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null && text.Length == 0)
        {
            value = null;
            return true;
        }

        try
        {
            value = TypeDescriptor.GetConverter(underlying ?? type).ConvertFromString(null, CultureInfo.InvariantCulture, text);
            return true;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            value = null;
            return false;
        }
    }

    private static string Describe(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(TimeSpan) => "a time span like 00:00:30",
        var t when t == typeof(double) => "a number",
        _ => Nullable.GetUnderlyingType(type) is null ? "a whole number" : "a whole number, or empty for no limit",
    };

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();
}
