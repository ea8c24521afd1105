-- The city's first schema: the halls and their tokens, the city's admin tokens, the records each hall ships
-- (kept as the hall's latest state of each record, keyed by the hall's own id), and the daily rollups the
-- quarter's figures are read from.

CREATE TABLE halls (
    code         text PRIMARY KEY,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    -- the highest record sequence received: records at or below it are duplicates (the hall sends in order)
    last_seq     bigint NOT NULL DEFAULT 0,
    last_contact timestamptz,
    -- the hall's last heartbeat (waiting, longest wait, tidal windows, devices down) and its units' names
    live         jsonb,
    units        jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE city_tokens (
    id         serial PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    role       text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Every record table: (hall, id) is the hall's row, seq the record that last changed it (an older one never
-- overwrites a newer one). department '' where the hall names none, so rollup keys are never NULL.
CREATE TABLE tickets (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    number       text NOT NULL,
    service      text NOT NULL,
    department   text NOT NULL DEFAULT '',
    "window"     integer,
    status       text NOT NULL,
    priority     text,
    issued_at    timestamptz NOT NULL,
    called_at    timestamptz,
    finished_at  timestamptz,
    wait_min     double precision,
    skipped      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (hall, id)
);
CREATE INDEX tickets_hall_day ON tickets (hall, business_day);

CREATE TABLE reviews (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    ticket_id    bigint NOT NULL,
    business_day date NOT NULL,
    service      text,
    department   text NOT NULL DEFAULT '',
    "window"     integer,
    level        text NOT NULL,
    channel      text NOT NULL,
    invited      boolean NOT NULL DEFAULT false,
    voided       boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (hall, id)
);
CREATE INDEX reviews_hall_day ON reviews (hall, business_day);

CREATE TABLE rectifications (
    hall           text NOT NULL REFERENCES halls(code),
    id             bigint NOT NULL,
    seq            bigint NOT NULL,
    review_id      bigint NOT NULL,
    business_day   date NOT NULL,
    department     text NOT NULL DEFAULT '',
    "window"       integer,
    level          text NOT NULL,
    state          text NOT NULL,
    callback_due   timestamptz NOT NULL,
    called_back_at timestamptz,
    rectify_due    timestamptz NOT NULL,
    rectified_at   timestamptz,
    verdict        text,
    PRIMARY KEY (hall, id)
);
CREATE INDEX rectifications_day ON rectifications (business_day);

CREATE TABLE complaints (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    kind         text NOT NULL,
    department   text NOT NULL DEFAULT '',
    "window"     integer,
    state        text NOT NULL,
    due_at       timestamptz NOT NULL,
    resolved_at  timestamptz,
    PRIMARY KEY (hall, id)
);
CREATE INDEX complaints_day ON complaints (business_day);

CREATE TABLE practices (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    kind         text NOT NULL,
    department   text NOT NULL DEFAULT '',
    "window"     integer,
    count        integer NOT NULL DEFAULT 1,
    PRIMARY KEY (hall, id)
);
CREATE INDEX practices_day ON practices (business_day);

CREATE TABLE promised_cases (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    department   text NOT NULL DEFAULT '',
    "window"     integer,
    guide_name   text NOT NULL,
    state        text NOT NULL,
    accepted_at  timestamptz NOT NULL,
    deadline     timestamptz NOT NULL,
    issued_at    timestamptz,
    PRIMARY KEY (hall, id)
);
CREATE INDEX promised_cases_day ON promised_cases (business_day);

-- Daily rollups per hall and unit, rebuilt for each (hall, day) a batch touched, in the batch's transaction: a
-- quarter's figures add ~10 rows per hall and day instead of scanning millions of tickets.
CREATE TABLE daily_units (
    hall          text NOT NULL,
    business_day  date NOT NULL,
    department    text NOT NULL,
    tickets       integer NOT NULL,
    served        integer NOT NULL,
    no_shows      integer NOT NULL,
    called        integer NOT NULL,
    wait_sum      double precision NOT NULL,
    over_20       integer NOT NULL,
    reviews       integer NOT NULL,
    good          integer NOT NULL,
    bad           integer NOT NULL,
    rated_served  integer NOT NULL,
    active_rated  integer NOT NULL,
    PRIMARY KEY (business_day, hall, department)
);

-- Called tickets per whole minute of wait, per hall and day: the 90th percentile of any span from a few hundred
-- rows (to the minute).
CREATE TABLE daily_waits (
    hall         text NOT NULL,
    business_day date NOT NULL,
    minute       integer NOT NULL,
    n            integer NOT NULL,
    PRIMARY KEY (business_day, hall, minute)
);

-- The tickets still waiting, per day: the halls list counts them without reading a day's every ticket.
CREATE INDEX tickets_waiting ON tickets (business_day, hall) WHERE status = 'waiting';
