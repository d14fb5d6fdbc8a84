-- PinOrleans: the query table of Orleans' ADO.NET providers on PostgreSQL (MIT, see README.md).
--
-- Each provider reads every row of this table at start-up ("SELECT QueryKey, QueryText FROM OrleansQuery") and
-- runs the text under a key with named parameters (@DeploymentId, @GrainIdHash...). The other scripts add their
-- provider's keys. Identifiers are unquoted, so PostgreSQL keeps them in lower case.

CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
