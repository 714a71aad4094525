-- The sentiment files written with output_format=csv (the default), as one Athena (Glue)
-- table and a typed view over it. Replace the bucket and prefix in LOCATION and
-- storage.location.template with yours (the defaults: bucket fangsentiment, prefix
-- sentiment/). Partition projection on `ds`: no MSCK REPAIR or crawler needed.
--
-- Athena's OpenCSVSerDe (the one that understands quoted fields, which snippets need)
-- cannot read an empty field as a number, and a row without sentiment has empty
-- scores; so the table declares every column STRING and the view turns the numbers
-- into numbers, empty into NULL. Query the view.
CREATE EXTERNAL TABLE IF NOT EXISTS company_sentiment_csv (
  name              STRING,
  wikipedia_title   STRING,
  wikipedia_snippet STRING,
  sentiment         STRING,
  positive          STRING,
  negative          STRING,
  neutral           STRING,
  mixed             STRING,
  characters_sent   STRING,
  billed_units      STRING,
  sentiment_source  STRING,
  status            STRING,
  error             STRING,
  wikipedia_revision_id        STRING,
  wikipedia_revision_timestamp STRING
)
PARTITIONED BY (ds STRING)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '\\')
STORED AS TEXTFILE
LOCATION 's3://fangsentiment/sentiment/'
TBLPROPERTIES (
  'skip.header.line.count' = '1',
  'projection.enabled' = 'true',
  'projection.ds.type' = 'date',
  'projection.ds.format' = 'yyyy-MM-dd',
  'projection.ds.range' = '2026-01-01,NOW',
  'projection.ds.interval' = '1',
  'projection.ds.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://fangsentiment/sentiment/ds=${ds}/'
);

CREATE OR REPLACE VIEW company_sentiment AS
SELECT
  name,
  wikipedia_title,
  wikipedia_snippet,
  NULLIF(sentiment, '') AS sentiment,
  CAST(NULLIF(positive, '') AS DOUBLE) AS positive,
  CAST(NULLIF(negative, '') AS DOUBLE) AS negative,
  CAST(NULLIF(neutral, '') AS DOUBLE) AS neutral,
  CAST(NULLIF(mixed, '') AS DOUBLE) AS mixed,
  CAST(NULLIF(characters_sent, '') AS BIGINT) AS characters_sent,
  CAST(NULLIF(billed_units, '') AS BIGINT) AS billed_units,
  NULLIF(sentiment_source, '') AS sentiment_source,
  status,
  NULLIF(error, '') AS error,
  CAST(NULLIF(wikipedia_revision_id, '') AS BIGINT) AS wikipedia_revision_id,
  NULLIF(wikipedia_revision_timestamp, '') AS wikipedia_revision_timestamp,
  ds
FROM company_sentiment_csv;
