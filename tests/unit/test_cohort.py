"""Outcomes across groups of children: the figures of a small cohort worked out by hand, and
small numbers suppressed so that no figure can be traced to fewer than five children.

The hand-worked cohort: fourteen plans of twelve children, recorded through the application
service and projected from the log. Twelve of the plans ended in 2026 (eleven children: child A
had two of them). The expected figures below are worked out from the rules, not from the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.application import CaseRecord
from domain.core_group import Attendance, AttendanceStatus
from domain.plan import KeyDecisionPoint, RatingOccasion, ReviewDecision
from domain.values import Actor, CategoryOfAbuse, ParentalEngagement, Role
from projections.base import View
from projections.cohort import (
    BREAKDOWN_SPECS,
    BREAKDOWNS,
    MIN_CHILDREN,
    CohortFigures,
    CohortModel,
    CohortOutcome,
    CohortPlan,
    Suppression,
    cohort_figures,
    cohort_plans,
    figures_for,
    suppress,
)
from tests.builders import a_chair, a_conference_decision, an_actor, child_details
from tests.views import project

TODAY = date(2026, 11, 26)
YEAR_2026 = {"period_start": date(2026, 1, 1), "period_end": TODAY, "today": TODAY}

NEG, PHY, EMO = CategoryOfAbuse.NEGLECT, CategoryOfAbuse.PHYSICAL, CategoryOfAbuse.EMOTIONAL
ENGAGED = ParentalEngagement.ENGAGED
PARTLY = ParentalEngagement.PARTIALLY_ENGAGED
NOT_ENGAGED = ParentalEngagement.NOT_ENGAGED
HV, SCHOOL, POLICE = "Health Visiting", "School", "Police"

CHAIR = a_chair()
WORKER = an_actor()
MANAGER = an_actor(Role.TEAM_MANAGER)
MEMBERS = {agency: an_actor(Role.AGENCY_PRACTITIONER, agency) for agency in (HV, SCHOOL, POLICE)}


@dataclass(frozen=True)
class Story:
    """One plan as the test records it.

    `meetings`: how many members attended each core group meeting (the rest sent apologies);
    `engagement`: the parents' engagement judged at each meeting; `tasks`: one letter per task,
    d(one), c(ancelled) or o(pen); `outcomes`: (baseline, latest rating or None, achieved).
    """

    child: str
    team: str
    category: CategoryOfAbuse
    start: date
    end: date | None
    agencies: tuple[str, ...]
    meetings: tuple[int, ...]
    engagement: tuple[ParentalEngagement, ...]
    tasks: str
    outcomes: tuple[tuple[int, int | None, bool], ...]
    oversight_at_end: bool = True
    withdrawn_outcomes: int = 0
    reallocated_to: str | None = None
    latest_category: CategoryOfAbuse | None = None


def d(text: str) -> date:
    return date.fromisoformat(text)


# Every start and end is a Monday (conferences are never at weekends).
STORIES: dict[str, Story] = {
    "B0": Story("B", "Team 1", NEG, d("2022-06-06"), d("2023-03-06"), (HV,), (1,), (ENGAGED,),
                "", ((3, 5, False),)),
    "A1": Story("A", "Team 1", NEG, d("2025-11-03"), d("2026-02-02"), (HV, SCHOOL), (2, 2),
                (ENGAGED, ENGAGED), "dd", ((2, 6, True), (3, 4, False))),
    "B1": Story("B", "Team 1", NEG, d("2025-04-07"), d("2026-03-02"), (HV, SCHOOL), (2, 1),
                (ENGAGED, ENGAGED), "dddo", ((2, 5, False), (4, None, False))),
    "C1": Story("C", "Team 2", PHY, d("2025-09-01"), d("2026-03-30"), (HV, SCHOOL), (2, 1, 1),
                (ENGAGED,) * 3, "doo", ((3, 5, False),)),
    "D": Story("D", "Team 1", NEG, d("2025-06-02"), d("2026-06-01"), (HV, SCHOOL),
               (2, 2, 2, 2, 1), (NOT_ENGAGED, *(ENGAGED,) * 4), "do",
               ((2, 8, True), (1, 4, True), (5, 6, False))),
    "E": Story("E", "Team 1", NEG, d("2026-01-05"), d("2026-04-06"), (HV, SCHOOL), (2,),
               (ENGAGED,), "", ((4, 3, False),)),
    "F": Story("F", "Team 1", NEG, d("2025-07-07"), d("2026-07-06"), (HV, SCHOOL),
               (2, 2, 2, 1, 1), (ENGAGED,) * 5, "ddddo", ((2, 9, True), (3, 7, True))),
    "G": Story("G", "Team 2", PHY, d("2026-02-02"), d("2026-05-04"), (HV,), (1,), (ENGAGED,),
               "o", ((5, 7, False),), reallocated_to="Team 1"),
    "H": Story("H", "Team 2", NEG, d("2026-03-02"), d("2026-06-29"), (HV,), (1, 0),
               (ENGAGED, ENGAGED), "c", ((1, 4, True),), oversight_at_end=False,
               latest_category=EMO),
    "I": Story("I", "Team 2", PHY, d("2025-10-06"), d("2026-08-03"), (HV,), (1, 1, 1, 0),
               (PARTLY,) * 4, "dd", ((2, 2, False), (3, 6, False)), oversight_at_end=False),
    "A2": Story("A", "Team 1", NEG, d("2026-05-04"), d("2026-10-05"), (HV,), (1, 1),
                (ENGAGED, ENGAGED), "dc", ((1, 5, True),)),
    "J": Story("J", "Team 2", EMO, d("2026-04-06"), d("2026-09-07"), (HV, POLICE), (1, 2),
               (PARTLY, PARTLY), "ddo", ((2, 5, True),), oversight_at_end=False),
    "C2": Story("C", "Team 2", PHY, d("2026-09-07"), None, (HV,), (1,), (ENGAGED,), "o",
                ((2, None, False),)),
    "K": Story("K", "Team 2", EMO, d("2025-12-01"), d("2026-11-02"), (HV, POLICE), (1, 0),
               (NOT_ENGAGED, NOT_ENGAGED), "oo", ((3, 3, False),), oversight_at_end=False,
               withdrawn_outcomes=1),
}  # fmt: skip
"""In the order recorded: each child's plans one after another."""


