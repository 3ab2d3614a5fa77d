using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Policies;

/// <summary>
/// Checks the rate-limit policies of a routing table: each field of each policy, by the policy's kind.
/// A route naming a policy that neither the table nor the node's ASP.NET services define is refused by
/// YARP's own check of the route (<c>Routes:{id}:RateLimiterPolicy</c>), since policies registered in
/// code are only known to the node.
/// </summary>
public static class RateLimitPolicyValidator
{
    /// <summary>The longest window or replenishment period: longer would keep idle keys in memory for too long.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(1);

    /// <summary>Most segments of a sliding window.</summary>
    public const int MaxSegments = 1000;

    /// <summary>Adds an error to <paramref name="errors"/> for every wrong field of the rate-limit policies of <paramref name="table"/>.</summary>
    public static void Validate(RoutingTable table, List<ValidationError> errors)
    {
        foreach (var (name, policy) in table.Policies.RateLimiting)
        {
            var at = $"Policies:RateLimiting:{name}";
            if (string.IsNullOrWhiteSpace(name) || name.Length > RoutingTableLimits.MaxIdLength)
            {
                errors.Add(new(at, $"a policy name must have 1 to {RoutingTableLimits.MaxIdLength} characters"));
            }

            if (policy is null)
            {
                errors.Add(new(at, "is empty"));
                continue;
            }

            Validate(errors, at, policy);
        }
    }

    private static void Validate(List<ValidationError> errors, string at, RateLimitPolicy policy)
    {
        if (policy.PermitLimit <= 0)
        {
            errors.Add(new($"{at}:PermitLimit", $"must be a positive number, got {policy.PermitLimit}"));
        }

        switch (policy.Kind)
        {
            case RateLimitKinds.TokenBucket:
                RequirePositive(errors, $"{at}:TokensPerPeriod", policy.TokensPerPeriod, policy.Kind);
                RequirePeriod(errors, $"{at}:ReplenishmentPeriod", policy.ReplenishmentPeriod, policy.Kind);
                break;
            case RateLimitKinds.FixedWindow:
                RequirePeriod(errors, $"{at}:Window", policy.Window, policy.Kind);
                break;
            case RateLimitKinds.SlidingWindow:
                RequirePeriod(errors, $"{at}:Window", policy.Window, policy.Kind);
                RequirePositive(errors, $"{at}:SegmentsPerWindow", policy.SegmentsPerWindow, policy.Kind);
                if (policy.SegmentsPerWindow > MaxSegments)
                {
                    errors.Add(new($"{at}:SegmentsPerWindow", $"at most {MaxSegments}, got {policy.SegmentsPerWindow}"));
                }

                break;
            case RateLimitKinds.Concurrency:
                break;
            case null or "":
                errors.Add(new($"{at}:Kind", $"is required: one of {string.Join(", ", RateLimitKinds.All)}"));
                break;
            default:
                errors.Add(new($"{at}:Kind", $"'{policy.Kind}' is not one of {string.Join(", ", RateLimitKinds.All)}"));
                break;
        }

        switch (policy.Key)
        {
            case null or RateLimitKeys.ClientIp:
                break;
            case RateLimitKeys.Header or RateLimitKeys.Claim when string.IsNullOrWhiteSpace(policy.KeyName):
                errors.Add(new($"{at}:KeyName", $"is required with Key '{policy.Key}': the name of the {policy.Key.ToLowerInvariant()} that holds the client key"));
                break;
            case RateLimitKeys.Header or RateLimitKeys.Claim when policy.KeyName!.Length > RoutingTableLimits.MaxKeyLength:
                errors.Add(new($"{at}:KeyName", $"at most {RoutingTableLimits.MaxKeyLength} characters"));
                break;
            case RateLimitKeys.Header or RateLimitKeys.Claim:
                break;
            default:
                errors.Add(new($"{at}:Key", $"'{policy.Key}' is not one of {string.Join(", ", RateLimitKeys.All)}"));
                break;
        }
    }

    private static void RequirePositive(List<ValidationError> errors, string field, int? value, string kind)
    {
        if (value is null)
        {
            errors.Add(new(field, $"is required for kind {kind}"));
        }
        else if (value <= 0)
        {
            errors.Add(new(field, $"must be a positive number, got {value}"));
        }
    }

    private static void RequirePeriod(List<ValidationError> errors, string field, TimeSpan? value, string kind)
    {
        if (value is null)
        {
            errors.Add(new(field, $"is required for kind {kind}, e.g. 00:00:01 for one second"));
        }
        else if (value <= TimeSpan.Zero || value > MaxPeriod)
        {
            errors.Add(new(field, $"must be longer than zero and at most {MaxPeriod}, got {value}"));
        }
    }
}
