-- The guards `provenance db roles` installs in a PostgreSQL ledger, after its grants
-- (provenance/store/roles.py fills in the names in braces; each statement ends with a
-- semicolon at the end of a line followed by a blank line).

-- Who may do what the daemon's role may not: members of the approver role, and the owner
-- of the ledger's tables (who ran `provenance init`, and upgrades the schema).
CREATE OR REPLACE FUNCTION {schema}.provenance_trusted(rel regclass) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(current_user, {approver_name}, 'MEMBER')
      OR pg_has_role(current_user, c.relowner, 'MEMBER')
  FROM pg_class c WHERE c.oid = rel
$$;

-- The event log is append-only, for every user: an UPDATE, DELETE or TRUNCATE is refused.
CREATE OR REPLACE FUNCTION {schema}.provenance_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the event log is append-only: % on events refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS provenance_events_append_only ON events;

CREATE TRIGGER provenance_events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION {schema}.provenance_events_append_only();

DROP TRIGGER IF EXISTS provenance_events_no_truncate ON events;

CREATE TRIGGER provenance_events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION {schema}.provenance_events_append_only();

-- An event's actor is the connected user and its time the transaction's start, as the
-- server knows them (the chain hashes both, so the writer reads them from the server:
-- provenance/store/writer.py, server_stamp). Only the events of recording what is seen
-- (detected, seen, audited, expired...) are open to the daemon's role: the lifecycle's
-- (an approval, a revocation, a quarantine...) and any new kind are the approver's.
CREATE OR REPLACE FUNCTION {schema}.provenance_events_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.actor IS DISTINCT FROM current_user::text THEN
    RAISE EXCEPTION 'event % names actor %, but the connected user is %',
      NEW.seq, NEW.actor, current_user USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.at IS DISTINCT FROM to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') THEN
    RAISE EXCEPTION 'event % is stamped %, not the server''s time', NEW.seq, NEW.at
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT NEW.type = ANY({daemon_events}) AND NOT {schema}.provenance_trusted(TG_RELID) THEN
    RAISE EXCEPTION 'user % may not record % events', current_user, NEW.type
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS provenance_events_stamp ON events;

CREATE TRIGGER provenance_events_stamp BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION {schema}.provenance_events_stamp();

-- The daemon's role records new assets as ingest does (no status, or temporary), and may
-- change a status only as expiry does (temporary or approved to temporary or expired):
-- never to approved, replaced, quarantined or deleted. It fills an asset's media identity
-- only where the row has none (an `identified` event, provenance/store/identify.py): an
-- identity once recorded is never changed, and a reel or MobID edited would send a cut to
-- other media.
CREATE OR REPLACE FUNCTION {schema}.provenance_assets_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF {schema}.provenance_trusted(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' AND (COALESCE(NEW.status, 'temporary') <> 'temporary'
                           OR NEW.replaced_by IS NOT NULL) THEN
    RAISE EXCEPTION 'user % may not record asset % as %', current_user, NEW.sha256, NEW.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status
     AND NOT (OLD.status IN ('temporary', 'approved') AND NEW.status IN ('temporary', 'expired'))
  THEN
    RAISE EXCEPTION 'user % may not change the status of asset % from % to %',
      current_user, OLD.sha256, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' AND ROW(NEW.timecode, NEW.tc_rate, NEW.tc_start, NEW.tc_length, NEW.reel,
                              NEW.umid)
     IS DISTINCT FROM ROW(OLD.timecode, OLD.tc_rate, OLD.tc_start, OLD.tc_length, OLD.reel,
                          OLD.umid)
     AND NOT (OLD.timecode IS NULL AND OLD.tc_rate IS NULL AND OLD.tc_start IS NULL
              AND OLD.tc_length IS NULL AND OLD.reel IS NULL AND OLD.umid IS NULL)
  THEN
    RAISE EXCEPTION 'user % may not change the media identity of asset %', current_user,
      OLD.sha256 USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS provenance_assets_status_guard ON assets;

CREATE TRIGGER provenance_assets_status_guard BEFORE INSERT OR UPDATE ON assets
  FOR EACH ROW EXECUTE FUNCTION {schema}.provenance_assets_status_guard();

-- An approval is recorded, and revoked, by the connected user and by no one else's name.
-- The tables' owner is not bound by these policies (PostgreSQL's default).
ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS provenance_approvals_read ON approvals;

CREATE POLICY provenance_approvals_read ON approvals FOR SELECT USING (true);

DROP POLICY IF EXISTS provenance_approvals_record ON approvals;

CREATE POLICY provenance_approvals_record ON approvals FOR INSERT
  WITH CHECK (recorded_by = current_user);

DROP POLICY IF EXISTS provenance_approvals_revoke ON approvals;

CREATE POLICY provenance_approvals_revoke ON approvals FOR UPDATE
  USING (revoked_at IS NULL) WITH CHECK (revoked_by = current_user);
