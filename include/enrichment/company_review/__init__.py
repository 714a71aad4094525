"""The ``company_review`` pipeline (``dags/company_review.py``): a person says which
Wikipedia article a company is when the data cannot.

After each company_sentiment run, the companies it filed ``ambiguous`` or ``not_found``
(read from its result file, :mod:`enrichment.company_sentiment.result_file`) get
candidate articles and one human-in-the-loop task each; the answer is written to the
company's item, and the next company_sentiment run uses it.

- :mod:`.settings`: every default and limit; the DAG's Params are built from it.
- :mod:`.tasks`: what each task does, given the settings.
- :mod:`.candidates`: the candidate articles of a company, from the disambiguation
  page's links or a search, with their first sentences (:mod:`enrichment.wikipedia`).
- :mod:`.questions`: a company's question (subject, body, options) and what an answer
  means; pure.
- :mod:`.operator`: the ``HITLOperator`` that asks it.
- :mod:`.review_state`: the review's state on the company's item in the companies table
  (an open review, the answer), and the rule that a company is never asked about twice
  at once.
"""
