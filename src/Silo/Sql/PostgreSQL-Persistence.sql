-- PinOrleans: grain state for Microsoft.Orleans.Persistence.AdoNet on PostgreSQL (MIT, see README.md).
--
-- One row per live grain state. A grain is named by its service, its type (GrainTypeString) and its key: the two
-- 64-bit halves of a Guid or integer key (GrainIdN0, GrainIdN1) and a string key or key extension
-- (GrainIdExtensionString, NULL when there is none). GrainIdHash and GrainTypeHash are the provider's hashes of
-- key and type: equal hashes narrow a look-up to a handful of rows, the full name picks the row.
--
-- Version is the grain's ETag: 1 for a new row, one more on every write. A write names the version it read
-- (@GrainStateVersion, NULL for a grain without a row) and changes the row only when that is still the stored
-- version; otherwise it changes nothing and answers no version, and the provider raises
-- InconsistentStateException. Every query is one statement, so it is committed when it returns.

CREATE TABLE OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NULL,
    ServiceId              text        NOT NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),
    Version                integer     NOT NULL
);

-- At most one row per grain, whatever the length of its names (they are hashed into the index); the hashes lead so
-- that the same index serves every look-up. A NULL extension and an empty one stay apart.
CREATE UNIQUE INDEX OrleansStorage_Grain ON OrleansStorage
(
    GrainIdHash,
    GrainTypeHash,
    GrainIdN0,
    GrainIdN1,
    md5(length(ServiceId)::text || ':' || ServiceId || length(GrainTypeString)::text || ':' || GrainTypeString
        || COALESCE('+' || GrainIdExtensionString, '-'))
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- The state and its version; no row for a grain never written.
('ReadFromStorageKey', $query$
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND ServiceId = @ServiceId
$query$),

-- Insert (no version given, no row yet) or update (the version given is the stored one); the new version, or no row.
('WriteToStorageKey', $query$
WITH updated AS
(
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
    WHERE @GrainStateVersion IS NOT NULL AND Version = @GrainStateVersion
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId
    RETURNING Version
),
inserted AS
(
    INSERT INTO OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version)
    SELECT @GrainIdHash, @GrainTypeHash, @GrainIdN0, @GrainIdN1, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version FROM inserted
$query$),

-- Clearing without deleting (DeleteStateOnClear = false): the row stays, without state; the new version, or no row.
('ClearStorageKey', $query$
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE Version = @GrainStateVersion
  AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND ServiceId = @ServiceId
RETURNING Version AS NewGrainStateVersion
$query$);
