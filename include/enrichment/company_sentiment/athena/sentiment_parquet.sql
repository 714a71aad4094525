-- The sentiment files written with output_format=parquet, as one Athena (Glue) table.
-- Replace the bucket and prefix in LOCATION and storage.location.template with yours
-- (the defaults: bucket fangsentiment, prefix sentiment/). Partition projection on `ds`
-- means no MSCK REPAIR or crawler: every date from the range start to today is a
-- partition, and a date without a file is simply empty. wikipedia_revision_timestamp, when
-- the revision a row describes was saved, is ISO 8601 UTC text: from_iso8601_timestamp()
-- reads it.
CREATE EXTERNAL TABLE IF NOT EXISTS company_sentiment (
  name              STRING,
  wikipedia_title   STRING,
  wikipedia_snippet STRING,
  sentiment         STRING,
  positive          DOUBLE,
  negative          DOUBLE,
  neutral           DOUBLE,
  mixed             DOUBLE,
  characters_sent   BIGINT,
  billed_units      BIGINT,
  sentiment_source  STRING,
  status            STRING,
  error             STRING,
  wikipedia_revision_id        BIGINT,
  wikipedia_revision_timestamp STRING
)
PARTITIONED BY (ds STRING)
STORED AS PARQUET
LOCATION 's3://fangsentiment/sentiment/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.ds.type' = 'date',
  'projection.ds.format' = 'yyyy-MM-dd',
  'projection.ds.range' = '2026-01-01,NOW',
  'projection.ds.interval' = '1',
  'projection.ds.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://fangsentiment/sentiment/ds=${ds}/'
);