class Recorder:
    def __init__(self) -> None:
        self.cases = CaseRecord(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.children: dict[str, UUID] = {}
        self.plan_ids: dict[str, UUID] = {}

    def record(self, name: str, story: Story) -> None:
        cases = self.cases
        child_id = self.children.get(story.child)
        if child_id is None:
            child_id = self.children[story.child] = uuid4()
            cases.register_child(child_id=child_id, by=WORKER, details=child_details())
        plan_id, group_id = self.plan_ids[name], uuid4()
        cases.start_plan(
            plan_id=plan_id,
            core_group_id=group_id,
            by=CHAIR,
            child_id=child_id,
            icpc_on=story.start,
            strategy_discussion_on=None,
            category=story.category,
            decision=a_conference_decision(),
            lead_social_worker_id=WORKER.user_id,
            lead_social_worker_name=WORKER.name,
            team=story.team,
        )
        self._oversee(plan_id, KeyDecisionPoint.PLAN_NEEDED, story.start)
        members = [MEMBERS[agency] for agency in story.agencies]
        for member in members:
            cases.change_core_group(
                group_id,
                lambda g, m=member: g.add_member(
                    by=WORKER,
                    member_id=m.user_id,
                    name=m.name,
                    agency=m.agency,
                    role_title="Practitioner",
                    lead_professional=False,
                    joined_on=story.start,
                ),
            )
        outcome_ids = [self._agree_outcome(plan_id, baseline) for baseline, _, _ in story.outcomes]
        withdrawn = [self._agree_outcome(plan_id, 2) for _ in range(story.withdrawn_outcomes)]
        cases.change_plan(
            plan_id,
            lambda p: p.agree(by=WORKER, agreed_on=story.start, contingency_plan="Legal meeting."),
        )
        self._oversee(plan_id, KeyDecisionPoint.PLAN_AGREED, story.start)
        if story.reallocated_to is not None:
            cases.change_plan(
                plan_id,
                lambda p: p.allocate_lead_social_worker(
                    by=MANAGER,
                    social_worker_id=WORKER.user_id,
                    social_worker_name=WORKER.name,
                    team=story.reallocated_to,
                ),
            )
        self._tasks(plan_id, group_id, story, outcome_ids[0], members)
        self._meetings(group_id, story, members)
        for outcome_id in withdrawn:
            cases.change_plan(
                plan_id,
                lambda p, o=outcome_id: p.withdraw_outcome(
                    by=WORKER, outcome_id=o, reason="Merged into another outcome."
                ),
            )
        if story.end is None:
            return
        for outcome_id, (_, latest, achieved) in zip(outcome_ids, story.outcomes, strict=True):
            if latest is not None:
                cases.change_plan(
                    plan_id,
                    lambda p, o=outcome_id, score=latest: p.rate_outcome_progress(
                        by=WORKER,
                        outcome_id=o,
                        score=score,
                        evidence="Seen at home.",
                        rated_on=story.end - timedelta(days=7),
                        occasion=RatingOccasion.VISIT,
                    ),
                )
            if achieved:
                cases.change_plan(
                    plan_id,
                    lambda p, o=outcome_id: p.record_outcome_achieved(
                        by=WORKER,
                        outcome_id=o,
                        achieved_on=story.end - timedelta(days=3),
                        evidence="Sustained for three months.",
                    ),
                )
        cases.hold_review_conference(
            plan_id=plan_id,
            core_group_id=group_id,
            by=CHAIR,
            held_on=story.end,
            decision=ReviewDecision.END,
            category=story.latest_category or story.category,
            conference=a_conference_decision(),
        )
        if story.oversight_at_end:
            self._oversee(plan_id, KeyDecisionPoint.PLAN_CAN_END, story.end)

    def _oversee(self, plan_id: UUID, point: KeyDecisionPoint, on: date) -> None:
        self.cases.change_plan(
            plan_id,
            lambda p: p.record_management_oversight(
                by=MANAGER,
                decision_point=point,
                recorded_on=on,
                agreed_and_why="Agreed in supervision.",
                options_considered="Child in need plan.",
            ),
        )

    def _agree_outcome(self, plan_id: UUID, baseline: int) -> UUID:
        outcome_id = uuid4()
        self.cases.change_plan(
            plan_id,
            lambda p: p.agree_outcome(
                by=WORKER,
                outcome_id=outcome_id,
                wording="The child is safe at home.",
                how_we_will_know="What the core group sees.",
                baseline=baseline,
                target=8,
            ),
        )
        return outcome_id

    def _tasks(
        self,
        plan_id: UUID,
        group_id: UUID,
        story: Story,
        outcome_id: UUID,
        members: list[Actor],
    ) -> None:
        for number, fate in enumerate(story.tasks):
            task_id, member = uuid4(), members[number % len(members)]
            self.cases.assign_task(
                task_id=task_id,
                plan_id=plan_id,
                by=WORKER,
                outcome_id=outcome_id,
                agency=member.agency,
                assignee_id=member.user_id,
                assignee_name=member.name,
                description="Visit weekly.",
                due_on=story.start + timedelta(days=30),
                assigned_on=story.start + timedelta(days=1),
            )
            if fate == "d":
                self.cases.complete_task(
                    task_id=task_id,
                    core_group_id=group_id,
                    by=member,
                    completed_on=story.start + timedelta(days=20),
                    evidence="Done.",
                )
            elif fate == "c":
                self.cases.change_task(
                    task_id,
                    lambda t: t.cancel(
                        by=WORKER,
                        cancelled_on=story.start + timedelta(days=21),
                        reason="No longer needed.",
                    ),
                )

    def _meetings(self, group_id: UUID, story: Story, members: list[Actor]) -> None:
        for number, (came, engagement) in enumerate(
            zip(story.meetings, story.engagement, strict=True)
        ):
            self.cases.record_core_group_meeting(
                core_group_id=group_id,
                meeting_id=uuid4(),
                by=WORKER,
                held_on=story.start + timedelta(days=14 * (number + 1)),
                attendance=tuple(
                    Attendance(
                        m.user_id,
                        m.name,
                        m.agency,
                        AttendanceStatus.ATTENDED if i < came else AttendanceStatus.SENT_APOLOGIES,
                    )
                    for i, m in enumerate(members)
                ),
                summary="Reviewed the plan.",
                parental_engagement=engagement,
            )


@pytest.fixture(scope="module")
def cohort() -> tuple[View, dict[str, UUID]]:
    recorder = Recorder()
    recorder.plan_ids.update({name: uuid4() for name in STORIES})
    for name, story in STORIES.items():
        recorder.record(name, story)
    cases = recorder.cases
    notifications = cases.recorder.select_notifications(
        start=0, limit=1_000_000, inclusive_of_start=False
    )
    topics = set(CohortModel.topics)
    events = [cases.mapper.to_domain_event(n) for n in notifications if n.topic in topics]
    return project(CohortModel, events), recorder.plan_ids


def figures(view: View, breakdown: str, status: str = "ended", **period) -> CohortFigures:
    return cohort_figures(view, status=status, breakdown=breakdown, **{**YEAR_2026, **period})


def cell(found: CohortFigures, key: str):
    return next(c for c in found.cells if c.key == key)


# --- the read model: one de-identified row per plan -----------------------------------------------


def test_a_plan_row_holds_what_the_plan_did_and_nothing_about_who_the_child_is(cohort):
    view, plan_ids = cohort

    rows = {p.plan_id: p for p in cohort_plans(view, status="ended", **YEAR_2026)}
    d_row, a2, h, k = (rows[plan_ids[n]] for n in ("D", "A2", "H", "K"))

    assert d_row.agencies == (HV, SCHOOL)
    assert (d_row.tasks_assigned, d_row.tasks_completed, d_row.tasks_cancelled) == (2, 1, 0)
    assert d_row.task_completion_rate == 0.5
    assert (d_row.meetings_held, d_row.members_attended, d_row.members_expected) == (5, 9, 10)
    assert d_row.latest_engagement == "engaged"
    assert d_row.non_engagement_recorded is True
    assert d_row.oversight_at_every_key_decision is True
    assert d_row.outcomes == (
        CohortOutcome(2, 8, True),
        CohortOutcome(1, 4, True),
        CohortOutcome(5, 6, False),
    )
    assert (d_row.started_on, d_row.ended_on) == (d("2025-06-02"), d("2026-06-01"))
    assert d_row.end_reason == "no_longer_at_continuing_risk"
    assert a2.previous_plans == 1
    assert a2.is_repeat
    assert a2.task_completion_rate == 1.0  # one done of the one still owed
    assert h.task_completion_rate is None  # its only task was cancelled: no tasks owed
    assert (h.initial_category, h.latest_category) == ("NEG", "EMO")
    assert h.oversight_at_every_key_decision is False
    assert k.outcomes == (CohortOutcome(3, 3, False),)  # the withdrawn outcome is left out
    assert rows[plan_ids["G"]].team == "Team 1"  # reallocated from Team 2
    assert not {"given_name", "family_name", "date_of_birth"} & set(CohortPlan.__annotations__)


def test_a_plan_is_a_repeat_within_two_years_when_the_childs_next_plan_starts_within_730_days(
    cohort,
):
    view, plan_ids = cohort

    ended_2026 = {p.plan_id: p for p in cohort_plans(view, status="ended", **YEAR_2026)}
    ended_2023 = cohort_plans(
        view, status="ended", period_start=d("2023-01-01"), period_end=d("2023-12-31"), today=TODAY
    )

    assert ended_2026[plan_ids["A1"]].next_plan_on == d("2026-05-04")  # 91 days later
    assert ended_2026[plan_ids["A1"]].repeat_within_two_years
    assert ended_2026[plan_ids["C1"]].repeat_within_two_years  # the open plan C2, 161 days later
    assert not ended_2026[plan_ids["A2"]].repeat_within_two_years  # no later plan
    assert [p.plan_id for p in ended_2023] == [plan_ids["B0"]]
    assert ended_2023[0].next_plan_on == d("2025-04-07")  # 763 days after 6 March 2023
    assert not ended_2023[0].repeat_within_two_years


# --- the figures, worked out by hand --------------------------------------------------------------

# The twelve plans that ended in 2026, with what the rules make of them:
#
# plan child team cat days  outcomes (improved by 3+ / achieved / counted)  repeat≤2y  repeat
# A1   A     1    NEG   91  2-6 yes/yes, 3-4 no/no            -> 1/1/2       yes        no
# A2   A     1    NEG  154  1-5 yes/yes                        -> 1/1/1       no         yes
# B1   B     1    NEG  329  2-5 yes (3 exactly)/no, 4-unrated  -> 1/0/2       no         yes
# C1   C     2    PHY  210  3-5 no/no                          -> 0/0/1       yes (C2)   no
# D    D     1    NEG  364  2-8 yes/yes, 1-4 yes/yes, 5-6 no   -> 2/2/3       no         no
# E    E     1    NEG   91  4-3 no/no                          -> 0/0/1       no         no
# F    F     1    NEG  364  2-9 yes/yes, 3-7 yes/yes           -> 2/2/2       no         no
# G    G     1*   PHY   91  5-7 no/no                          -> 0/0/1       no         no
# H    H     2    NEG  119  1-4 yes/yes                        -> 1/1/1       no         no
# I    I     2    PHY  301  2-2 no, 3-6 yes; none achieved     -> 1/0/2       no         no
# J    J     2    EMO  154  2-5 yes/yes                        -> 1/1/1       no         no
# K    K     2    EMO  336  3-3 no/no (a withdrawn one left out) -> 0/0/1     no         no
# (* G moved from Team 2 to Team 1.)
#
# All twelve: 11 children. Outcomes 18, improved 10, achieved 8. Days sorted: 91 91 91 119 154
# 154 | 210 301 329 336 364 364 -> median (154 + 210) / 2 = 182. Repeat within two years: A1, C1
# = 2 of 12. Repeat plans: A2, B1 = 2 of 12.


def test_the_whole_cohort_matches_the_hand_worked_figures(cohort):
    view, _ = cohort

    total = figures(view, "team").total

    assert (total.children, total.plans, total.outcomes) == (11, 12, 18)
    assert total.figure("outcomes_improved") == pytest.approx(10 / 18)
    assert total.figure("outcomes_achieved") == pytest.approx(8 / 18)
    assert total.figure("median_days") == 182
    assert total.figure("repeat_within_two_years") == pytest.approx(2 / 12)
    assert total.figure("repeat_plans") == pytest.approx(2 / 12)
    assert not total.suppressed
    assert not total.counts_suppressed


def test_figures_by_team_match_the_hand_worked_figures(cohort):
    # Team 1: A1 A2 B1 D E F G = 6 children (A twice), 7 plans. Outcomes 2+1+2+3+1+2+1 = 12,
    # improved 1+1+1+2+0+2+0 = 7, achieved 1+1+0+2+0+2+0 = 6. Days 91 91 91 154 329 364 364
    # -> median 154. Repeat within two years: A1 = 1 of 7. Repeat plans: A2, B1 = 2 of 7.
    # Team 2: C1 H I J K = 5 children, 5 plans. Outcomes 1+1+2+1+1 = 6, improved 0+1+1+1+0 = 3,
    # achieved 0+1+0+1+0 = 2. Days 119 154 210 301 336 -> median 210. Repeat within two years:
    # C1 = 1 of 5. Repeat plans: none.
    view, _ = cohort

    found = figures(view, "team")
    one, two = cell(found, "Team 1"), cell(found, "Team 2")

    assert [c.key for c in found.cells] == ["Team 1", "Team 2"]
    assert (one.children, one.plans, one.outcomes) == (6, 7, 12)
    assert one.figure("outcomes_improved") == pytest.approx(7 / 12)
    assert one.figure("outcomes_achieved") == pytest.approx(6 / 12)
    assert one.figure("median_days") == 154
    assert one.figure("repeat_within_two_years") == pytest.approx(1 / 7)
    assert one.figure("repeat_plans") == pytest.approx(2 / 7)
    assert (two.children, two.plans, two.outcomes) == (5, 5, 6)
    assert two.figure("outcomes_improved") == pytest.approx(3 / 6)
    assert two.figure("outcomes_achieved") == pytest.approx(2 / 6)
    assert two.figure("median_days") == 210
    assert two.figure("repeat_within_two_years") == pytest.approx(1 / 5)
    assert two.figure("repeat_plans") == 0


def test_by_initial_category_two_small_cells_are_suppressed_and_together_cover_five_children(
    cohort,
):
    # Neglect (initial): A1 A2 B1 D E F H = 6 children, 7 plans; physical C1 G I = 3 children;
    # emotional J K = 2 children. H's latest category (emotional) does not move it.
    # Neglect: outcomes 2+1+2+3+1+2+1 = 12, improved 1+1+1+2+0+2+1 = 8, achieved 1+1+0+2+0+2+1
    # = 7; days 91 91 119 154 329 364 364 -> median 154; repeat within two years A1 (1 of 7);
    # repeat plans A2, B1 (2 of 7). Physical and emotional are under 5: suppressed. Together
    # they hold 5 children (11 - 6), so neglect and the total stay shown.
    view, _ = cohort

    found = figures(view, "category")
    neglect = cell(found, "NEG")

    assert [(c.label, c.suppressed) for c in found.cells] == [
        ("Neglect", False),
        ("Physical abuse", True),
        ("Emotional abuse", True),
    ]
    assert (neglect.children, neglect.plans, neglect.outcomes) == (6, 7, 12)
    assert neglect.figure("outcomes_improved") == pytest.approx(8 / 12)
    assert neglect.figure("outcomes_achieved") == pytest.approx(7 / 12)
    assert neglect.figure("median_days") == 154
    assert neglect.figure("repeat_within_two_years") == pytest.approx(1 / 7)
    assert neglect.figure("repeat_plans") == pytest.approx(2 / 7)
    assert found.total.children == 11


def test_one_small_cell_takes_the_next_smallest_with_it_so_it_cannot_be_worked_out(cohort):
    # Attendance (attended / expected): 80%+ A1 4/4, A2 2/2, D 9/10, E 2/2, F 8/10, G 1/1 = 5
    # children, 6 plans; 50-79%: B1 3/4, C1 4/6, H 1/2, I 3/4, J 3/4 = 5 children; under 50%:
    # K 1/4 = 1 child. K's cell alone is under 5, so the next smallest goes too: 50-79% and 80%+
    # are equal (5), and the first shown (50-79%) is the one suppressed. 80%+ stays: outcomes
    # 2+1+3+1+2+1 = 10, improved 1+1+2+0+2+0 = 6, achieved 1+1+2+0+2+0 = 6; days 91 91 91 154
    # 364 364 -> median (91 + 154) / 2 = 122.5; repeat within two years A1 (1 of 6); repeat
    # plans A2 (1 of 6). 11 - 5 = 6 children are in suppressed cells.
    view, _ = cohort

    found = figures(view, "attendance")
    best = cell(found, "80_plus")

    assert [(c.label, c.suppressed) for c in found.cells] == [
        ("Less than 50%", True),
        ("50% to 79%", True),
        ("80% or more", False),
    ]
    assert (best.children, best.plans, best.outcomes) == (5, 6, 10)
    assert best.figure("outcomes_improved") == pytest.approx(6 / 10)
    assert best.figure("outcomes_achieved") == pytest.approx(6 / 10)
    assert best.figure("median_days") == 122.5
    assert best.figure("repeat_within_two_years") == pytest.approx(1 / 6)
    assert best.figure("repeat_plans") == pytest.approx(1 / 6)
    assert found.total.children == 11


def test_with_two_groups_one_small_group_hides_both(cohort):
    # Oversight at every key decision: yes A1 A2 B1 C1 D E F G = 7 children; no H I J K = 4.
    # Non-engagement ever recorded: yes D K = 2; no = 9. Either way both cells are suppressed
    # (showing the larger one would give the smaller as 11 minus it); the total stays.
    view, _ = cohort

    for breakdown in ("oversight", "non_engagement"):
        found = figures(view, breakdown)

        assert all(c.suppressed for c in found.cells)
        assert [c.children for c in found.cells] == [None, None]
        assert all(v is None for c in found.cells for v in c.figures.values())
        assert found.total.children == 11


def test_suppressed_cells_that_add_up_to_under_five_take_more_cells_with_them(cohort):
    # Latest engagement: engaged A B C D E F G H = 8 children; partially I J = 2; not engaged
    # K = 1. Partially and not engaged are suppressed, but together they are 3 children
    # (11 - 8), so engaged is suppressed too.
    view, _ = cohort

    found = figures(view, "engagement")

    assert [(c.label, c.suppressed) for c in found.cells] == [
        ("Engaged", True),
        ("Partially engaged", True),
        ("Not engaged", True),
    ]
    assert found.total.children == 11


def test_by_task_completion_every_band_is_small_and_suppressed(cohort):
    # Done of owed: 80%+ A1 2/2, A2 1/1, F 4/5, I 2/2 (A, F, I = 3 children); 50-79% B1 3/4,
    # D 1/2, J 2/3 (3); under 50% C1 1/3, G 0/1, K 0/2 (3); no tasks E, H (2).
    view, _ = cohort

    found = figures(view, "task_completion")

    assert [(c.key, c.suppressed) for c in found.cells] == [
        ("under_50", True),
        ("50_to_79", True),
        ("80_plus", True),
        ("none", True),
    ]
    assert found.total.children == 11


def test_by_agency_a_plan_counts_under_every_agency_and_the_total_count_is_withheld(cohort):
    # Health Visiting: all 12 plans (11 children); School A1 B1 C1 D E F (6 children); Police
    # J K (2). Police is under 5 and alone, so School (next smallest) goes too. Health Visiting
    # is shown with 11 children: 11 - 11 = 0 children left for the suppressed cells, under 5,
    # so the total's counts are withheld; its figures (the same as any breakdown's) stay.
    view, _ = cohort

    found = figures(view, "agency")

    assert [(c.key, c.suppressed) for c in found.cells] == [
        (HV, False),
        (POLICE, True),
        (SCHOOL, True),
    ]
    assert (cell(found, HV).children, cell(found, HV).plans) == (11, 12)
    assert found.total.counts_suppressed
    assert not found.total.suppressed
    assert (found.total.children, found.total.plans, found.total.outcomes) == (None, None, None)
    assert found.total.figure("median_days") == 182


def test_a_cohort_of_fewer_than_five_children_shows_no_number_at_all(cohort):
    # Active at the end of 2026 (today): only C2.
    view, plan_ids = cohort

    found = figures(view, "team", status="active")

    assert [p.plan_id for p in cohort_plans(view, status="active", **YEAR_2026)] == [plan_ids["C2"]]
    assert found.total.suppressed
    assert found.total.children is None
    assert all(v is None for v in found.total.figures.values())
    assert all(c.suppressed for c in found.cells)


def test_active_plans_are_measured_to_the_end_of_the_period_and_have_no_repeat_indicator(cohort):
    view, _ = cohort

    found = figures(
        view, "team", status="active", period_start=d("2026-01-01"), period_end=d("2026-02-02")
    )

    # Open on 2 February 2026 (A1 ended that day, so not open): B1 D F I K C1 E, and G (started
    # that day): 8 plans of 8 children. Days open to 2 February 2026: B1 301, C1 154, D 245,
    # E 28, F 210, G 0, I 119, K 63 -> sorted 0 28 63 119 | 154 210 245 301 -> (119 + 154) / 2.
    assert found.total.children == 8
    assert found.total.figure("median_days") == 136.5
    assert "repeat_within_two_years" not in {m.key for m in found.measures}


def test_a_period_that_ends_before_it_starts_is_refused(cohort):
    view, _ = cohort

    with pytest.raises(ValueError, match="starts after it ends"):
        figures(view, "team", period_start=d("2026-06-01"), period_end=d("2026-05-01"))


# --- suppression, as a rule about numbers ---------------------------------------------------------


def test_suppression_on_worked_examples():
    assert suppress({"a": 7, "b": 6}, 13) == Suppression(frozenset(), total=False)
    assert suppress({"a": 7, "b": 4}, 11).cells == {"a", "b"}
    assert suppress({"a": 9, "b": 3, "c": 2}, 14).cells == {"b", "c"}
    assert suppress({"a": 9, "b": 2, "c": 1, "d": 8}, 20).cells == {"b", "c", "d"}
    assert suppress({"a": 4}, 4) == Suppression(frozenset({"a"}), total=True)
    assert suppress({"a": 20, "b": 20, "c": 2}, 30, overlapping=True) == Suppression(
        frozenset({"a", "c"}), total=False
    )
    assert suppress({"a": 20, "b": 20, "c": 2}, 22, overlapping=True) == Suppression(
        frozenset({"a", "c"}), total=True
    )
    assert suppress({}, 0) == Suppression(frozenset(), total=False)


def _check(children: dict[str, int], total: int, overlapping: bool) -> None:
    hidden = suppress(children, total, overlapping=overlapping)
    shown = {k: n for k, n in children.items() if k not in hidden.cells}
    assert all(n >= MIN_CHILDREN for n in shown.values())
    if hidden.cells:
        assert total - sum(shown.values()) >= MIN_CHILDREN or hidden.total
    assert len(hidden.cells) != 1 or len(children) == 1
    if not overlapping and total >= MIN_CHILDREN:
        assert not hidden.total  # the total stays the same in every breakdown of the cohort


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=30), min_size=0, max_size=8))
def test_suppression_of_a_partition_never_reveals_a_cell_under_five(counts):
    _check({f"g{i}": n for i, n in enumerate(counts)}, sum(counts), overlapping=False)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=30),
)
def test_suppression_of_overlapping_cells_never_reveals_a_cell_under_five(counts, extra):
    total = max(counts) + extra
    _check({f"g{i}": n for i, n in enumerate(counts)}, total, overlapping=True)


