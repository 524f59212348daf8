"""Routing decision speed over 1,000 agents and 100 queues; prints JSON (p50/p99 per decision, in µs).

Run: .venv/bin/python bench/routing.py [--agents 1000] [--queues 100] [--decisions 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

# This script shares its name with the package it measures: keep its own folder off the import path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from routing import (  # noqa: E402
    Agent,
    AgentPool,
    AgentState,
    CallContext,
    Queue,
    RoutingRule,
    RuleSet,
    Strategy,
    WaitingCall,
    next_queue_action,
    pick_agent,
    route_call,
)

SKILLS = [f"skill{i:02d}" for i in range(20)]


def build(rng: random.Random, n_agents: int, n_queues: int) -> tuple[AgentPool, list[Agent], list[Queue]]:
    agents = []
    for i in range(n_agents):
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(2, 5))}
        state = rng.choices(list(AgentState), weights=[1, 5, 1, 3, 1, 1])[0]
        idle = rng.uniform(0, 3600)
        agents.append(Agent(f"agent{i:04d}", MappingProxyType(skills), state, idle, None, idle))
    queues = []
    for i in range(n_queues):
        strategy = list(Strategy)[i % 3]
        required = {s: rng.randint(1, 3) for s in rng.sample(SKILLS, 1 if i % 2 else 2)}
        queues.append(Queue(f"queue{i:03d}", strategy, MappingProxyType(required), overflow_after_s=90,
                            overflow_queue="queue000", max_wait_s=300))  # fmt: skip
    return AgentPool(agents), agents, queues


def build_rules(rng: random.Random, queues: list[Queue]) -> RuleSet:
    rules = []
    for i in range(100):
        rules.append(
            RoutingRule(
                name=f"rule{i}",
                queue=rng.choice(queues).name,
                ivr_choices=frozenset({f"choice{i % 10}"}) if i % 4 else None,
                segments=frozenset({"enterprise"}) if i % 3 == 0 else None,
                vip=True if i % 7 == 0 else None,
                languages=frozenset({"es"}) if i % 5 == 0 else None,
                priority=i % 10,
            )
        )
    return RuleSet(tuple(rules), "queue000")


def measure(fn: Callable[[int], object], n: int) -> dict[str, float]:
    samples = []
    for i in range(n):
        start = time.perf_counter_ns()
        fn(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "p50_us": round(statistics.median(samples), 2),
        "p99_us": round(samples[int(0.99 * (len(samples) - 1))], 2),
        "max_us": round(samples[-1], 2),
        "decisions": n,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--decisions", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(7)
    pool, agents, queues = build(rng, args.agents, args.queues)
    rules = build_rules(rng, queues)
    now = 4000.0
    wall = datetime(2025, 3, 3, 12, tzinfo=UTC)
    contexts = [
        CallContext(
            wall + timedelta(minutes=i),
            f"choice{i % 12}",
            rng.choice([None, "enterprise"]),
            i % 9 == 0,
            rng.choice(["en", "es"]),
        )
        for i in range(1000)
    ]
    waiting = [WaitingCall(f"c{i}", "queue001", i % 3, now - rng.uniform(0, 400), now - rng.uniform(0, 400))
               for i in range(1000)]  # fmt: skip
    hits = 0

    def pick(i: int) -> object:
        nonlocal hits
        choice = pick_agent(queues[i % len(queues)], pool, now, exclude=frozenset({"agent0001"}))
        hits += choice is not None
        return choice

    def toggle(i: int) -> None:
        agent = agents[i % len(agents)]
        flipped = AgentState.ON_CALL if agent.state is AgentState.AVAILABLE else AgentState.AVAILABLE
        pool.update(Agent(agent.agent_id, agent.skills, flipped, now + i, None, now + i))
        pool.update(agent)

    result = {
        "agents": args.agents,
        "available_agents": pool.available_count,
        "queues": args.queues,
        "rules": len(rules.rules),
        "pick_agent": measure(pick, args.decisions),
        "route_call": measure(lambda i: route_call(contexts[i % 1000], rules), args.decisions),
        "next_queue_action": measure(
            lambda i: next_queue_action(
                waiting[i % 1000], queues[1], now, position=i % 50 + 1, staffed_agents=10
            ),
            args.decisions,
        ),
        "agent_state_change_x2": measure(toggle, args.decisions),
    }
    result["pick_agent"]["found_an_agent_ratio"] = round(hits / args.decisions, 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
