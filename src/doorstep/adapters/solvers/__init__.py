"""Route optimizers behind ``planning.optimizer.RouteOptimizer``: adapters to solver libraries."""