# --- suppression, on random cohorts and every breakdown -------------------------------------------

engagements = st.sampled_from([None, "engaged", "partially_engaged", "not_engaged"])


@st.composite
def random_plans(draw: st.DrawFn) -> list[CohortPlan]:
    children = [uuid4() for _ in range(draw(st.integers(min_value=1, max_value=40)))]
    plans = []
    for _ in range(draw(st.integers(min_value=0, max_value=60))):
        start = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
        assigned = draw(st.integers(0, 6))
        cancelled = draw(st.integers(0, assigned))
        expected = draw(st.integers(0, 12))
        plans.append(
            CohortPlan(
                plan_id=uuid4(),
                child_id=draw(st.sampled_from(children)),
                team=draw(st.sampled_from(["Team 1", "Team 2", "Team 3"])),
                initial_category=draw(st.sampled_from(["NEG", "PHY", "SAB", "EMO", "MUL"])),
                latest_category="NEG",
                started_on=start,
                ended_on=start + timedelta(days=draw(st.integers(1, 500))),
                end_reason="no_longer_at_continuing_risk",
                previous_plans=draw(st.integers(0, 2)),
                agencies=tuple(
                    sorted(draw(st.sets(st.sampled_from([HV, SCHOOL, POLICE, "GP"]), max_size=4)))
                ),
                agreed=draw(st.booleans()),
                latest_engagement=draw(engagements),
                non_engagement_recorded=draw(st.booleans()),
                tasks_assigned=assigned,
                tasks_completed=draw(st.integers(0, assigned - cancelled)),
                tasks_cancelled=cancelled,
                meetings_held=expected,
                members_attended=draw(st.integers(0, expected)),
                members_expected=expected,
                oversight=frozenset(draw(st.sets(st.sampled_from(list(KeyDecisionPoint))))),
                outcomes=tuple(
                    CohortOutcome(b, draw(st.one_of(st.none(), st.integers(0, 10))), a)
                    for b, a in draw(
                        st.lists(st.tuples(st.integers(0, 10), st.booleans()), max_size=3)
                    )
                ),
            )
        )
    return plans


