"""Days the fleet cannot serve fully: stops no vehicle can take, and a model that may drop any."""

from __future__ import annotations

from dataclasses import replace

import pyvrp

from doorstep.adapters.solvers.pyvrp_model import Translation

# PyVRP's default ceiling on penalty weights; the soft model raises it with its prizes.
MAX_PENALTY = 100_000.0


def unservable(translation: Translation) -> frozenset[str]:
    """Stops no vehicle can serve even on its own: too big, or out of reach in their windows.

    Left in, one such required stop makes every solution infeasible, and PyVRP then never
    replaces its first solution with a better one (it compares costs of feasible ones only).
    """
    data = translation.data
    if data is None:
        return frozenset()
    kinds = list({_signature(t): i for i, t in enumerate(data.vehicle_types())}.values())
    able = {
        ref.stop.id
        for client, ref in enumerate(translation.clients)
        if any(pyvrp.Route(data, [client], kind).is_feasible() for kind in kinds)
    }
    return frozenset(ref.stop.id for ref in translation.clients) - able


def _signature(kind: pyvrp.VehicleType) -> tuple[object, ...]:
    """What decides whether a lone client fits a vehicle type (costs do not)."""
    return (
        kind.profile,
        kind.start_depot,
        kind.end_depot,
        kind.tw_early,
        kind.tw_late,
        kind.start_late,
        kind.shift_duration,
        tuple(kind.capacity),
        tuple(kind.initial_load),
    )


def relax(translation: Translation) -> tuple[Translation, pyvrp.PenaltyParams]:
    """The model with every stop optional, required ones at a prize worth more than any detour.

    On a day with more required stops than the fleet can serve, PyVRP with required clients
    never finds a feasible solution, so it cannot tell a plan that serves more from one that
    serves less. As prizes, it maximises what it serves. The penalty ceiling rises with the
    prize: a prize far above the largest time-warp penalty would make serving a stop late
    pay, and the search would wander among infeasible solutions.
    """
    data, prize = translation.solver_data, _prize(translation)
    clients = [
        _optional(client, prize if ref.stop.required else client.prize)
        for client, ref in zip(data.clients(), translation.clients, strict=True)
    ]
    groups = [pyvrp.ClientGroup(g.clients, required=False, name=g.name) for g in data.groups()]
    soft = replace(translation, data=data.replace(clients=clients, groups=groups))
    return soft, pyvrp.PenaltyParams(max_penalty=max(MAX_PENALTY, 10.0 * prize))


def _optional(client: pyvrp.Client, prize: int) -> pyvrp.Client:
    return pyvrp.Client(
        client.location,
        client.delivery,
        client.pickup,
        client.service_duration,
        client.tw_early,
        client.tw_late,
        client.release_time,
        prize=prize,
        required=False,
        group=client.group,
        name=client.name,
    )


def _prize(translation: Translation) -> int:
    """Twice the most any vehicle could pay to serve one stop, above every optional penalty."""
    problem = translation.problem
    metres = max(int(t.distances_m.max(initial=0)) for t in problem.matrices.values())
    seconds = max(int(t.durations_s.max(initial=0)) for t in problem.matrices.values())
    service = max((s.service_s for s in problem.stops), default=0)
    detour = max(
        v.fixed_cost + 2 * metres * v.cost_per_m + (2 * seconds + service) * v.cost_per_s
        for fleet in translation.fleets
        for v in fleet
    )
    penalty = max((s.penalty for s in problem.stops if not s.required), default=0)
    return 2 * detour + penalty + 1
