"""The human-in-the-loop task of one company: Airflow's ``HITLOperator``, its question
built at run time from the company's :class:`~.questions.Review`.

The review is a mapped argument (one task per company, in a mapped task group), so
the options, subject and body exist only once the task has its company: they are built
in :meth:`execute`, and again in :meth:`execute_complete` (a resumed task is a new
process), where the answer is checked against them. The wait's timeout and the
assigned users come from the run's Params. On Airflow 3.3 the task waits in the
``awaiting_input`` state, holding no worker slot and no trigger; the scheduler applies
the default ("Ask again later") when the timeout passes.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator

from enrichment.company_review import questions
from enrichment.company_review.settings import ReviewSettings


class CompanyReviewOperator(HITLOperator):
    """Ask which article ``review``'s company is (see the module docstring)."""

    template_fields = ("review",)

    def __init__(self, *, review: Any, **kwargs: Any) -> None:
        # The real question replaces these when the task runs (see _ask).
        super().__init__(
            subject="Which Wikipedia article is this company?",
            options=list(questions.FIXED_OPTIONS),
            defaults=[questions.ASK_LATER],
            response_timeout=ReviewSettings().timeout,
            **kwargs,
        )
        self.review = review

    def _ask(self, context: Any) -> None:
        settings = ReviewSettings.from_params(context["params"])
        review: questions.Review = self.review
        self.options = questions.options(review)
        self.subject = questions.subject(review)
        self.body = questions.body(review, settings.timeout_days)
        self.response_timeout = settings.timeout
        self.assigned_users = [{"id": name, "name": name} for name in settings.reviewers] or None

    def execute(self, context: Any) -> Any:
        self._ask(context)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        self._ask(context)
        return super().execute_complete(context, event)
