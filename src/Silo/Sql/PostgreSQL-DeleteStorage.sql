-- PinOrleans: clearing a grain state deletes its row (DeleteStateOnClear = true), so OrleansStorage holds live states
-- only (MIT, see README.md). Applied whenever OrleansQuery has no DeleteStorageKey: after PostgreSQL-Persistence.sql
-- on a new database, alone on a database set up before PinOrleans had it. Its columns are the ones every
-- OrleansStorage table of the persistence provider has.
--
-- The row goes only when the version given is still the stored one; the answer is then a version the grain never
-- held (the provider forgets the grain's ETag after a delete), otherwise no row (InconsistentStateException).

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('DeleteStorageKey', $query$
DELETE FROM OrleansStorage
WHERE Version = @GrainStateVersion
  AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND ServiceId = @ServiceId
RETURNING Version + 1 AS NewGrainStateVersion
$query$);
