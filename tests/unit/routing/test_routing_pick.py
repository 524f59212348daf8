"""Picking an agent: longest idle, round robin, skills with levels, exclusions, and the index behind it."""

from __future__ import annotations

from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Agent, AgentPool, AgentState, Queue, Strategy, pick_agent


def agent(agent_id: str, idle_since: float, state: AgentState = AgentState.AVAILABLE, **skills: int) -> Agent:
    return Agent(agent_id, MappingProxyType(skills), state, idle_since, None, idle_since)


def queue(strategy: Strategy = Strategy.LONGEST_IDLE, **skills: int) -> Queue:
    return Queue("q", strategy, MappingProxyType(skills))


def test_longest_idle_picks_the_agent_available_the_longest() -> None:
    pool = AgentPool([agent("a", 30), agent("b", 10), agent("c", 20), agent("d", 5, AgentState.ON_CALL)])
    choice = pick_agent(queue(), pool, now=100)
    assert choice is not None and (choice.agent_id, choice.idle_s) == ("b", 90)


def test_nobody_available_means_no_choice() -> None:
    pool = AgentPool([agent("a", 1, AgentState.PAUSED), agent("b", 1, AgentState.OFFERED)])
    assert pick_agent(queue(), pool, now=10) is None


def test_an_agent_who_missed_the_call_is_skipped() -> None:
    pool = AgentPool([agent("a", 1), agent("b", 2)])
    assert pick_agent(queue(), pool, 10, exclude=frozenset({"a"})).agent_id == "b"


def test_an_agent_who_chose_other_queues_is_not_offered_this_one_nor_counted_as_staffing_it() -> None:
    elsewhere = Agent("a", state=AgentState.AVAILABLE, idle_since=1, queues=frozenset({"other"}))
    anywhere = Agent("b", state=AgentState.AVAILABLE, idle_since=2)
    here = Agent("c", state=AgentState.PAUSED, queues=frozenset({"q"}), pause_reason="lunch")
    pool = AgentPool([elsewhere, anywhere, here, Agent("d", queues=frozenset({"q"}))])  # d logged out
    assert pick_agent(queue(), pool, 10).agent_id == "b"
    assert pool.staffed(queue()) == 2  # b and the paused c; not a (other queues) nor d (logged out)


def test_required_skills_need_their_minimum_levels() -> None:
    pool = AgentPool([agent("a", 1, sales=1), agent("b", 2, sales=3), agent("c", 0, billing=5)])
    assert pick_agent(queue(sales=2), pool, 10).agent_id == "b"
    assert pick_agent(queue(sales=4), pool, 10) is None


def test_skills_strategy_prefers_the_best_match_then_the_longest_idle() -> None:
    pool = AgentPool(
        [agent("a", 1, sales=2, french=1), agent("b", 5, sales=4, french=3), agent("c", 3, sales=4, french=3)]
    )
    choice = pick_agent(queue(Strategy.SKILLS, sales=1), pool, 10, call_skills={"french": 1})
    assert (choice.agent_id, choice.skill_score) == ("c", 7)


def test_call_skill_hints_add_to_the_queue_requirements() -> None:
    pool = AgentPool([agent("a", 1, sales=3), agent("b", 2, sales=3, spanish=2)])
    assert pick_agent(queue(sales=1), pool, 10, call_skills={"spanish": 2}).agent_id == "b"


def test_round_robin_takes_turns_and_wraps_around() -> None:
    pool = AgentPool([agent("a", 3), agent("b", 1), agent("c", 2)])
    q = queue(Strategy.ROUND_ROBIN)
    picks, last = [], None
    for _ in range(4):
        last = pick_agent(q, pool, 10, after_agent=last).agent_id
        picks.append(last)
    assert picks == ["a", "b", "c", "a"]


def test_queue_members_limit_who_can_be_picked() -> None:
    pool = AgentPool([agent("a", 1), agent("b", 2)])
    members = Queue("q", members=frozenset({"b"}))
    assert pick_agent(members, pool, 10).agent_id == "b"


def test_the_pool_follows_state_changes_and_out_of_order_idle_times() -> None:
    pool = AgentPool([agent("a", 10), agent("b", 20)])
    pool.update(agent("a", 10, AgentState.ON_CALL))
    assert pick_agent(queue(), pool, 30).agent_id == "b"
    pool.update(agent("c", 5))  # restored from storage with an earlier idle time
    assert pick_agent(queue(), pool, 30).agent_id == "c"
    pool.remove("c")
    assert pick_agent(queue(), pool, 30).agent_id == "b"
    assert len(pool) == 2 and pool.available_count == 1


SKILLS = ["sales", "billing", "spanish", "vip"]
AGENTS = st.lists(
    st.builds(
        lambda i, idle, state, skills: agent(f"a{i:03d}", idle, state, **skills),
        st.integers(0, 60),
        st.integers(0, 50).map(float),
        st.sampled_from([AgentState.AVAILABLE, AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.PAUSED]),
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3),
    ),
    max_size=40,
    unique_by=lambda a: a.agent_id,
)


def reference_pick(
    q: Queue, agents: list[Agent], call_skills: dict[str, int], exclude: frozenset[str], after: str | None
) -> str | None:
    """A plain, unindexed restatement of the rules, to check the fast one against."""
    needed = dict(q.required_skills)
    for skill, level in call_skills.items():
        needed[skill] = max(level, needed.get(skill, 0))
    ok = [
        a
        for a in agents
        if a.state is AgentState.AVAILABLE
        and a.agent_id not in exclude
        and all(a.skills.get(s, 0) >= lv for s, lv in needed.items())
    ]
    if not ok:
        return None
    if q.strategy is Strategy.ROUND_ROBIN:
        later = sorted(a.agent_id for a in ok if after is None or a.agent_id > after)
        return later[0] if later else min(a.agent_id for a in ok)
    if q.strategy is Strategy.SKILLS:
        return min(ok, key=lambda a: (-sum(a.skills[s] for s in needed), a.idle_since, a.agent_id)).agent_id
    return min(ok, key=lambda a: (a.idle_since, a.agent_id)).agent_id


@settings(max_examples=300, deadline=None)
@given(
    agents=AGENTS,
    strategy=st.sampled_from(list(Strategy)),
    queue_skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), min_size=0, max_size=2),
    call_skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), max_size=1),
    exclude=st.frozensets(st.integers(0, 60).map(lambda i: f"a{i:03d}"), max_size=5),
    after=st.one_of(st.none(), st.integers(0, 60).map(lambda i: f"a{i:03d}")),
)
def test_the_indexed_pick_agrees_with_a_plain_scan(
    agents: list[Agent],
    strategy: Strategy,
    queue_skills: dict[str, int],
    call_skills: dict[str, int],
    exclude: frozenset[str],
    after: str | None,
) -> None:
    if strategy is Strategy.SKILLS and not queue_skills:
        queue_skills = {"sales": 1}
    q = Queue("q", strategy, MappingProxyType(queue_skills))
    pool = AgentPool()
    for a in reversed(agents):  # insertion order differs from idle order on purpose
        pool.update(a)
    choice = pick_agent(q, pool, 100, call_skills=call_skills, exclude=exclude, after_agent=after)
    expected = reference_pick(q, agents, call_skills, exclude, after)
    assert (choice.agent_id if choice else None) == expected