@settings(max_examples=75, deadline=None)
@given(random_plans())
def test_no_breakdown_of_any_cohort_shows_a_cell_under_five_or_lets_one_be_worked_out(plans):
    total_children = len({p.child_id for p in plans})
    for breakdown in BREAKDOWNS:
        found = figures_for(
            plans,
            period_start=date(2025, 1, 1),
            period_end=TODAY,
            status="ended",
            breakdown=breakdown,
            today=TODAY,
        )
        true_children = {
            key: len({p.child_id for p in plans if key in BREAKDOWN_SPECS[breakdown].groups_of(p)})
            for key in (c.key for c in found.cells)
        }
        shown = [c for c in found.cells if not c.suppressed]
        suppressed = [c for c in found.cells if c.suppressed]

        assert all(c.children is not None and c.children >= MIN_CHILDREN for c in shown)
        assert all(c.children == true_children[c.key] for c in shown)
        assert all(
            c.children is None and all(v is None for v in c.figures.values()) for c in suppressed
        )
        if suppressed:
            assert (
                total_children - sum(true_children[c.key] for c in shown) >= MIN_CHILDREN
                or found.total.children is None
            )
        if found.total.children is not None:
            assert found.total.children == total_children
            assert total_children == 0 or total_children >= MIN_CHILDREN
