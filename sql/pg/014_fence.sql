-- 014_fence.sql (PostgreSQL) - the fence as one statement that fails (issue 14,
-- step 3).  A pipelined batch sends BEGIN, this check and its writes without
-- waiting for any answer, so the check must fail the transaction by itself
-- rather than return no row: a deposed pcod's batch is rolled back by the
-- server, and its COMMIT fails.  The row is held FOR KEY SHARE to the end of
-- the transaction, as the check it replaces did: a takeover (FOR UPDATE)
-- waits for the batch, renewals (no key changed) pass.  SQLSTATE PCF01 is
-- pcod's own: "fenced".  sql/014_fence.sql keeps SQLite's version in step.

CREATE FUNCTION pcod_fence(mine BIGINT) RETURNS INTEGER
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM lease WHERE id = 1 AND epoch = mine FOR KEY SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this pcod does not hold the receivers'' lease (epoch % was taken over): another pcod is active', mine
		    USING ERRCODE = 'PCF01';
	END IF;
	RETURN 1;
END
$$;
