-- What the halls record besides their queues, for the city's bulletin and drill-down: training sessions (the
-- units each covered), consultations at the 咨询导办 desk (the outcome only, never the question), questionnaire
-- answers (ratings and whether a single choice was a satisfied one, never a typed text), and the questionnaires'
-- definitions each hall's heartbeat carries. Then the city-wide units (全市统一单位) and each hall's units mapped
-- to them, for rankings across halls by the same bureau.

CREATE TABLE training_sessions (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    kind         text NOT NULL,
    units        text[] NOT NULL DEFAULT '{}',
    attendees    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (hall, id)
);
CREATE INDEX training_sessions_day ON training_sessions (business_day);

CREATE TABLE consultations (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    service      text NOT NULL,
    department   text NOT NULL DEFAULT '',
    outcome      text NOT NULL,
    to_window    integer,
    PRIMARY KEY (hall, id)
);
CREATE INDEX consultations_day ON consultations (business_day);

CREATE TABLE survey_answers (
    hall         text NOT NULL REFERENCES halls(code),
    id           bigint NOT NULL,
    seq          bigint NOT NULL,
    business_day date NOT NULL,
    survey       text NOT NULL,
    department   text NOT NULL DEFAULT '',
    "window"     integer,
    ratings      jsonb NOT NULL DEFAULT '{}',
    good         jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (hall, id)
);
CREATE INDEX survey_answers_day ON survey_answers (business_day);

-- each hall's questionnaires by code: title, thresholds, the questions' texts (from its heartbeat)
ALTER TABLE halls ADD COLUMN surveys jsonb NOT NULL DEFAULT '{}';

-- The city's own list of units, and which unit of which hall is which of them. Loaded whole from the city's
-- mapping file (govhall city unit load): a hall's unit with no row here is ranked nowhere city-wide and listed
-- as unmapped.
CREATE TABLE city_units (
    code text PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE unit_map (
    hall      text NOT NULL REFERENCES halls(code),
    unit      text NOT NULL,
    city_unit text NOT NULL REFERENCES city_units(code),
    PRIMARY KEY (hall, unit)
);
