"""The "check my situation" pages of ``rothkb serve``, rendered to HTML (no HTTP here).

The form's fields and the parsing of a submission are :mod:`explain.website.form`'s; this module
only runs the engine on the parsed facts and renders the form, the result or a message page.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from engine import KnowledgeBase
from engine.errors import InputError, RothkbError
from explain.website.build import build_date, get_env
from explain.website.form import SubmissionError, form_context, form_groups, parse_form, problem_messages, submitted_goal
from explain.website.gather import explanation_html
from explain.website.pages import FACT_GROUPS

__all__ = ["CheckPages"]


class CheckPages:
    """What every page needs: the knowledge, the site's templates and their common context."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb, self.env = kb, get_env()
        self.common = {
            "version": kb.version,
            "short_version": kb.version[:12],
            "build_date": build_date(),
            "with_check": True,
            "root": "",
            "kb": kb.knowledge,
            "groups": form_groups(kb, FACT_GROUPS),
        }

    def page(self, template: str, **ctx: Any) -> bytes:
        """A page of the site's templates with the common context."""
        return self.env.get_template(template).render(self.common, **ctx).encode("utf-8")

    def message(self, status: int, message: str, path: str = "/") -> bytes:
        """An error page (404, 413, ...) for a request to ``path`` (its links are relative to it)."""
        root = "../" * max(path.count("/") - 1, 0)
        return self.page("message.html.j2", title=f"{status} {HTTPStatus(status).phrase}", message=message, root=root)

    def check(self, values: dict[str, Any] | None = None, errors: list[str] | None = None, goal: str = "") -> bytes:
        """The form, filled with ``values`` (and the goal) and showing ``errors`` when given."""
        ctx = form_context(self.kb, dict(values or {}, **({"goal": goal} if goal else {})), errors)
        return self.page("check.html.j2", title="Check my situation", **ctx)

    def explain(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        """``(status, page)`` for a submitted form: the explanation under the editable answers, or the form again."""
        try:
            raw = parse_form(self.kb, body, content_type)
        except SubmissionError as exc:
            return HTTPStatus.BAD_REQUEST, self.check(errors=[str(exc)])
        try:
            exp = self.kb.explain(raw, "form")
        except InputError as exc:
            return HTTPStatus.BAD_REQUEST, self.check(raw, problem_messages(self.kb, exc), submitted_goal(body))
        except RothkbError as exc:
            return HTTPStatus.BAD_REQUEST, self.check(raw, [exc.format_message()])
        ctx = form_context(self.kb, dict(raw, goal=submitted_goal(body)))
        return HTTPStatus.OK, self.page(
            "check_result.html.j2", title="Your explanation", exp=exp, explanation=explanation_html(exp, self.kb), **ctx
        )
