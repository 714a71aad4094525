"""The ``image_labels`` pipeline (``dags/image_labels.py``).

Crawl the configured sites for images, store each distinct image in S3 under its
SHA-256, label the new ones with AWS Rekognition and keep the labels in DynamoDB.

- :mod:`.settings`: every default and limit; the DAG's Params are built from it.
- :mod:`.tasks`: what each task does, given the settings.
- :mod:`.keys`: where images and run summaries live in S3 (the tasks write them there,
  the results page reads them from there).
- The crawl: :mod:`.sites` (what to crawl, how much), :mod:`.crawling` (the
  breadth-first walk), :mod:`.fetching` (guarded GETs, robots.txt, per-host limits),
  :mod:`.address_guard` (which addresses may be fetched), :mod:`.links` (URLs in HTML).
- :mod:`.formats`: image bytes checked by magic number and converted for Rekognition.
- :mod:`.rekognition` (DetectLabels) and :mod:`.label_table` (the DynamoDB table): one
  module per external system.
"""
