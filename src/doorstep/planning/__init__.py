"""Route planning, solver-agnostic (problem, plan, travel times); filled in by the planner work."""
