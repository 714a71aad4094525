"""Wikipedia, through the MediaWiki Action API: everything both Wikipedia pipelines share.

- :mod:`.revisions`: a page's revisions and their leads' wikitext (types, MediaWiki times).
- :mod:`.queries`: the API queries the pipelines send, their parameters and what their
  answers mean; pure.
- :mod:`.client`: :class:`~.client.WikipediaClient` on the ``wikipedia_default``
  connection (User-Agent, timeouts, the deployment's request slots, throttling and
  outage patience), and links to articles and diffs on the connection's wiki.
- :mod:`.history`: which revision was in effect at a moment, from what is known of a
  page's history; pure.
- :mod:`.wikitext` (what a revision's section 0 is: an article's lead and its plain text,
  a redirect, a disambiguation page), :mod:`.templates` (the inline templates whose words
  belong to the sentence) and :mod:`.sentences` (the first sentences of a text); pure.

company_sentiment reads leads as they stood at its run's moment; company_review reads
the candidates of a company it asks a person about. Why the project does not use the
PyPI package ``wikipedia`` the book uses: docs/company_sentiment.md.
"""
