"""The work plan (工作方案) of a “两山” base: organisation, phases and milestones, the seven main tasks
with their units and linked indicators, progress reports, dispatch meetings and follow-up actions,
the materials checklist and its bundle, the annual unit assessment, the on-site verification route,
the public page, survey and supervision channel, and the daily digest of due and overdue items.

Modules: :mod:`.plan` (loading and reading the plan), :mod:`.tracking` (tracked items, states on a
date, progress, meetings, digest), :mod:`.scoring` (unit assessment), :mod:`.route` (pure route
planning), :mod:`.verification` (points), :mod:`.bundle` (checklist and ZIP export),
:mod:`.documents` (minutes and route sheet .docx), :mod:`.mapping` (route map PNG), :mod:`.survey`,
:mod:`.supervision`, :mod:`.public`, :mod:`.ratelimit`. For the faces (web pages, their JSON twins):
:mod:`.access` (who may do what), :mod:`.views` (what each signed-in page shows), :mod:`.actions` (the
writes, each with its rule) and :mod:`.public_site` (the public pages).
"""

from liangshan.workplan.plan import LUSHI_PLAN, load_plan, plan_dict

__all__ = ["LUSHI_PLAN", "load_plan", "plan_dict"]
