namespace PinOrleans;

/// <summary>
/// How long one grain-state operation may take, and when a silo stops sending operations to a store that keeps
/// failing (configuration section <c>Storage</c>).
/// </summary>
public sealed class StorageCircuitOptions
{
    public const string Section = "Storage";

    /// <summary>One read, write or clear that has not finished by then fails as storage unavailable (its outcome unknown).</summary>
    public double OperationTimeoutSeconds { get; set; } = 1.5;

    /// <summary>This many failures in a row open the circuit: operations fail at once, without waiting on storage.</summary>
    public int CircuitFailures { get; set; } = 3;

    /// <summary>How long the circuit stays open before one operation is let through to probe storage.</summary>
    public double CircuitOpenSeconds { get; set; } = 1;

    public TimeSpan OperationTimeout => TimeSpan.FromSeconds(OperationTimeoutSeconds);

    public TimeSpan OpenPeriod => TimeSpan.FromSeconds(CircuitOpenSeconds);

    public bool Valid => OperationTimeoutSeconds > 0 && CircuitFailures >= 1 && CircuitOpenSeconds > 0;
}

/// <summary>Where a silo's grain-state circuit stands.</summary>
public enum StorageCircuitState
{
    /// <summary>Operations go to storage.</summary>
    Closed,

    /// <summary>Storage failed repeatedly: operations are refused at once until the open period is over.</summary>
    Open,

    /// <summary>One operation is probing storage; the others are refused until it answers.</summary>
    HalfOpen,
}

/// <summary>
/// The circuit around one silo's grain-state store: after <see cref="StorageCircuitOptions.CircuitFailures"/>
/// failures in a row it opens, and requests that need storage are refused at once (503 with Retry-After) instead of
/// each waiting out the timeout; every <see cref="StorageCircuitOptions.CircuitOpenSeconds"/> one operation probes
/// storage, and the first that succeeds closes it again. A conflict (ETag) is storage answering, so it counts as a success.
/// </summary>
public sealed class StorageCircuit(StorageCircuitOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private long _answers;
    private long _openedAt;
    private StorageCircuitState _state;

    public StorageCircuitOptions Options => options;

    public TimeProvider Time => time;

    public StorageCircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>A store runs through this circuit (a host whose store does not, tests with fault injection, never opens it).</summary>
    public bool Guards { get; private set; }

    /// <summary>Called by the store it guards.</summary>
    public void Guard() => Guards = true;

    /// <summary>How many times storage has answered so far: a grain that fell back during an outage reloads once this has moved on.</summary>
    public long Answers => Interlocked.Read(ref _answers);

    /// <summary>True while operations would be refused without trying: open, and not yet time to probe.</summary>
    public bool Refuses
    {
        get
        {
            lock (_gate)
            {
                return _state == StorageCircuitState.HalfOpen || (_state == StorageCircuitState.Open && !ProbeDue());
            }
        }
    }

    /// <summary>Whether an operation may go to storage now; the one that is let through an open circuit is its probe.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            switch (_state)
            {
                case StorageCircuitState.Closed:
                    return true;
                case StorageCircuitState.Open when ProbeDue():
                    _state = StorageCircuitState.HalfOpen;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Storage answered: the circuit closes.</summary>
    public void Succeeded()
    {
        lock (_gate)
        {
            _failures = 0;
            _state = StorageCircuitState.Closed;
            _answers++;
        }
    }

    /// <summary>Storage failed or did not answer in time: a failed probe, or enough failures in a row, open the circuit.</summary>
    public void Failed()
    {
        lock (_gate)
        {
            _failures++;
            if (_state == StorageCircuitState.HalfOpen || _failures >= options.CircuitFailures)
            {
                _state = StorageCircuitState.Open;
                _openedAt = time.GetTimestamp();
            }
        }
    }

    private bool ProbeDue() => time.GetElapsedTime(_openedAt) >= options.OpenPeriod;
}
