"""A delivery day in fast-forward (the digital twin); drives services, never adapters."""
