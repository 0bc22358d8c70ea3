-- The first schema: one table per record kind, each record as JSONB of the
-- same Go type the bbolt store writes, so a field added later needs no
-- migration. Columns beside it hold only what keys and order need. Keys
-- are COLLATE "C" so iteration follows byte order, as in bbolt.

-- ns is the region's namespace (state.Namespace), '' at the root.
CREATE TABLE scnetbot_instances (
	ns   text COLLATE "C" NOT NULL,
	id   text COLLATE "C" NOT NULL,
	data jsonb NOT NULL,
	PRIMARY KEY (ns, id)
);

-- Alerts are unique by id across regions; region is the namespace that
-- wrote the alert ('' in the one-region layout).
CREATE TABLE scnetbot_alerts (
	id     text COLLATE "C" PRIMARY KEY,
	region text COLLATE "C" NOT NULL,
	data   jsonb NOT NULL
);
CREATE INDEX scnetbot_alerts_region ON scnetbot_alerts (region);

-- The one outbox, in queue order (seq). The generated columns let Enqueue
-- find the queued updates of an alert without decoding every message, and
-- cannot drift from the record they are read from.
CREATE SEQUENCE scnetbot_outbox_seq;
CREATE TABLE scnetbot_outbox (
	seq      bigint PRIMARY KEY,
	kind     text GENERATED ALWAYS AS (data->>'kind') STORED,
	alert_id text GENERATED ALWAYS AS (data->>'alert') STORED,
	dead     boolean GENERATED ALWAYS AS (coalesce((data->>'dead')::boolean, false)) STORED,
	data     jsonb NOT NULL
);
CREATE INDEX scnetbot_outbox_updates ON scnetbot_outbox (alert_id) WHERE kind = 'update' AND NOT dead;

CREATE TABLE scnetbot_snoozes (
	ns   text COLLATE "C" NOT NULL,
	id   text COLLATE "C" NOT NULL,
	data jsonb NOT NULL,
	PRIMARY KEY (ns, id)
);

CREATE TABLE scnetbot_meta (
	ns   text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

-- Actions live at the root only (state.ErrRootOnly).
CREATE TABLE scnetbot_actions (
	id   text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

-- The lease's fencing epoch (package lease takes it; Postgres.Fenced checks
-- it in every fenced write). One row at most, inserted by the first leader.
CREATE TABLE scnetbot_lease (
	id       int PRIMARY KEY CHECK (id = 1),
	epoch    bigint NOT NULL,
	holder   text NOT NULL,
	taken_at timestamptz NOT NULL
);
