-- PinOrleans: cluster membership for Microsoft.Orleans.Clustering.AdoNet on PostgreSQL (MIT, see README.md).
--
-- One version row per cluster (DeploymentId is the cluster id) and one row per silo that ever joined it. The
-- version is the table's ETag, and every silo row carries it: inserting or updating a silo row names the version
-- read (@Version) and succeeds, adding one to it, only while that is still the cluster's version; otherwise it
-- changes nothing and answers false. The "I am alive" heartbeat changes the silo row alone.

CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT OrleansMembershipVersionTable_Cluster PRIMARY KEY (DeploymentId)
);

-- A silo is its address, port and generation (start time) within its cluster.
CREATE TABLE OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     text         NULL,
    HostName     text         NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NULL,
    SuspectTimes text         NULL,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    CONSTRAINT OrleansMembershipTable_Silo PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT OrleansMembershipTable_Cluster FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
);

-- Adds a silo row and moves the version on, both or neither: false when the version moved or the silo has a row.
-- The version row stays locked from the check to the commit, so two silos cannot both win on one version.
CREATE FUNCTION OrleansMembershipInsert
(
    cluster varchar, expected integer, silo_address varchar, silo_port integer, silo_generation integer,
    silo_name text, host_name text, silo_status integer, proxy_port integer, start_time timestamptz,
    alive_time timestamptz
) RETURNS boolean LANGUAGE plpgsql AS $function$
BEGIN
    PERFORM 1 FROM OrleansMembershipVersionTable
    WHERE DeploymentId = cluster AND Version = expected
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (cluster, silo_address, silo_port, silo_generation, silo_name, host_name, silo_status, proxy_port, start_time, alive_time)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now() WHERE DeploymentId = cluster;
    RETURN true;
END
$function$;

-- Changes a silo row's status, suspicions and heartbeat and moves the version on, both or neither.
CREATE FUNCTION OrleansMembershipUpdate
(
    cluster varchar, expected integer, silo_address varchar, silo_port integer, silo_generation integer,
    silo_status integer, suspect_times text, alive_time timestamptz
) RETURNS boolean LANGUAGE plpgsql AS $function$
BEGIN
    PERFORM 1 FROM OrleansMembershipVersionTable
    WHERE DeploymentId = cluster AND Version = expected
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = silo_status, SuspectTimes = suspect_times, IAmAliveTime = alive_time
    WHERE DeploymentId = cluster AND Address = silo_address AND Port = silo_port AND Generation = silo_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now() WHERE DeploymentId = cluster;
    RETURN true;
END
$function$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- The cluster's version row at version 0, when it has none; whether it was added.
('InsertMembershipVersionKey', $query$
WITH added AS
(
    INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM added)
$query$),

('InsertMembershipKey', $query$
SELECT OrleansMembershipInsert(@DeploymentId, @Version, @Address, @Port, @Generation, @SiloName, @HostName,
    @Status, @ProxyPort, @StartTime, @IAmAliveTime)
$query$),

('UpdateMembershipKey', $query$
SELECT OrleansMembershipUpdate(@DeploymentId, @Version, @Address, @Port, @Generation, @Status, @SuspectTimes,
    @IAmAliveTime)
$query$),

('UpdateIAmAlivetimeKey', $query$
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
$query$),

-- The version with one silo's row (its columns NULL when the silo has none); no row for an unknown cluster.
('MembershipReadRowKey', $query$
SELECT v.Version, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId
$query$),

-- The version with every silo's row, one result row per silo (one with NULL columns when there is none).
('MembershipReadAllKey', $query$
SELECT v.Version, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId
$query$),

-- Gateways of the cluster's silos in the given status (Active), for clients.
('GatewaysQueryKey', $query$
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0
$query$),

-- The whole cluster, version row and silo rows (through the foreign key).
('DeleteMembershipTableEntriesKey', $query$
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId
$query$),

-- Rows of silos dead (status 6) and silent since before @IAmAliveTime; the version does not move.
('CleanupDefunctSiloEntriesKey', $query$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = 6 AND IAmAliveTime < @IAmAliveTime
$query$);
